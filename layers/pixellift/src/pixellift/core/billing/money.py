"""Money: integer minor units of one ISO 4217 currency; never a float, never two currencies.

Examples
--------
>>> Money.parse("12.50", "USD") + Money.of(75, "USD")
Money(minor=1325, currency='USD')
>>> str(Money.of(-1325, "USD"))
'-13.25 USD'
>>> Money.of(1, "USD") + Money.of(1, "EUR")
Traceback (most recent call last):
...
pixellift.core.errors.CurrencyMismatchError: cannot combine 0.01 USD with 0.01 EUR
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Final

from pixellift.core.errors import CurrencyMismatchError, InvalidAmountError

EXPONENTS: Final = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "CAD": 2,
    "AUD": 2,
    "CHF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "INR": 2,
    "CNY": 2,
    "BRL": 2,
    "MXN": 2,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "BHD": 3,
}
"""Digits after the decimal point per supported currency (ISO 4217)."""


def exponent(currency: str) -> int:
    """The number of minor-unit digits of ``currency``.

    Raises
    ------
    InvalidAmountError
        An unknown currency code.

    Examples
    --------
    >>> exponent("JPY"), exponent("EUR")
    (0, 2)
    """
    try:
        return EXPONENTS[currency]
    except KeyError:
        msg = f"unknown currency {currency!r}; supported: {', '.join(sorted(EXPONENTS))}"
        raise InvalidAmountError(msg) from None


def to_minor(value: Decimal, currency: str) -> int:
    """Round a (fractional) amount in minor units to whole minor units, half to even.

    Examples
    --------
    >>> to_minor(Decimal("2.5"), "USD"), to_minor(Decimal("3.5"), "USD")
    (2, 4)
    """
    exponent(currency)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: ``minor`` units (cents) of ``currency``."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            msg = f"amount must be an integer number of minor units, not {self.minor!r}"
            raise InvalidAmountError(msg)
        exponent(self.currency)

    @classmethod
    def of(cls, minor: int, currency: str) -> Money:
        """An amount in minor units."""
        return cls(minor, currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in ``currency``."""
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Parse a decimal amount in major units (``"12.50"``).

        More digits than the currency has are an error, not a rounding.

        Raises
        ------
        InvalidAmountError
            Not a number, or finer than the currency's minor unit.

        Examples
        --------
        >>> Money.parse("1000", "JPY").minor
        1000
        >>> Money.parse("0.125", "USD")
        Traceback (most recent call last):
        ...
        pixellift.core.errors.InvalidAmountError: '0.125' has more than 2 decimals for USD
        """
        digits = exponent(currency)
        try:
            value = Decimal(text.strip())
        except InvalidOperation:
            msg = f"{text!r} is not an amount"
            raise InvalidAmountError(msg) from None
        if not value.is_finite():
            msg = f"{text!r} is not an amount"
            raise InvalidAmountError(msg)
        scaled = value.scaleb(digits)
        if scaled != scaled.to_integral_value():
            msg = f"{text!r} has more than {digits} decimals for {currency}"
            raise InvalidAmountError(msg)
        return cls(int(scaled), currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            msg = f"cannot combine {self} with {other}"
            raise CurrencyMismatchError(msg)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __mul__(self, count: int) -> Money:
        return Money(self.minor * count, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    @property
    def decimal(self) -> Decimal:
        """The amount in major units.

        Examples
        --------
        >>> Money.of(1325, "USD").decimal
        Decimal('13.25')
        """
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def __str__(self) -> str:
        digits = exponent(self.currency)
        return f"{self.decimal:.{digits}f} {self.currency}"
