"""Fix All: map rules to Auto-Fix steps, and a resolved rule set to the preset that satisfies it.

:func:`fix_step` names the step (and its parameters) that cures a failure of one rule; findings
carry it. :func:`fix_preset` adjusts a base preset so that the Auto-Fix output meets every rule at
or above a severity (fill, background colour, size, format, maximum bytes, DPI). It only moves a
value when the value breaks a rule, so applying it to its own result changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from pydantic import ValidationError

from pixellift.core.errors import InvalidPresetError
from pixellift.core.pipeline.preset_schema import Preset
from pixellift.core.policy.findings import Finding, FixStep, JsonParam
from pixellift.core.policy.metrics import DETECTOR_METRICS, Metric
from pixellift.core.policy.operators import Op
from pixellift.core.policy.preset_fit import (
    ENCODABLE,
    FILL_HEADROOM,
    PresetChange,
    PresetFitter,
    aspect_target,
    bound,
    upper,
)
from pixellift.core.policy.resolution import ResolvedRuleSet
from pixellift.core.policy.schema import Rule, Severity

__all__ = ["FixPlan", "PresetChange", "fix_preset", "fix_step", "split_fixes"]

_REMOVABLE: Final = frozenset({"overlay_text", "watermark", "logo", "badge", "border"})

_SIZE_KEYS: Final[dict[tuple[Metric, str], str]] = {
    (Metric.LONGEST_SIDE, "min"): "min_long_edge",
    (Metric.LONGEST_SIDE, "max"): "max_long_edge",
    (Metric.SHORTEST_SIDE, "min"): "min_short_edge",
    (Metric.WIDTH, "min"): "min_width",
    (Metric.HEIGHT, "min"): "min_height",
    (Metric.MEGAPIXELS, "max"): "max_megapixels",
    (Metric.SUM_OF_SIDES, "max"): "max_sum_of_sides",
}


def fix_step(rule: Rule) -> FixStep | None:  # noqa: PLR0911, C901
    """Name the Auto-Fix step that cures a failure of ``rule``.

    Examples
    --------
    >>> from pixellift.core.policy.loader import load_pack
    >>> rule = next(r for r in load_pack("amazon").rules if r.id == "AMAZON_MAIN_PRODUCT_FILL")
    >>> step = fix_step(rule)
    >>> step.step, step.params
    ('frame', {'fill': 0.87})
    """
    c, m = rule.check, rule.check.metric
    limit = bound(rule)
    if m in DETECTOR_METRICS:
        label = str(m).removesuffix("_count")
        if label in _REMOVABLE:
            return FixStep(
                step="clean_overlays",
                params={"class": label},
                automatic=False,
                summary=f"Remove the {label.replace('_', ' ')} (Text Guard cleanup)",
            )
        return FixStep(
            step="manual",
            params={"class": label},
            automatic=False,
            summary=f"Replace the photo: {label.replace('_', ' ')} not allowed here",
        )
    if m is Metric.ASPECT_RATIO:
        aspect = aspect_target(rule)
        if aspect is None:
            return None
        return FixStep(
            step="frame",
            params={"aspect": list(aspect)},
            summary=f"Frame at {aspect[0]}:{aspect[1]}",
        )
    if limit is not None and (m, limit[0]) in _SIZE_KEYS:
        key = _SIZE_KEYS[(m, limit[0])]
        value: JsonParam = int(limit[1]) if limit[1].is_integer() else limit[1]
        return FixStep(
            step="size", params={key: value}, summary=f"Resize: {key.replace('_', ' ')} {value}"
        )
    if m in {Metric.LONGEST_SIDE_FILL, Metric.AREA_FILL} and limit is not None:
        low = limit[1] if m is Metric.LONGEST_SIDE_FILL else math.sqrt(limit[1])
        fill = round(min(low + FILL_HEADROOM, 1.0), 4)
        top = upper(rule)
        if limit[0] == "max" and top is not None:
            fill = round(top - FILL_HEADROOM / 2, 4)
        return FixStep(
            step="frame", params={"fill": fill}, summary=f"Reframe to fill {fill:.0%} of the frame"
        )
    if m in {Metric.MIN_MARGIN, Metric.MIN_MARGIN_PX}:
        return FixStep(
            step="frame",
            params={"max_fill": _max_fill(rule)},
            summary="Reframe with a margin on every side",
        )
    if m in {Metric.BACKGROUND_PURITY, Metric.HAS_TRANSPARENCY}:
        colour = c.background.colours[0] if c.background else "#FFFFFF"
        return FixStep(
            step="background",
            params={"mode": "colour", "colour": colour, "shadow": None},
            summary=f"Replace the background with {colour}, no shadow",
        )
    return _encode_step(rule)


def _encode_step(rule: Rule) -> FixStep | None:
    c, m = rule.check, rule.check.metric
    if m is Metric.FORMAT and c.op is Op.IN and isinstance(c.value, tuple):
        fmt = next((f for f in ENCODABLE if f in c.value), None)
        if fmt is None:
            return FixStep(
                step="manual",
                params={"formats": list(c.value)},
                automatic=False,
                summary=f"Export in one of {', '.join(map(str, c.value))}",
            )
        return FixStep(step="encode", params={"format": fmt}, summary=f"Encode as {fmt}")
    if m is Metric.ANIMATED:
        return FixStep(
            step="encode", params={"format": "JPEG"}, summary="Encode a single still frame"
        )
    if m is Metric.FILE_BYTES and isinstance(c.value, int | float):
        return FixStep(
            step="encode", params={"max_bytes": int(c.value)}, summary="Compress under the size cap"
        )
    if m is Metric.DPI and isinstance(c.value, int | float):
        return FixStep(
            step="encode", params={"dpi": int(math.ceil(c.value))}, summary="Write the DPI tag"
        )
    if m is Metric.JPEG_QUALITY and isinstance(c.value, int | float):
        return FixStep(
            step="encode", params={"min_quality": int(c.value)}, summary="Encode at higher quality"
        )
    if m in {Metric.COLOUR_MODE, Metric.COLOUR_SPACE, Metric.ICC_PROFILE, Metric.BIT_DEPTH}:
        return FixStep(
            step="encode",
            params={"colour_space": "sRGB", "bit_depth": 8},
            summary="Re-encode as 8-bit sRGB with the profile embedded",
        )
    if m is Metric.EXTENSION_MATCHES_FORMAT:
        return FixStep(
            step="rename", params={"extension": "format"}, summary="Name the file after its format"
        )
    if m in {Metric.FILE_NAME, Metric.LISTING_IMAGE_COUNT}:
        return FixStep(
            step="manual",
            params={"requirement": str(c.value)},
            automatic=False,
            summary="Rename or add images as the marketplace asks",
        )
    return None


def _max_fill(rule: Rule) -> float:
    if rule.check.metric is Metric.MIN_MARGIN and isinstance(rule.check.value, int | float):
        return round(1.0 - 2.0 * float(rule.check.value) - FILL_HEADROOM / 2, 4)
    return 0.98


@dataclass(frozen=True)
class FixPlan:
    """The adjusted preset, what changed and why, and the rule conflicts no preset can meet."""

    preset: Preset
    changes: tuple[PresetChange, ...]
    conflicts: tuple[str, ...]


def fix_preset(
    rules: ResolvedRuleSet, base: Preset, *, min_severity: Severity = Severity.WARNING
) -> FixPlan:
    """Return the preset whose Auto-Fix output satisfies ``rules``.

    Parameters
    ----------
    rules
        The resolved rule set of the target marketplace, role and category.
    base
        The preset to start from (the seller's, or a built-in one).
    min_severity
        Rules below this severity (advice, by default) are left alone.

    Raises
    ------
    InvalidPresetError
        If the adjusted preset is not valid (names the field).

    Examples
    --------
    >>> from datetime import date
    >>> from pixellift.core.pipeline.presets import load_preset
    >>> from pixellift.core.policy.loader import load_pack
    >>> from pixellift.core.policy.resolution import resolve
    >>> from pixellift.core.policy.schema import Role
    >>> zalando = resolve(load_pack("zalando"), role=Role.MAIN, on=date(2026, 11, 1))
    >>> plan = fix_preset(zalando, load_preset("amazon-main"))
    >>> plan.preset.framing.aspect, plan.preset.size.width, plan.preset.size.height
    ((25, 36), 1389, 2000)
    >>> fix_preset(zalando, plan.preset).changes
    ()
    """
    chosen = tuple(r.rule for r in rules.rules if r.rule.severity.rank >= min_severity.rank)
    fitter = PresetFitter(base.model_dump(mode="python"))
    fitter.fit(chosen)
    try:
        preset = Preset.model_validate(fitter.data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        msg = f"{base.key}: rules {rules.label} give an invalid preset: {problems}"
        raise InvalidPresetError(msg) from exc
    return FixPlan(preset, tuple(fitter.changes), tuple(fitter.conflicts))


def split_fixes(findings: Iterable[Finding]) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """Split findings into those Fix All cures by re-running Auto-Fix and those it cannot.

    Examples
    --------
    >>> split_fixes([])
    ((), ())
    """
    automatic: list[Finding] = []
    manual: list[Finding] = []
    for finding in findings:
        (automatic if finding.fix is not None and finding.fix.automatic else manual).append(finding)
    return tuple(automatic), tuple(manual)
