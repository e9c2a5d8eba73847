"""Fit an Auto-Fix preset to a set of rules, field by field, moving only what breaks a rule."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final

from pixellift.core.policy.metrics import Metric
from pixellift.core.policy.operators import Op, prepare
from pixellift.core.policy.schema import Rule

FILL_HEADROOM: Final = 0.02
"""Aim this far inside a fill limit so that edge rounding never lands just outside it."""

ENCODABLE: Final = ("JPEG", "PNG", "WEBP")
"""Formats the Auto-Fix encoder writes."""


@dataclass(frozen=True)
class PresetChange:
    """One preset field Fix All moved, and the rules that moved it."""

    path: str
    before: Any
    after: Any
    rules: tuple[str, ...]


def bound(rule: Rule) -> tuple[str, float] | None:
    """``("min", x)`` or ``("max", x)`` for a numeric threshold rule, else ``None``.

    ``between`` yields its lower end as ``("min", low)``; :func:`upper` gives the other end.
    """
    c = rule.check
    if isinstance(c.value, bool | str):
        return None
    if isinstance(c.value, tuple):
        return ("min", float(c.value[0])) if c.op is Op.BETWEEN else None
    if c.op in {Op.GT, Op.GTE}:
        return "min", float(c.value)
    if c.op in {Op.LT, Op.LTE}:
        return "max", float(c.value) - (1 if c.op is Op.LT and isinstance(c.value, int) else 0)
    return None


def upper(rule: Rule) -> float | None:
    """Return the upper limit of a ``lte``/``lt``/``between`` rule."""
    c = rule.check
    if c.op is Op.BETWEEN and isinstance(c.value, tuple):
        return float(c.value[1])
    b = bound(rule)
    return b[1] if b is not None and b[0] == "max" else None


def _hex6(colour: str) -> str:
    text = colour.lstrip("#").upper()
    return "#" + ("".join(ch * 2 for ch in text) if len(text) == 3 else text)  # noqa: PLR2004


class PresetFitter:
    """Adjusts a preset's field dictionary (``Preset.model_dump()``) to satisfy rules."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.changes: list[PresetChange] = []
        self.conflicts: list[str] = []

    def _get(self, path: str) -> Any:
        section, name = path.split(".")
        return self.data[section][name]

    def _set(self, path: str, value: Any, rules: Iterable[Rule]) -> None:
        before = self._get(path)
        if before == value:
            return
        section, name = path.split(".")
        self.data[section][name] = value
        ids = tuple(r.id for r in rules)
        self.changes.append(PresetChange(path, before, value, ids))
        sources = list(self.data["sources"])
        for rule in rules:
            if rule.source.url not in sources:
                sources.append(rule.source.url)
        self.data["sources"] = tuple(sources)

    def fit(self, rules: Sequence[Rule]) -> None:
        """Apply every rule's constraint, in the order background, aspect, fill, size, output."""

        def of(*metrics: Metric) -> list[Rule]:
            return [r for r in rules if r.check.metric in metrics]

        self._background(of(Metric.BACKGROUND_PURITY), of(Metric.HAS_TRANSPARENCY))
        self._aspect(of(Metric.ASPECT_RATIO))
        self._fill(
            of(Metric.LONGEST_SIDE_FILL, Metric.AREA_FILL, Metric.MIN_MARGIN, Metric.MIN_MARGIN_PX)
        )
        self._size(
            of(
                Metric.LONGEST_SIDE,
                Metric.SHORTEST_SIDE,
                Metric.WIDTH,
                Metric.HEIGHT,
                Metric.MEGAPIXELS,
                Metric.SUM_OF_SIDES,
            )
        )
        self._format(of(Metric.FORMAT))
        self._encoding(of(Metric.FILE_BYTES), of(Metric.DPI), of(Metric.JPEG_QUALITY))

    def _background(self, purity: list[Rule], transparency: list[Rule]) -> None:
        if purity:
            allowed = [set(r.check.background.colours) for r in purity if r.check.background]
            common = set.intersection(*allowed)
            current = _hex6(self._get("background.colour"))
            if not common:
                self.conflicts.append(
                    f"no background colour satisfies {', '.join(r.id for r in purity)}"
                )
            if current in common and self._get("background.mode") == "colour":
                colour = self._get("background.colour")
            else:
                first = purity[0].check.background
                colour = next((c for c in (first.colours if first else ()) if c in common), current)
            self._set("background.mode", "colour", purity)
            self._set("background.colour", colour, purity)
            self._set("background.shadow", None, purity)
        banned = [r for r in transparency if r.check.op is Op.EQ and r.check.value is False]
        if banned:
            self._set("background.mode", "colour", banned)

    def _aspect(self, rules: list[Rule]) -> None:
        for rule in rules:
            cols, rows = self._get("framing.aspect")
            if prepare(rule.check.op, rule.check.value, rule.check.tolerance)(cols / rows):
                continue
            target = aspect_target(rule)
            if target is None:
                self.conflicts.append(f"{rule.id}: no canvas aspect to aim for")
                continue
            self._set("framing.aspect", target, [rule])

    def _fill(self, rules: list[Rule]) -> None:
        lows: list[tuple[float, Rule]] = []
        highs: list[tuple[float, Rule]] = []
        for rule in rules:
            b, top, metric = bound(rule), upper(rule), rule.check.metric
            if metric is Metric.MIN_MARGIN and b and b[0] == "min":
                highs.append((1.0 - 2.0 * b[1], rule))
            elif metric is Metric.MIN_MARGIN_PX and b and b[0] == "min":
                highs.append((0.98 + FILL_HEADROOM / 2, rule))
            elif b and b[0] == "min":
                lows.append((b[1] if metric is Metric.LONGEST_SIDE_FILL else math.sqrt(b[1]), rule))
            if top is not None and metric is Metric.LONGEST_SIDE_FILL:
                highs.append((top, rule))
        if not lows and not highs:
            return
        lo = min(1.0, max(v for v, _ in lows) + FILL_HEADROOM) if lows else 0.0
        hi = min(v for v, _ in highs) - FILL_HEADROOM / 2 if highs else 1.0
        if lo > hi:
            self.conflicts.append(f"fill: rules ask for at least {lo:.3f} and at most {hi:.3f}")
        current = self._get("framing.fill")
        fill = lo if current is None else current
        fill = round(lo, 4) if fill < lo else fill
        fill = round(hi, 4) if fill > hi and lo <= hi else fill
        if current is None:
            self._set("framing.margins", None, [r for _, r in (*lows, *highs)])
        self._set("framing.fill", fill, [r for _, r in (*lows, *highs)])

    def _size(self, rules: list[Rule]) -> None:
        if not rules:
            return
        cols, rows = self._get("framing.aspect")
        longest = max(cols, rows)
        fw, fh = cols / longest, rows / longest
        lows: list[float] = []
        highs: list[float] = []
        for rule in rules:
            b, top = bound(rule), upper(rule)
            scale = {Metric.SHORTEST_SIDE: min(fw, fh), Metric.WIDTH: fw, Metric.HEIGHT: fh}.get(
                rule.check.metric, 1.0
            )
            if b and b[0] == "min":
                lows.append(b[1] / scale)
            if top is not None:
                highs.append(_long_edge_cap(rule.check.metric, top, fw, fh))
        lo = math.ceil(max(lows) - 1e-9) if lows else 1
        hi = math.floor(min(highs) + 1e-9) if highs else 10**9
        if lo > hi:
            self.conflicts.append(
                f"size: rules ask for a long edge of at least {lo} px and at most {hi} px"
            )
        width, height, long_edge = (
            self._get("size.width"),
            self._get("size.height"),
            self._get("size.long_edge"),
        )
        current = max(width, height) if long_edge is None else long_edge
        target = min(max(current, lo), hi) if lo <= hi else lo
        if long_edge is not None:
            self._set("size.long_edge", target, rules)
        else:
            consistent = abs(width / height - cols / rows) <= 1.0 / min(width, height)
            if target != current or not consistent:
                self._set("size.width", max(1, round(target * fw)), rules)
                self._set("size.height", max(1, round(target * fh)), rules)
        longest_rules = [r for r in rules if r.check.metric is Metric.LONGEST_SIDE]
        min_long = self._get("size.min_long_edge")
        if lows and (min_long is None or min_long < lo):
            self._set("size.min_long_edge", lo, rules)
        max_long = self._get("size.max_long_edge")
        caps = [cap for r in longest_rules if (cap := upper(r)) is not None]
        if caps and (max_long is None or max_long > min(caps)):
            self._set("size.max_long_edge", int(min(caps)), longest_rules)

    def _format(self, rules: list[Rule]) -> None:
        allowed = set(ENCODABLE)
        for rule in rules:
            values = (
                set(rule.check.value) if isinstance(rule.check.value, tuple) else {rule.check.value}
            )
            allowed = allowed & values if rule.check.op in {Op.IN, Op.EQ} else allowed - values
        current = self._get("output.format")
        if not rules or current in allowed:
            return
        transparent = self._get("background.mode") == "transparent"
        prefs = ("PNG", "WEBP", "JPEG") if transparent else ENCODABLE
        choice = next((f for f in prefs if f in allowed), None)
        if choice is None:
            ids = ", ".join(r.id for r in rules)
            self.conflicts.append(f"format: the encoder writes none of the formats {ids} allow")
            return
        if choice == "JPEG" and transparent:
            self._set("background.mode", "colour", rules)
        self._set("output.format", choice, rules)

    def _encoding(
        self, size_rules: list[Rule], dpi_rules: list[Rule], quality_rules: list[Rule]
    ) -> None:
        caps = [b[1] for r in size_rules if (b := bound(r)) and b[0] == "max"]
        current = self._get("output.max_bytes")
        if caps and (current is None or current > min(caps)):
            self._set("output.max_bytes", int(min(caps)), size_rules)
        mins = [b[1] for r in dpi_rules if (b := bound(r)) and b[0] == "min"]
        if mins and self._get("output.dpi") < min(1200, math.ceil(max(mins))):
            self._set("output.dpi", min(1200, math.ceil(max(mins))), dpi_rules)
        qualities = [b[1] for r in quality_rules if (b := bound(r)) and b[0] == "min"]
        if qualities and self._get("output.format") == "JPEG":
            q = min(100, math.ceil(max(qualities)))
            self._set("output.quality", max(q, self._get("output.quality")), quality_rules)
            self._set("output.min_quality", max(q, self._get("output.min_quality")), quality_rules)


def _long_edge_cap(metric: Metric, limit: float, fw: float, fh: float) -> float:
    if metric is Metric.MEGAPIXELS:
        return math.sqrt(limit * 1e6 / (fw * fh))
    if metric is Metric.SUM_OF_SIDES:
        return limit / (fw + fh)
    scale = {Metric.SHORTEST_SIDE: min(fw, fh), Metric.WIDTH: fw, Metric.HEIGHT: fh}.get(
        metric, 1.0
    )
    return limit / scale


def aspect_target(rule: Rule) -> tuple[int, int] | None:
    """Return the canvas aspect ``(width, height)`` that satisfies an aspect rule, if any."""
    c = rule.check
    if (
        c.op in {Op.APPROX, Op.EQ}
        and isinstance(c.value, int | float)
        and not isinstance(c.value, bool)
    ):
        ratio = Fraction(c.value).limit_denominator(100)
        return ratio.numerator, ratio.denominator
    if c.op is Op.BETWEEN and isinstance(c.value, tuple):
        low, high = float(c.value[0]), float(c.value[1])
        return (1, 1) if low <= 1.0 <= high else None
    if c.op in {Op.GT, Op.GTE} and isinstance(c.value, int | float) and float(c.value) <= 1.0:
        return 1, 1
    return None
