"""QuickSet: one SKU's photo in, every channel's pack out, from one cut-out.

Per selected channel a pack holds the channel's main image and the vertical 9:16, square 1:1 and
portrait 4:5 images, each made with the channel's preset fitted to its resolved rules (Fix All)
and each re-checked by the Compliance Gate. The photo is decoded, segmented and edge-refined once;
every output only reframes, composites and encodes that cut-out, which is why a pack costs little
more than one Auto-Fix run per output would cost for its first image.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

import numpy as np

from pixellift.core.errors import SubjectNotFoundError, UnknownChannelError
from pixellift.core.exports.variants import VariantParams, adjust_contrast, variant_preset
from pixellift.core.imaging.background import ShadowSpec, composite, parse_hex_colour
from pixellift.core.imaging.decode import DEFAULT_MAX_PIXELS, DecodedImage, decode_image
from pixellift.core.imaging.encode import EncodedImage, encode_image
from pixellift.core.imaging.framing import plan_frame, subject_box
from pixellift.core.imaging.geometry import Box
from pixellift.core.imaging.reframe import reframe
from pixellift.core.imaging.resize import plan_resize
from pixellift.core.pipeline.autofix import encode_spec, framing_spec, size_spec
from pixellift.core.pipeline.cutout import cut_out
from pixellift.core.pipeline.preset_schema import Preset, SizeSettings
from pixellift.core.pipeline.presets import load_preset
from pixellift.core.policy.engine import CompiledRuleSet
from pixellift.core.policy.fixes import fix_preset
from pixellift.core.policy.gate import Decision, ItemRef, PolicyException, decide
from pixellift.core.policy.loader import load_pack
from pixellift.core.policy.measure import measure_image
from pixellift.core.policy.resolution import resolve
from pixellift.core.policy.schema import Role
from pixellift.core.ports import Segmenter
from pixellift.core.types import Alpha, RgbImage

Slot = Literal["main", "square", "portrait", "vertical"]
FORMATS: Final[dict[Slot, tuple[int, int]]] = {
    "square": (1, 1),
    "portrait": (4, 5),
    "vertical": (9, 16),
}


@dataclass(frozen=True)
class Channel:
    """A sales channel: its rule pack and the built-in presets its images start from."""

    pack: str
    main_preset: str
    secondary_preset: str


CHANNELS: Final[dict[str, Channel]] = {
    "amazon": Channel("amazon", "amazon-main", "amazon-secondary"),
    "tiktok-shop": Channel("tiktok-shop", "tiktok-shop", "tiktok-shop"),
    "etsy": Channel("etsy", "etsy", "etsy"),
    "ebay": Channel("ebay", "ebay", "ebay"),
    "walmart": Channel("walmart", "walmart-main", "walmart-main"),
    "shopify": Channel("shopify", "shopify", "shopify"),
    "google": Channel("google-merchant-center", "shopify", "shopify"),
}


@dataclass(frozen=True)
class OutputSpec:
    """One image of a pack: channel, slot, role, the fitted preset and the rules that gate it."""

    channel: str
    slot: Slot
    role: Role
    preset: Preset
    rules: CompiledRuleSet
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SkippedSlot:
    """A slot a channel's rules rule out (for example 9:16 where only 1:1 is allowed)."""

    channel: str
    slot: Slot
    reason: str


def _sized(preset: Preset, aspect: tuple[int, int]) -> Preset:
    s = preset.size
    long_edge = max(s.width or 0, s.height or 0, s.long_edge or 0)
    w, h = aspect
    width, height = (
        (long_edge, round(long_edge * h / w)) if w >= h else (round(long_edge * w / h), long_edge)
    )
    size = SizeSettings(
        width=width,
        height=height,
        min_long_edge=s.min_long_edge,
        max_long_edge=s.max_long_edge,
        max_upscale=s.max_upscale,
    )
    framing = preset.framing.model_copy(update={"aspect": aspect})
    return preset.model_copy(update={"size": size, "framing": framing})


def _fit(
    preset: Preset, channel: Channel, role: Role, today: date, category: str | None
) -> tuple[Preset, CompiledRuleSet, tuple[str, ...]]:
    rules = resolve(load_pack(channel.pack), role=role, on=today, category=category)
    plan = fix_preset(rules, preset)
    return plan.preset, CompiledRuleSet(rules), tuple(str(c) for c in plan.changes)


def plan_outputs(
    channels: Sequence[str],
    today: date,
    *,
    category: str | None = None,
    slots: Sequence[Slot] = ("main", "square", "portrait", "vertical"),
) -> tuple[tuple[OutputSpec, ...], tuple[SkippedSlot, ...]]:
    """The outputs of a pack for the chosen channels, each preset fitted to its channel's rules.

    Examples
    --------
    >>> specs, skipped = plan_outputs(["amazon", "walmart"], date(2026, 11, 26))
    >>> [(s.channel, s.slot, s.preset.framing.aspect) for s in specs][:3]
    [('amazon', 'main', (1, 1)), ('amazon', 'square', (1, 1)), ('amazon', 'portrait', (4, 5))]
    >>> [(s.channel, s.slot) for s in skipped]
    [('walmart', 'portrait'), ('walmart', 'vertical')]
    """
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        msg = f"unknown channel(s) {', '.join(unknown)}; use {', '.join(CHANNELS)}"
        raise UnknownChannelError(msg)
    specs: list[OutputSpec] = []
    skipped: list[SkippedSlot] = []
    for name in dict.fromkeys(channels):
        channel = CHANNELS[name]
        for slot in slots:
            if slot == "main":
                preset, rules, changes = _fit(
                    load_preset(channel.main_preset), channel, Role.MAIN, today, category
                )
                specs.append(OutputSpec(name, slot, Role.MAIN, preset, rules, changes))
                continue
            wanted = FORMATS[slot]
            base = _sized(load_preset(channel.secondary_preset), wanted)
            preset, rules, changes = _fit(base, channel, Role.SECONDARY, today, category)
            if tuple(preset.framing.aspect) != wanted:
                got = ":".join(map(str, preset.framing.aspect))
                reason = f"{channel.pack} rules ask for {got}, so no {wanted[0]}:{wanted[1]} image"
                skipped.append(SkippedSlot(name, slot, reason))
                continue
            specs.append(OutputSpec(name, slot, Role.SECONDARY, preset, rules, changes))
    return tuple(specs), tuple(skipped)


@dataclass(frozen=True)
class PreparedSource:
    """A decoded photo with its one cut-out and the product's box, shared by all outputs."""

    name: str
    decoded: DecodedImage
    alpha: Alpha
    foreground: RgbImage
    subject: Box
    method: str


def prepare_source(
    data: bytes,
    name: str,
    segmenter: Segmenter | None,
    *,
    mode: Literal["auto", "model", "classical"] = "auto",
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> PreparedSource:
    """Decode and cut out one photo (the expensive part of a pack, done once).

    Raises
    ------
    ImageDecodeError
        The file is not a readable image (names the file).
    SubjectNotFoundError
        No product was found.
    """
    decoded = decode_image(data, name, max_pixels=max_pixels)
    if decoded.alpha is not None:
        # A seller's own cut-out (transparent PNG/WebP) is the best mask there is.
        alpha, foreground, method = decoded.alpha, decoded.rgb, "source-alpha"
    else:
        cut = cut_out(decoded.rgb, segmenter, mode=mode)
        alpha, foreground, method = cut.alpha, cut.foreground, cut.segmentation.method
    box = subject_box(alpha)
    if box is None:
        msg = f"{name}: no product found in the photo (the mask is empty)"
        raise SubjectNotFoundError(msg)
    return PreparedSource(name, decoded, alpha, foreground, box, method)


@dataclass(frozen=True)
class Rendered:
    """One rendered output: the encoded file and the product fill it achieved."""

    encoded: EncodedImage
    fill: float


def render(source: PreparedSource, preset: Preset, *, contrast: float = 1.0) -> Rendered:
    """Frame, size, composite and encode the shared cut-out for one preset."""
    d = source.decoded
    plan = plan_frame(d.rows, d.cols, source.subject, framing_spec(preset))
    sizing = plan_resize(plan.canvas.rows, plan.canvas.cols, size_spec(preset))
    fg, alpha = reframe(source.foreground, source.alpha, plan.canvas, sizing.rows, sizing.cols)
    if contrast != 1.0:
        fg = adjust_contrast(fg, contrast, mask=alpha > 0.5)  # noqa: PLR2004
    bg = preset.background
    colour = None if bg.mode == "transparent" else parse_hex_colour(bg.colour)
    shadow = None
    if bg.shadow is not None:
        shadow = ShadowSpec(opacity=bg.shadow.opacity, blur=bg.shadow.blur, height=bg.shadow.height)
    pixels = composite(fg, alpha, colour, shadow=shadow)
    encoded = encode_image(np.ascontiguousarray(pixels), encode_spec(preset), exif=d.exif)
    return Rendered(encoded, round(plan.fill_achieved, 4))


def gate(
    data: bytes,
    name: str,
    spec: OutputSpec,
    *,
    sku: str,
    run_id: str,
    today: date,
    exceptions: Iterable[PolicyException] = (),
) -> Decision:
    """Measure the encoded file as a marketplace would and decide it for the output's channel."""
    rules = spec.rules.rules
    measured = measure_image(data, name, backgrounds=rules.background_specs())
    item = ItemRef(name=name, sku=sku, batch_id=run_id)
    return decide(
        spec.rules.evaluate(measured),
        item=item,
        role=rules.role,
        today=today,
        exceptions=exceptions,
    )


def variant_spec(spec: OutputSpec, params: VariantParams) -> OutputSpec:
    """The output spec that renders one A/B variant of ``spec``."""
    return OutputSpec(
        spec.channel,
        spec.slot,
        spec.role,
        variant_preset(spec.preset, params),
        spec.rules,
        spec.changes,
    )
