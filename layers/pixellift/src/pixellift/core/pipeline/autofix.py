"""The Auto-Fix use case: one seller photo in, one marketplace-ready file out, with a step log.

Order of work (chosen for speed and memory on 12- to 50-megapixel phone photos):

1. decode the source (orientation and colour profile applied);
2. find the product at a coarse scale (classical fast path on plain backgrounds, else the model);
3. plan the frame (Smart Margins) and the output size in source coordinates;
4. crop, scale and pad to the output canvas, so every later step works at output scale;
5. refine edges (adaptive trimap, alpha in the band, foreground colours, holes);
6. composite onto the preset's background (exact colour outside the product);
7. encode under the file-size cap with the sRGB profile and the preset's DPI.

The original bytes are only read, never modified.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pixellift.core.errors import ImageEncodeError, SubjectNotFoundError
from pixellift.core.imaging.background import (
    ShadowSpec,
    composite,
    contact_shadow,
    parse_hex_colour,
)
from pixellift.core.imaging.compare import side_by_side
from pixellift.core.imaging.decode import DEFAULT_MAX_PIXELS, DecodedImage, decode_image
from pixellift.core.imaging.edges import EdgeParams, refine_edges
from pixellift.core.imaging.encode import EncodedImage, EncodeSpec, encode_image
from pixellift.core.imaging.framing import FramePlan, FramingSpec, Margins, plan_frame, subject_box
from pixellift.core.imaging.quality import background_purity, longest_side_fill, pixel_delta
from pixellift.core.imaging.reframe import reframe
from pixellift.core.imaging.resize import ResizePlan, SizeSpec, plan_resize
from pixellift.core.pipeline.preset_schema import Preset
from pixellift.core.pipeline.segment import SegmentationOutcome, segment_subject
from pixellift.core.pipeline.steplog import StepLog
from pixellift.core.ports import Clock, Matte, Matter, Segmenter
from pixellift.core.types import Alpha, RgbaImage, RgbImage


@dataclass(frozen=True)
class FixServices:
    """Ports the Auto-Fix use case needs."""

    segmenter: Segmenter | None
    clock: Clock
    max_pixels: int = DEFAULT_MAX_PIXELS
    matter: Matter | None = None
    """Edge refinement on a matting endpoint; ``None`` refines in process with the preset's
    edge settings (a remote matter applies the settings its endpoint is configured with)."""


@dataclass(frozen=True)
class FixResult:
    """A finished image, its step log and (optionally) the before/after picture."""

    name: str
    preset_key: str
    output: EncodedImage
    step_log: StepLog
    compare: RgbImage | None

    @property
    def extension(self) -> str:
        """File extension for the output format."""
        return {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}[self.output.format]


def framing_spec(preset: Preset) -> FramingSpec:
    """Translate the preset's framing section into the framing module's spec."""
    f = preset.framing
    margins = None
    if f.margins is not None:
        margins = Margins(f.margins.top, f.margins.right, f.margins.bottom, f.margins.left)
    return FramingSpec(
        aspect=f.aspect, fill=f.fill, margins=margins, anchor=f.anchor, min_margin=f.min_margin
    )


def size_spec(preset: Preset) -> SizeSpec:
    """Translate the preset's size section into the resize module's spec."""
    s = preset.size
    return SizeSpec(
        width=s.width,
        height=s.height,
        long_edge=s.long_edge,
        min_long_edge=s.min_long_edge,
        max_long_edge=s.max_long_edge,
        max_upscale=s.max_upscale,
    )


def encode_spec(preset: Preset) -> EncodeSpec:
    """Translate the preset's output section into the encoder's spec."""
    o = preset.output
    return EncodeSpec(
        format=o.format,
        max_bytes=o.max_bytes,
        dpi=o.dpi,
        quality=o.quality,
        min_quality=o.min_quality,
        keep_metadata=o.keep_metadata,
    )


def edge_params(preset: Preset) -> EdgeParams:
    """Translate the preset's edge section into the edge refiner's parameters."""
    e = preset.edges
    return EdgeParams(hard_band_px=e.hard_band_px, soft_band_px=e.soft_band_px, solver=e.solver)


def fix_photo(
    data: bytes,
    name: str,
    preset: Preset,
    services: FixServices,
    *,
    with_compare: bool = False,
) -> FixResult:
    """Run the Auto-Fix pipeline on one photo.

    Parameters
    ----------
    data
        The source file's bytes (never modified).
    name
        The file name, used in errors and the step log.
    preset
        The marketplace/role recipe.
    services
        Segmenter and clock.
    with_compare
        Also build a before/after side-by-side picture.

    Raises
    ------
    ImageDecodeError
        The file is empty, corrupt, not an image or too large (names the file).
    SubjectNotFoundError
        No product was found.
    ImageEncodeError
        The output cannot meet the preset's file-size cap.
    """
    log = StepLog(source=name, clock=services.clock)
    decoded = _decode(data, name, services, log)
    coarse = _segment(decoded, preset, services, log)
    plan, sizing = _plan(decoded, coarse, name, preset, log)
    rgb, alpha = _reframe(decoded.rgb, coarse, plan, sizing, log)
    edges = _refine(rgb, alpha, preset, services.matter, log)
    pixels = _composite(edges, preset, log)
    encoded = _encode(pixels, name, preset, decoded, log)
    compare = side_by_side(_with_alpha(decoded), pixels) if with_compare else None
    return FixResult(name, preset.key, encoded, log, compare)


def _with_alpha(decoded: DecodedImage) -> RgbImage | RgbaImage:
    if decoded.alpha is None:
        return decoded.rgb
    alpha = np.clip(decoded.alpha * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return np.dstack([decoded.rgb, alpha])


def _decode(data: bytes, name: str, services: FixServices, log: StepLog) -> DecodedImage:
    with log.step("decode", {"max_pixels": services.max_pixels, "bytes": len(data)}) as rec:
        decoded = decode_image(data, name, max_pixels=services.max_pixels)
        rec.results.update(
            rows=decoded.rows,
            cols=decoded.cols,
            format=decoded.source_format,
            mode=decoded.source_mode,
            bit_depth=decoded.bit_depth,
            orientation=decoded.orientation,
            source_profile=decoded.source_profile,
            converted_to_srgb=decoded.converted_to_srgb,
            dpi=list(decoded.dpi) if decoded.dpi else None,
            has_alpha=decoded.alpha is not None,
        )
    return decoded


def _segment(decoded: DecodedImage, preset: Preset, services: FixServices, log: StepLog) -> Alpha:
    with log.step("segment", {"mode": preset.segmentation.mode}) as rec:
        if decoded.alpha is not None:
            # A seller's own cut-out (transparent PNG/WebP/HEIF) is the best mask there is.
            rec.results.update(method="source-alpha", confidence=1.0)
            return decoded.alpha
        outcome: SegmentationOutcome = segment_subject(
            decoded.rgb, services.segmenter, mode=preset.segmentation.mode
        )
        rec.results.update(
            method=outcome.method,
            confidence=round(outcome.confidence, 4),
            classical_confidence=(
                None
                if outcome.classical_confidence is None
                else round(outcome.classical_confidence, 4)
            ),
        )
        return outcome.alpha


def _plan(
    decoded: DecodedImage, coarse: Alpha, name: str, preset: Preset, log: StepLog
) -> tuple[FramePlan, ResizePlan]:
    spec = framing_spec(preset)
    with log.step(
        "frame", {"aspect": list(spec.aspect), "fill": spec.fill, "anchor": spec.anchor}
    ) as rec:
        subject = subject_box(coarse)
        if subject is None:
            msg = f"{name}: no product found in the photo (the mask is empty)"
            raise SubjectNotFoundError(msg)
        plan = plan_frame(decoded.rows, decoded.cols, subject, spec)
        rec.results.update(plan.adjustments())
        if plan.extends_source:
            log.flag("canvas extended beyond the photo to keep the product uncut")
    with log.step("size", _size_params(preset)) as rec:
        sizing = plan_resize(plan.canvas.rows, plan.canvas.cols, size_spec(preset))
        rec.results.update(
            rows=sizing.rows,
            cols=sizing.cols,
            scale=round(sizing.scale, 5),
            upscaled=sizing.upscaled,
            upscale_capped=sizing.upscale_capped,
            below_minimum=sizing.below_minimum,
        )
        if sizing.upscale_capped:
            log.flag(
                f"source too small: enlargement capped at {preset.size.max_upscale}x, "
                f"output is {sizing.cols}x{sizing.rows}"
            )
        if sizing.below_minimum:
            log.flag(
                f"output long edge is below the marketplace minimum {preset.size.min_long_edge}"
            )
    return plan, sizing


def _size_params(preset: Preset) -> dict[str, object]:
    return preset.size.model_dump(exclude_none=True)


def _reframe(
    rgb: RgbImage, coarse: Alpha, plan: FramePlan, sizing: ResizePlan, log: StepLog
) -> tuple[RgbImage, Alpha]:
    with log.step("reframe", {"rows": sizing.rows, "cols": sizing.cols}) as rec:
        out_rgb, out_alpha = reframe(rgb, coarse, plan.canvas, sizing.rows, sizing.cols)
        rec.results.update(fill_achieved=round(longest_side_fill(out_alpha), 4))
    return out_rgb, out_alpha


def _refine(
    rgb: RgbImage, coarse: Alpha, preset: Preset, matter: Matter | None, log: StepLog
) -> Matte:
    if matter is not None:
        with log.step("edges", {"matter": matter.name}) as rec:
            matte = matter.matte(rgb, coarse)
            rec.results.update(alpha_delta=round(float(abs(matte.alpha - coarse).mean()), 5))
        return matte
    params = edge_params(preset)
    with log.step(
        "edges",
        {
            "hard_band_px": params.hard_band_px,
            "soft_band_px": params.soft_band_px,
            "solver": params.solver,
        },
    ) as rec:
        result = refine_edges(rgb, coarse, params)
        rec.results.update(
            unknown_fraction=round(result.unknown_fraction, 5),
            complexity=round(result.complexity, 4),
            holes_opened=result.holes_opened,
            interior_filled_px=result.interior_filled_px,
            alpha_delta=round(float(abs(result.alpha - coarse).mean()), 5),
        )
    return Matte(alpha=result.alpha, foreground=result.foreground)


def _composite(edges: Matte, preset: Preset, log: StepLog) -> RgbImage:
    bg = preset.background
    colour = None if bg.mode == "transparent" else parse_hex_colour(bg.colour)
    shadow = None
    if bg.shadow is not None:
        shadow = ShadowSpec(opacity=bg.shadow.opacity, blur=bg.shadow.blur, height=bg.shadow.height)
    with log.step(
        "background", {"mode": bg.mode, "colour": bg.colour, "shadow": shadow is not None}
    ) as rec:
        pixels = composite(edges.foreground, edges.alpha, colour, shadow=shadow)
        if colour is not None:
            # The shadow is part of the look, not background contamination: measure the rest.
            shadow_zone = None if shadow is None else contact_shadow(edges.alpha, shadow) > 0
            purity = background_purity(pixels, edges.alpha, colour, exclude=shadow_zone)
            rec.results.update(background_purity=round(purity, 6))
            rec.results.update(pixel_delta=round(pixel_delta(edges.foreground, pixels), 5))
        rec.results.update(fill_achieved=round(longest_side_fill(edges.alpha), 4))
    return pixels


def _encode(
    pixels: RgbImage, name: str, preset: Preset, decoded: DecodedImage, log: StepLog
) -> EncodedImage:
    spec = encode_spec(preset)
    with log.step(
        "encode", {"format": spec.format, "max_bytes": spec.max_bytes, "dpi": spec.dpi}
    ) as rec:
        try:
            encoded = encode_image(pixels, spec, exif=decoded.exif)
        except ImageEncodeError as exc:
            raise type(exc)(f"{name}: {exc}") from exc
        rec.results.update(
            bytes=encoded.size_bytes, quality=encoded.quality, attempts=encoded.attempts
        )
    return encoded
