"""A/B variants: controlled, seeded variations of one image, all within the channel's rules.

Variant A is the control (the preset as it is). B, C, ... move the fill, offset the crop, shift the
product up or down, change the background tone, the shadow strength and the product's contrast,
each drawn from a seeded generator inside limits taken from the preset and the resolved rules: the
fill never drops under the marketplace's minimum, the tone stays within its white tolerance, the
shadow under the preset's cap. Traffic weights must total 100; a near miss gets a one-step
normalisation offer.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from pixellift.core.errors import InvalidVariantSpecError, InvalidVariantWeightsError
from pixellift.core.imaging.background import parse_hex_colour
from pixellift.core.pipeline.preset_schema import (
    BackgroundSettings,
    FramingSettings,
    MarginSettings,
    Preset,
    ShadowSettings,
)
from pixellift.core.policy.metrics import Metric
from pixellift.core.policy.operators import Op
from pixellift.core.policy.resolution import ResolvedRuleSet
from pixellift.core.types import RgbImage

MAX_VARIANTS: Final = len(string.ascii_uppercase)
NEAR_MISS: Final = 3
"""Totals within this many points of 100 are offered a normalised split."""
FILL_HEADROOM: Final = 0.01
"""Kept between a variant's fill and the rule's minimum, so rounding never lands under it."""


def ab_tags(n: int) -> tuple[str, ...]:
    """Labels for ``n`` variants: A, B, C, ...

    Examples
    --------
    >>> ab_tags(3)
    ('A', 'B', 'C')
    """
    if not 1 <= n <= MAX_VARIANTS:
        msg = f"variants: asked for {n}, allowed 1 to {MAX_VARIANTS}"
        raise InvalidVariantSpecError(msg)
    return tuple(string.ascii_uppercase[:n])


def normalise_weights(weights: Sequence[float], total: int = 100) -> tuple[int, ...]:
    """Scale weights to integers summing to ``total`` (largest remainder, ties to the first).

    Examples
    --------
    >>> normalise_weights([50, 30, 21])
    (49, 30, 21)
    """
    if not weights or any(w <= 0 for w in weights):
        msg = f"weights {list(weights)}: every weight must be positive"
        raise InvalidVariantWeightsError(msg)
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    floors = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[: total - sum(floors)]:
        floors[i] += 1
    return tuple(floors)


def check_weights(weights: Sequence[int], count: int) -> tuple[int, ...]:
    """Validate A/B/C traffic weights: one positive integer per variant, totalling 100.

    Raises
    ------
    InvalidVariantWeightsError
        With ``suggestion`` set to the normalised split when the total is within ``NEAR_MISS``.

    Examples
    --------
    >>> check_weights([50, 30, 20], 3)
    (50, 30, 20)
    >>> try:
    ...     check_weights([50, 30, 21], 3)
    ... except InvalidVariantWeightsError as exc:
    ...     print(exc, exc.suggestion)
    weights 50/30/21 total 101, not 100; normalised: 49/30/21 (1 point off) (49, 30, 21)
    """
    shown = "/".join(str(w) for w in weights)
    if len(weights) != count:
        msg = f"weights {shown}: {len(weights)} given for {count} variants"
        raise InvalidVariantWeightsError(msg)
    if any(w <= 0 for w in weights):
        msg = f"weights {shown}: every variant needs a positive share of traffic"
        raise InvalidVariantWeightsError(msg)
    total = sum(weights)
    if total == 100:  # noqa: PLR2004
        return tuple(weights)
    if abs(total - 100) <= NEAR_MISS:
        suggestion = normalise_weights(weights)
        off = abs(total - 100)
        msg = (
            f"weights {shown} total {total}, not 100; normalised: "
            f"{'/'.join(map(str, suggestion))} ({off} point{'s' if off > 1 else ''} off)"
        )
        raise InvalidVariantWeightsError(msg, suggestion)
    msg = f"weights {shown} total {total}, not 100"
    raise InvalidVariantWeightsError(msg)


class VariantParams(BaseModel):
    """The settings of one variant, stored with its outputs for later analysis."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tag: str
    seed: int
    fill: float
    offset_x: float
    offset_y: float
    anchor: Literal["center", "top", "bottom"]
    background: str
    shadow: float
    contrast: float
    weight: int | None = None


@dataclass(frozen=True)
class VariantLimits:
    """How far variants may move from the preset while staying compliant."""

    fill_min: float
    fill_max: float
    offset_max: float
    tone_floor: int
    shadow_max: float
    contrast_span: float = 0.08

    @classmethod
    def derive(cls, preset: Preset, rules: ResolvedRuleSet | None) -> VariantLimits:
        """Limits from the preset (its fill and shadow cap) and the rules (fill, white tolerance).

        Examples
        --------
        >>> from datetime import date
        >>> from pixellift.core.pipeline.presets import load_preset
        >>> from pixellift.core.policy.loader import load_pack
        >>> from pixellift.core.policy.resolution import resolve
        >>> from pixellift.core.policy.schema import Role
        >>> rules = resolve(load_pack("amazon"), role=Role.MAIN, on=date(2026, 11, 26))
        >>> lim = VariantLimits.derive(load_preset("amazon-main"), rules)
        >>> lim.fill_min, lim.tone_floor, lim.shadow_max
        (0.86, 253, 0.0)
        """
        base = preset.framing.fill or 0.85
        rule_min, rule_max, tolerance = 0.0, 0.98, 15
        for r in rules.rules if rules else ():
            check = r.rule.check
            if check.metric is Metric.LONGEST_SIDE_FILL and isinstance(check.value, int | float):
                if check.op in (Op.GTE, Op.GT):
                    rule_min = max(rule_min, float(check.value))
                elif check.op in (Op.LTE, Op.LT):
                    rule_max = min(rule_max, float(check.value))
            if check.background is not None:
                tolerance = min(tolerance, check.background.tolerance)
        fill_min = round(max(rule_min + FILL_HEADROOM, base - 0.06), 4)
        fill_max = round(min(rule_max - FILL_HEADROOM, base + 0.04, 0.97), 4)
        if fill_min > fill_max:
            fill_min = fill_max = round(min(max(base, rule_min + FILL_HEADROOM), rule_max), 4)
        offset_max = round(max(0.0, min(0.03, (1 - fill_max) / 2 - 0.01)), 4)
        colour = parse_hex_colour(preset.background.colour)
        return cls(
            fill_min=fill_min,
            fill_max=fill_max,
            offset_max=offset_max,
            # One level of the tolerance is left to JPEG rounding.
            tone_floor=max(0, min(colour) - max(0, tolerance - 1)),
            shadow_max=preset.background.max_shadow_opacity,
        )


def plan_variants(
    preset: Preset, limits: VariantLimits, count: int, seed: int, weights: Sequence[int] | None
) -> tuple[VariantParams, ...]:
    """Draw ``count`` variants (A is the preset itself) from a seeded generator.

    Examples
    --------
    >>> from pixellift.core.pipeline.presets import load_preset
    >>> p = load_preset("amazon-main")
    >>> limits = VariantLimits.derive(p, None)
    >>> vs = plan_variants(p, limits, 3, seed=7, weights=[50, 30, 20])
    >>> [(v.tag, v.weight) for v in vs], vs == plan_variants(p, limits, 3, 7, [50, 30, 20])
    ([('A', 50), ('B', 30), ('C', 20)], True)
    """
    tags = ab_tags(count)
    shares = check_weights(weights, count) if weights is not None else (None,) * count
    base_fill = preset.framing.fill or 0.85
    base_shadow = preset.background.shadow.opacity if preset.background.shadow else 0.0
    r, g, b = parse_hex_colour(preset.background.colour)
    out = [
        VariantParams(
            tag="A",
            seed=seed,
            fill=base_fill,
            offset_x=0.0,
            offset_y=0.0,
            anchor=preset.framing.anchor,
            background=f"#{r:02X}{g:02X}{b:02X}",
            shadow=base_shadow,
            contrast=1.0,
            weight=shares[0],
        )
    ]
    for i, tag in enumerate(tags[1:], start=1):
        rng = np.random.default_rng([seed, i])
        fill = float(rng.uniform(limits.fill_min, limits.fill_max))
        off_x, off_y = (float(v) for v in rng.uniform(-limits.offset_max, limits.offset_max, 2))
        anchor = ("center", "top", "bottom")[int(rng.integers(0, 3))]
        drop = int(rng.integers(0, max(0, min(r, g, b) - limits.tone_floor) + 1))
        tone = f"#{r - drop:02X}{g - drop:02X}{b - drop:02X}"
        shadow = float(rng.uniform(0.0, limits.shadow_max)) if limits.shadow_max > 0 else 0.0
        # Contrast is only raised: lowering it greys near-white parts of the product, which a
        # white-background check cannot tell from an off-white backdrop.
        contrast = float(rng.uniform(1.0, 1 + limits.contrast_span))
        out.append(
            VariantParams(
                tag=tag,
                seed=seed,
                fill=round(fill, 4),
                offset_x=round(off_x, 4),
                offset_y=round(off_y, 4),
                anchor=anchor,  # type: ignore[arg-type]
                background=tone,
                shadow=round(shadow, 3),
                contrast=round(contrast, 3),
                weight=shares[i],
            )
        )
    return tuple(out)


def variant_preset(preset: Preset, params: VariantParams) -> Preset:
    """The preset that renders ``params``: margins carry the fill and the crop offset."""
    if params.offset_x == 0 and params.offset_y == 0 and params.fill == preset.framing.fill:
        framing = preset.framing.model_copy(update={"anchor": params.anchor})
    else:
        side = (1.0 - params.fill) / 2
        margins = MarginSettings(
            top=side + params.offset_y,
            bottom=side - params.offset_y,
            left=side + params.offset_x,
            right=side - params.offset_x,
        )
        framing = FramingSettings(
            aspect=preset.framing.aspect,
            fill=None,
            margins=margins,
            anchor=params.anchor,
            min_margin=preset.framing.min_margin,
        )
    shadow = None
    if params.shadow > 0:
        base = preset.background.shadow or ShadowSettings()
        shadow = base.model_copy(update={"opacity": params.shadow})
    background = BackgroundSettings(
        mode=preset.background.mode,
        colour=params.background,
        shadow=shadow,
        max_shadow_opacity=preset.background.max_shadow_opacity,
    )
    return preset.model_copy(update={"framing": framing, "background": background})


def adjust_contrast(
    rgb: RgbImage, factor: float, *, mask: npt.NDArray[np.bool_] | None = None
) -> RgbImage:
    """Stretch (factor > 1) or soften the product's contrast about its mean colour.

    Applied to the cut-out's foreground before compositing, so the background stays exact;
    ``mask`` selects the product pixels changed (and whose mean is the pivot); the soft edge
    outside it keeps its colours, so the blend into the background is not disturbed.

    Examples
    --------
    >>> adjust_contrast(np.array([[[100, 100, 100], [200, 200, 200]]], np.uint8), 1.2)[0, :, 0]
    array([ 90, 210], dtype=uint8)
    """
    if factor == 1.0:
        return rgb
    if mask is None:
        mask = np.ones(rgb.shape[:2], dtype=bool)
    if not mask.any():
        return rgb
    pixels = rgb[mask].astype(np.float32)
    mean = pixels.mean(axis=0)
    out = rgb.copy()
    out[mask] = np.clip((pixels - mean) * factor + mean + 0.5, 0, 255).astype(np.uint8)
    return out
