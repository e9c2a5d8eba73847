"""Comparison operators of the rules engine: an enum plus a dispatch table of pure functions.

Every operator takes the measured value first and the prepared expected value second. The expected
value is prepared once per rule (:func:`prepare`), so the engine's inner loop is one dictionary
lookup and one call per rule.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any, Final, TypeAlias

Scalar: TypeAlias = bool | int | float | str
"""A single rule or measured value."""

CheckValue: TypeAlias = Scalar | tuple[Scalar, ...]
"""What a rule compares against: a scalar, or a list for ``in``, ``not_in`` and ``between``."""

Predicate: TypeAlias = Callable[[Any], bool]


class Op(StrEnum):
    """Comparison operators a rule may use."""

    EQ = "eq"
    NE = "ne"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    IN = "in"
    NOT_IN = "not_in"
    BETWEEN = "between"
    APPROX = "approx"
    MATCHES = "matches"


def _between(actual: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= actual <= bounds[1]


def _approx(actual: float, target: tuple[float, float]) -> bool:
    # A tiny epsilon so that a value exactly at target +/- tolerance passes despite float rounding.
    return abs(actual - target[0]) <= target[1] + 1e-9


def _matches(actual: str, pattern: re.Pattern[str]) -> bool:
    return pattern.fullmatch(actual) is not None


OPERATORS: Final[Mapping[Op, Callable[[Any, Any], bool]]] = {
    Op.EQ: operator.eq,
    Op.NE: operator.ne,
    Op.GT: operator.gt,
    Op.GTE: operator.ge,
    Op.LT: operator.lt,
    Op.LTE: operator.le,
    Op.IN: lambda actual, allowed: actual in allowed,
    Op.NOT_IN: lambda actual, banned: actual not in banned,
    Op.BETWEEN: _between,
    Op.APPROX: _approx,
    Op.MATCHES: _matches,
}
"""The dispatch table: ``OPERATORS[op](measured, prepared_expected) -> bool``."""

NUMERIC_OPS: Final = frozenset({Op.GT, Op.GTE, Op.LT, Op.LTE, Op.BETWEEN, Op.APPROX})
LIST_OPS: Final = frozenset({Op.IN, Op.NOT_IN, Op.BETWEEN})


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate_value(op: Op, value: CheckValue, tolerance: float | None) -> None:
    """Check that a rule's value has the shape its operator needs.

    Raises
    ------
    ValueError
        With a message naming what is wrong.

    Examples
    --------
    >>> validate_value(Op.BETWEEN, (0.75, 0.9), None)
    >>> validate_value(Op.BETWEEN, (0.9, 0.75), None)
    Traceback (most recent call last):
    ...
    ValueError: between needs [low, high] with low <= high, got (0.9, 0.75)
    """
    is_list = isinstance(value, tuple)
    if op in LIST_OPS and not is_list:
        msg = f"{op} needs a list value, got {value!r}"
        raise ValueError(msg)
    if op not in LIST_OPS and is_list:
        msg = f"{op} needs a single value, not a list: {value!r}"
        raise ValueError(msg)
    if (op is Op.APPROX) != (tolerance is not None):
        msg = "approx needs a 'tolerance' (and only approx takes one)"
        raise ValueError(msg)
    if op is Op.BETWEEN:
        pair = value if isinstance(value, tuple) else ()
        if len(pair) != 2 or not all(_is_number(v) for v in pair) or pair[0] > pair[1]:  # type: ignore[operator]  # noqa: PLR2004
            msg = f"between needs [low, high] with low <= high, got {value!r}"
            raise ValueError(msg)
    elif op in NUMERIC_OPS and not _is_number(value):
        msg = f"{op} needs a number, got {value!r}"
        raise ValueError(msg)
    elif op in {Op.IN, Op.NOT_IN} and not value:
        msg = f"{op} needs a non-empty list"
        raise ValueError(msg)
    elif op is Op.MATCHES:
        if not isinstance(value, str):
            msg = f"matches needs a regular expression string, got {value!r}"
            raise ValueError(msg)
        try:
            re.compile(value)
        except re.error as exc:
            msg = f"matches needs a valid regular expression: {exc}"
            raise ValueError(msg) from exc
    if tolerance is not None and (not math.isfinite(tolerance) or tolerance < 0):
        msg = f"tolerance must be a finite number >= 0, got {tolerance}"
        raise ValueError(msg)


def prepare(op: Op, value: CheckValue, tolerance: float | None = None) -> Predicate:
    """Return a one-argument predicate for a validated rule value.

    Examples
    --------
    >>> prepare(Op.GTE, 1000)(1200)
    True
    >>> prepare(Op.IN, ("JPEG", "PNG"))("GIF")
    False
    >>> prepare(Op.APPROX, 0.75, 0.02)(0.76)
    True
    """
    validate_value(op, value, tolerance)
    expected: Any = value
    if op in {Op.IN, Op.NOT_IN}:
        expected = frozenset(value) if isinstance(value, tuple) else value
    elif op is Op.APPROX:
        expected = (float(value), float(tolerance or 0.0))  # type: ignore[arg-type]
    elif op is Op.MATCHES:
        expected = re.compile(str(value))
    fn = OPERATORS[op]

    def predicate(actual: Any) -> bool:
        return bool(fn(actual, expected))

    return predicate


def side(op: Op, value: CheckValue, actual: object, tolerance: float | None = None) -> str:
    """Which way a failed value misses: ``"low"``, ``"high"`` or ``"other"``.

    Examples
    --------
    >>> side(Op.GTE, 1000, 800), side(Op.BETWEEN, (0.75, 0.9), 0.95), side(Op.IN, ("JPEG",), "GIF")
    ('low', 'high', 'other')
    """
    if not _is_number(actual):
        return "other"
    number = float(actual)  # type: ignore[arg-type]
    if op in {Op.GT, Op.GTE}:
        return "low"
    if op in {Op.LT, Op.LTE}:
        return "high"
    if op is Op.BETWEEN and isinstance(value, tuple):
        return "low" if number < float(value[0]) else "high"
    if op in {Op.APPROX, Op.EQ} and _is_number(value):
        return "low" if number < float(value) else "high"  # type: ignore[arg-type]
    return "other"


def is_looser(
    op: Op, old: CheckValue, new: CheckValue, old_tol: float | None, new_tol: float | None
) -> bool:
    """Whether replacing ``old`` with ``new`` (same operator) accepts anything ``old`` rejected.

    Used to refuse overrides that would weaken a rule a seller may not weaken.

    Examples
    --------
    >>> is_looser(Op.GTE, 0.85, 0.9, None, None), is_looser(Op.GTE, 0.85, 0.8, None, None)
    (False, True)
    >>> is_looser(Op.IN, ("JPEG", "PNG"), ("JPEG",), None, None)
    False
    """
    if op in {Op.GT, Op.GTE}:
        return float(new) < float(old)  # type: ignore[arg-type]
    if op in {Op.LT, Op.LTE}:
        return float(new) > float(old)  # type: ignore[arg-type]
    if op is Op.IN:
        return not set(_as_seq(new)) <= set(_as_seq(old))
    if op is Op.NOT_IN:
        return not set(_as_seq(new)) >= set(_as_seq(old))
    if op is Op.BETWEEN:
        lo_old, hi_old = _as_seq(old)
        lo_new, hi_new = _as_seq(new)
        return float(lo_new) < float(lo_old) or float(hi_new) > float(hi_old)
    if op is Op.APPROX:
        return new != old or (new_tol or 0.0) > (old_tol or 0.0)
    return new != old


def _as_seq(value: CheckValue) -> Sequence[Scalar]:
    return value if isinstance(value, tuple) else (value,)
