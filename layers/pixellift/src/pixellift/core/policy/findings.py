"""The finding schema: what failed, by how much, why it matters and which fix would cure it.

The rules engine and content detectors (Text Guard, SceneSafe) report through the same
:class:`Finding`; detectors add :class:`Evidence` (boxes, recognised text, confidence). This module
also formats measured and required values for people.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pixellift.core.policy.metrics import METRICS, Metric
from pixellift.core.policy.operators import CheckValue, Op, Scalar, side
from pixellift.core.policy.schema import Check, Rule, RuleId, Severity

FixStepName = Literal["size", "frame", "background", "encode", "rename", "clean_overlays", "manual"]
JsonParam = Scalar | list[Scalar] | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FixStep(_Strict):
    """An Auto-Fix step and the parameters that would cure a finding.

    ``automatic`` steps are applied by Fix All; the others need a person (or a later tool).
    """

    step: FixStepName
    params: dict[str, JsonParam] = {}
    automatic: bool = True
    summary: str


class Evidence(_Strict):
    """What a detector saw: a box ``(x0, y0, x1, y1)`` in the input's pixels, label, text, score."""

    label: str
    box: tuple[int, int, int, int] | None = None
    confidence: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    text: str | None = None


class Finding(_Strict):
    """One failed rule for one image and marketplace."""

    rule_id: RuleId
    marketplace: str
    severity: Severity
    overridable: bool
    title: str = ""
    metric: str
    measured: Scalar | None
    required: str
    reason: str
    reason_code: RuleId
    fix: FixStep | None = None
    source_url: str
    detector: str = "rules-engine"
    evidence: tuple[Evidence, ...] = ()


class Unchecked(_Strict):
    """A rule that could not be evaluated because nothing measured its property."""

    rule_id: RuleId
    severity: Severity
    metric: str
    why: str


def format_value(metric: Metric, value: Any) -> str:
    """Format a measured or required value in the metric's unit, for people.

    Examples
    --------
    >>> format_value(Metric.FILE_BYTES, 5_000_000), format_value(Metric.LONGEST_SIDE_FILL, 0.855)
    ('5 MB', '85.5%')
    >>> format_value(Metric.LONGEST_SIDE, 1000), format_value(Metric.DPI, None)
    ('1,000 px', 'absent')
    """
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    unit = METRICS[metric].unit
    if unit == "bytes":
        return _bytes(float(value))
    if unit == "fraction":
        return f"{_trim(float(value) * 100, 2)}%"
    if unit in {"px", "dpi", "MP"}:
        number = f"{value:,}" if isinstance(value, int) else _trim(float(value), 2)
        return f"{number} {unit}"
    return _trim(float(value), 4) if isinstance(value, float) else str(value)


def _trim(number: float, places: int) -> str:
    text = f"{number:,.{places}f}".rstrip("0").rstrip(".")
    return text or "0"


def _bytes(size: float) -> str:
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{_trim(size / scale, 2)} {unit}"
    return f"{int(size)} bytes"


def _values(metric: Metric, value: CheckValue) -> list[str]:
    return [format_value(metric, v) for v in (value if isinstance(value, tuple) else (value,))]


def describe_check(check: Check) -> str:
    """Describe the requirement a check states, for people.

    Examples
    --------
    >>> describe_check(Check(metric=Metric.FORMAT, op=Op.IN, value=("JPEG", "PNG")))
    'one of JPEG, PNG'
    >>> describe_check(Check(metric=Metric.ASPECT_RATIO, op=Op.APPROX, value=0.75, tolerance=0.05))
    '0.75 ± 0.05'
    """
    shown = _values(check.metric, check.value)
    text = {
        Op.EQ: f"= {shown[0]}",
        Op.NE: f"≠ {shown[0]}",
        Op.GT: f"> {shown[0]}",
        Op.GTE: f"≥ {shown[0]}",
        Op.LT: f"< {shown[0]}",
        Op.LTE: f"≤ {shown[0]}",
        Op.IN: f"one of {', '.join(shown)}",
        Op.NOT_IN: f"none of {', '.join(shown)}",
        Op.BETWEEN: f"between {shown[0]} and {shown[-1]}",
        Op.APPROX: f"{shown[0]} ± {_trim(check.tolerance or 0.0, 4)}",
        Op.MATCHES: f"matching {check.value}",
    }[check.op]
    if check.background is not None:
        colours = " or ".join(check.background.colours)
        text += f" of background pixels within ±{check.background.tolerance} of {colours}"
    return text


def reason_code(check: Check, measured: object, custom: str | None = None) -> str:
    """Machine reason code: ``custom``, else ``<METRIC>_TOO_LOW|TOO_HIGH|NOT_ALLOWED|MISSING``.

    Examples
    --------
    >>> check = Check(metric=Metric.LONGEST_SIDE, op=Op.GTE, value=1000)
    >>> reason_code(check, 800), reason_code(check, None)
    ('LONGEST_SIDE_TOO_LOW', 'LONGEST_SIDE_MISSING')
    >>> reason_code(Check(metric=Metric.FORMAT, op=Op.IN, value=("JPEG",)), "GIF")
    'FORMAT_NOT_ALLOWED'
    """
    if custom is not None:
        return custom
    name = str(check.metric).upper()
    if measured is None:
        return f"{name}_MISSING"
    way = side(check.op, check.value, measured, check.tolerance)
    suffix = {"low": "TOO_LOW", "high": "TOO_HIGH"}.get(way)
    if suffix is None:
        suffix = "PATTERN_MISMATCH" if check.op is Op.MATCHES else "NOT_ALLOWED"
    return f"{name}_{suffix}"


def human_reason(rule: Rule, measured: object, required: str) -> str:
    """Give the rule's message followed by what was measured and what is required."""
    label = str(rule.check.metric).replace("_", " ")
    shown = format_value(rule.check.metric, measured)
    return f"{rule.message} Measured {label}: {shown}; required {required}."
