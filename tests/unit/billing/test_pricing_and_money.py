"""Money, versioned price tables and batch estimates."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pixellift.core.billing.money import Money
from pixellift.core.billing.pricing import (
    CORE_OPERATIONS,
    ItemPlan,
    Operation,
    default_price_book,
    estimate,
    parse_price_book,
)
from pixellift.core.errors import CurrencyMismatchError, InvalidAmountError, InvalidPriceTableError

pytestmark = pytest.mark.unit


@given(st.integers(-(10**12), 10**12), st.sampled_from(["USD", "JPY", "KWD"]))
def test_amounts_round_trip_through_their_text(minor: int, currency: str) -> None:
    money = Money.of(minor, currency)
    assert Money.parse(str(money).split()[0], currency) == money


@pytest.mark.parametrize(
    ("text", "currency", "cause"),
    [
        ("1.001", "USD", "more than 2 decimals for USD"),
        ("1.5", "JPY", "more than 0 decimals for JPY"),
        ("abc", "USD", "'abc' is not an amount"),
        ("NaN", "USD", "'NaN' is not an amount"),
        ("1", "XXX", "unknown currency 'XXX'"),
    ],
)
def test_bad_amounts_name_the_cause(text: str, currency: str, cause: str) -> None:
    with pytest.raises(InvalidAmountError, match=cause):
        Money.parse(text, currency)


def test_floats_and_mixed_currencies_are_refused() -> None:
    with pytest.raises(InvalidAmountError, match="integer number of minor units"):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(CurrencyMismatchError):
        _ = Money.of(1, "USD") < Money.of(1, "EUR")


def test_the_version_in_force_prices_each_image_once_rounded() -> None:
    book = default_price_book()
    # GIVEN the tables before and after the October 2026 change
    old, new = book.at(date(2026, 9, 30)), book.at(date(2026, 10, 1))
    ocr = {Operation.OCR: 1}
    # THEN OCR costs 1 cent, then 0.8 cents; an image's total is rounded once
    assert (old.version, new.version) == ("2026.1", "2026.2")
    assert old.item_price("standard", ocr) == Money.of(1, "USD")
    assert new.item_price("standard", ocr) == Money.of(1, "USD")
    assert new.item_price("standard", {Operation.OCR: 5}) == Money.of(4, "USD")
    with pytest.raises(InvalidPriceTableError, match="no price table is in force on 2025-12-31"):
        book.at(date(2025, 12, 31))
    with pytest.raises(InvalidPriceTableError, match="has no plan 'gold'"):
        new.item_price("gold", ocr)


def test_an_estimate_is_a_range_that_the_actual_cost_falls_in() -> None:
    # GIVEN 10,000 images: a third each plain, with possible OCR, and with 2 variants
    table = default_price_book().at(date(2026, 11, 26))
    plans = [
        ItemPlan(),
        ItemPlan(possible=(Operation.OCR,)),
        ItemPlan(possible=(Operation.OCR,), variants=2),
    ]
    items = [plans[i % 3] for i in range(10_000)]

    # WHEN it is estimated
    est = estimate(table, "standard", items)

    # THEN low prices what surely runs, high adds what may; the sum of per-image prices agrees
    per_image = [table.item_price("standard", dict.fromkeys(CORE_OPERATIONS, 1))] * 10_000
    assert est.items == 10_000
    assert est.low == Money.of(5 * 6667 + 7 * 3333, "USD")
    assert est.high == Money.of(5 * 3334 + 6 * 3333 + 8 * 3333, "USD")
    assert est.within(sum(per_image[1:], per_image[0]) + Money.of(2 * 3333, "USD"))
    assert not est.within(est.high + Money.of(1, "USD"))


def test_price_books_that_do_not_validate_name_the_file() -> None:
    text = (
        "versions:\n"
        "  - {version: x, effective_from: 2026-01-01, currency: USD, plans: {a: {ocr: -1}}}"
    )
    with pytest.raises(InvalidPriceTableError, match="custom.yaml"):
        parse_price_book(text, "custom.yaml")
