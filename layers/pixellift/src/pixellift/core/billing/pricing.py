"""Versioned price tables per operation and plan, and pre-flight estimates for a batch.

The tables are data (``price_data/prices.yaml``); a date picks the version in force. An image's
price is the sum of its operations' prices, rounded once to whole minor units, so an estimate
and the charges it predicts agree to the cent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated, Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pixellift.core.billing.money import Money, exponent, to_minor
from pixellift.core.errors import InvalidPriceTableError

_PACKAGE: Final = "pixellift.core.billing.price_data"
DEFAULT_PLAN: Final = "standard"


class Operation(StrEnum):
    """A priced step of the pipeline."""

    BACKGROUND_REMOVAL = "background_removal"
    EDGE_REFINEMENT = "edge_refinement"
    OCR = "ocr"
    VARIANT = "variant"
    EXPORT = "export"


CORE_OPERATIONS: Final = (Operation.BACKGROUND_REMOVAL, Operation.EDGE_REFINEMENT, Operation.EXPORT)
"""What every processed image goes through."""

Price = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=4)]


class PriceTable(BaseModel):
    """One version: per plan, the price of each operation in (fractional) minor units."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    effective_from: date
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    plans: dict[str, dict[Operation, Price]]

    def price(self, plan: str, operation: Operation) -> Decimal:
        """Price of one operation on one image.

        Raises
        ------
        InvalidPriceTableError
            A plan or operation this version does not price.
        """
        prices = self.plans.get(plan)
        if prices is None:
            msg = f"price table {self.version} has no plan {plan!r}; plans: {', '.join(self.plans)}"
            raise InvalidPriceTableError(msg)
        if operation not in prices:
            msg = f"price table {self.version} plan {plan} does not price {operation}"
            raise InvalidPriceTableError(msg)
        return prices[operation]

    def item_price(self, plan: str, operations: Mapping[Operation, int]) -> Money:
        """One image's price: each operation times how often it runs, rounded once.

        Examples
        --------
        >>> t = default_price_book().at(date(2026, 11, 26))
        >>> str(t.item_price("standard", {Operation.BACKGROUND_REMOVAL: 1, Operation.OCR: 1}))
        '0.03 USD'
        """
        total = sum((self.price(plan, op) * n for op, n in operations.items()), Decimal(0))
        return Money(to_minor(total, self.currency), self.currency)


class PriceBook(BaseModel):
    """Every version of the price tables, oldest first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    versions: Annotated[tuple[PriceTable, ...], Field(min_length=1)]

    def at(self, day: date) -> PriceTable:
        """The version in force on ``day``.

        Raises
        ------
        InvalidPriceTableError
            ``day`` is before the first version.
        """
        found = [t for t in self.versions if t.effective_from <= day]
        if not found:
            first = self.versions[0].effective_from
            msg = f"no price table is in force on {day}; the first starts {first}"
            raise InvalidPriceTableError(msg)
        return max(found, key=lambda t: t.effective_from)


def parse_price_book(text: str, source: str) -> PriceBook:
    """Parse and validate a price book; errors name the source and the field."""
    try:
        book = PriceBook.model_validate(yaml.safe_load(text))
    except (ValidationError, yaml.YAMLError) as exc:
        msg = f"{source}: {exc}"
        raise InvalidPriceTableError(msg) from exc
    for table in book.versions:
        exponent(table.currency)
    return book


@cache
def default_price_book() -> PriceBook:
    """The price book shipped with PixelLift."""
    text = resources.files(_PACKAGE).joinpath("prices.yaml").read_text(encoding="utf-8")
    return parse_price_book(text, "prices.yaml")


@dataclass(frozen=True)
class ItemPlan:
    """What one image is expected to go through: operations that run for sure and that may."""

    certain: tuple[Operation, ...] = CORE_OPERATIONS
    possible: tuple[Operation, ...] = ()
    variants: int = 0


@dataclass(frozen=True)
class Estimate:
    """A batch's expected cost: at least ``low``, at most ``high`` (what a hold reserves)."""

    items: int
    low: Money
    high: Money
    table_version: str
    plan: str

    def variance(self, actual: Money) -> Money:
        """How far the actual cost came from the top of the range (negative: under it).

        Examples
        --------
        >>> e = Estimate(3, Money.of(9, "USD"), Money.of(15, "USD"), "2026.2", "standard")
        >>> str(e.variance(Money.of(12, "USD")))
        '-0.03 USD'
        """
        return actual - self.high

    def within(self, actual: Money) -> bool:
        """Whether ``actual`` falls in the range."""
        return self.low <= actual <= self.high


def _counts(ops: Iterable[Operation], variants: int) -> Counter[Operation]:
    counts = Counter(ops)
    if variants:
        counts[Operation.VARIANT] += variants
    return counts


def estimate(table: PriceTable, plan: str, items: Iterable[ItemPlan]) -> Estimate:
    """Price a batch before it runs: images × operations × price, as a range.

    Identical plans are priced once, so a batch of 10,000 images costs a few milliseconds.

    Examples
    --------
    >>> t = default_price_book().at(date(2026, 11, 26))
    >>> e = estimate(t, "standard", [ItemPlan(possible=(Operation.OCR,))] * 1000)
    >>> str(e.low), str(e.high)
    ('50.00 USD', '60.00 USD')
    """
    low = high = Money.zero(table.currency)
    count = 0
    for item, n in Counter(items).items():
        certain = _counts(item.certain, item.variants)
        low += table.item_price(plan, certain) * n
        high += table.item_price(plan, certain + _counts(item.possible, 0)) * n
        count += n
    return Estimate(count, low, high, table.version, plan)
