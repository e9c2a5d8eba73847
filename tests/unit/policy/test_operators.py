"""Table-driven tests of every operator, value validation, miss direction and looseness."""

from __future__ import annotations

import pytest
from pixellift.core.policy.operators import OPERATORS, Op, is_looser, prepare, side, validate_value

CASES = [
    (Op.EQ, 0, None, 0, True),
    (Op.EQ, 0, None, 2, False),
    (Op.EQ, False, None, True, False),
    (Op.EQ, "JPEG", None, "JPEG", True),
    (Op.NE, "GIF", None, "JPEG", True),
    (Op.NE, "GIF", None, "GIF", False),
    (Op.GT, 0.5, None, 0.51, True),
    (Op.GT, 0.5, None, 0.5, False),
    (Op.GTE, 1000, None, 1000, True),
    (Op.GTE, 1000, None, 999, False),
    (Op.LT, 10, None, 9.99, True),
    (Op.LT, 10, None, 10, False),
    (Op.LTE, 10000, None, 10000, True),
    (Op.LTE, 10000, None, 10001, False),
    (Op.IN, ("JPEG", "PNG"), None, "PNG", True),
    (Op.IN, ("JPEG", "PNG"), None, "WEBP", False),
    (Op.NOT_IN, ("GIF",), None, "PNG", True),
    (Op.NOT_IN, ("GIF",), None, "GIF", False),
    (Op.BETWEEN, (0.75, 0.9), None, 0.75, True),
    (Op.BETWEEN, (0.75, 0.9), None, 0.9, True),
    (Op.BETWEEN, (0.75, 0.9), None, 0.91, False),
    (Op.BETWEEN, (0.75, 0.9), None, 0.7, False),
    (Op.APPROX, 0.6944, 0.005, 0.6994, True),
    (Op.APPROX, 0.6944, 0.005, 0.70, False),
    (Op.APPROX, 1.0, 0.0, 1.0, True),
    (Op.MATCHES, r"B0[0-9A-Z]{8}\.MAIN\.jpg", None, "B000123456.MAIN.jpg", True),
    (Op.MATCHES, r"B0[0-9A-Z]{8}\.MAIN\.jpg", None, "x B000123456.MAIN.jpg", False),
]


def test_every_operator_has_a_function_and_table_cases():
    # GIVEN the dispatch table and the cases below
    # WHEN their operators are compared with the enum
    covered = {case[0] for case in CASES}

    # THEN every operator is dispatched and exercised
    assert set(OPERATORS) == set(Op)
    assert covered == set(Op)


@pytest.mark.parametrize(("op", "value", "tolerance", "actual", "expected"), CASES)
def test_operator_compares_measured_with_required(op, value, tolerance, actual, expected):
    # GIVEN a prepared predicate
    predicate = prepare(op, value, tolerance)

    # WHEN a measured value is tested
    # THEN the result follows the operator's meaning
    assert predicate(actual) is expected


@pytest.mark.parametrize(
    ("op", "value", "tolerance", "message"),
    [
        (Op.IN, "JPEG", None, "in needs a list value"),
        (Op.GTE, (1, 2), None, "gte needs a single value"),
        (Op.GTE, "big", None, "gte needs a number"),
        (Op.BETWEEN, (0.9, 0.1), None, "low <= high"),
        (Op.BETWEEN, (1,), None, "between needs"),
        (Op.APPROX, 1.0, None, "approx needs a 'tolerance'"),
        (Op.EQ, 1.0, 0.1, "approx needs a 'tolerance'"),
        (Op.APPROX, 1.0, -0.1, "tolerance must be"),
        (Op.NOT_IN, (), None, "not_in needs a non-empty list"),
        (Op.MATCHES, "([", None, "valid regular expression"),
        (Op.MATCHES, 3, None, "regular expression string"),
    ],
)
def test_validate_value_rejects_values_that_do_not_fit_the_operator(op, value, tolerance, message):
    # GIVEN an operator with a value of the wrong shape
    # WHEN it is validated
    # THEN a ValueError names the problem
    with pytest.raises(ValueError, match=message):
        validate_value(op, value, tolerance)


@pytest.mark.parametrize(
    ("op", "value", "actual", "expected"),
    [
        (Op.GTE, 1000, 800, "low"),
        (Op.LTE, 10000, 12000, "high"),
        (Op.BETWEEN, (0.75, 0.9), 0.5, "low"),
        (Op.BETWEEN, (0.75, 0.9), 0.95, "high"),
        (Op.EQ, 0, 3, "high"),
        (Op.APPROX, 1.0, 0.75, "low"),
        (Op.IN, ("JPEG",), "GIF", "other"),
        (Op.EQ, False, True, "other"),
    ],
)
def test_side_tells_which_way_a_value_misses(op, value, actual, expected):
    # GIVEN a failed comparison
    # WHEN the miss direction is asked for
    # THEN it is low, high or other
    assert side(op, value, actual) == expected


@pytest.mark.parametrize(
    ("op", "old", "new", "looser"),
    [
        (Op.GTE, 0.85, 0.9, False),
        (Op.GTE, 0.85, 0.8, True),
        (Op.LTE, 5_000_000, 4_000_000, False),
        (Op.LTE, 5_000_000, 6_000_000, True),
        (Op.IN, ("JPEG", "PNG"), ("JPEG",), False),
        (Op.IN, ("JPEG",), ("JPEG", "PNG"), True),
        (Op.NOT_IN, ("GIF",), ("GIF", "BMP"), False),
        (Op.NOT_IN, ("GIF", "BMP"), ("GIF",), True),
        (Op.BETWEEN, (0.75, 0.9), (0.8, 0.9), False),
        (Op.BETWEEN, (0.75, 0.9), (0.7, 0.9), True),
        (Op.EQ, "JPEG", "PNG", True),
        (Op.EQ, "JPEG", "JPEG", False),
    ],
)
def test_is_looser_detects_overrides_that_accept_more(op, old, new, looser):
    # GIVEN a rule value and a replacement with the same operator
    # WHEN looseness is checked
    # THEN only replacements that accept something the old value rejected are looser
    assert is_looser(op, old, new, None, None) is looser


def test_is_looser_treats_a_wider_tolerance_as_looser():
    # GIVEN an approx check whose tolerance widens
    # WHEN looseness is checked
    # THEN it is looser; a narrower one is not
    assert is_looser(Op.APPROX, 1.0, 1.0, 0.005, 0.05) is True
    assert is_looser(Op.APPROX, 1.0, 1.0, 0.05, 0.005) is False
