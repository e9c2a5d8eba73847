"""CapGuard: spend caps per workspace, client or user, reset daily, weekly or monthly.

Periods start at local midnight in the workspace's time zone, so a day is 23 or 25 hours long
across a DST change and a month is a calendar month. Warnings fire once as spend crosses each
threshold; a hard cap refuses what would pass it (naming the cap) unless an approval covers it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pixellift.core.billing.ledger import Transfer, TransferKind
from pixellift.core.billing.money import Money
from pixellift.core.errors import CapReachedError, InvalidCapError

SPENDING = frozenset({TransferKind.CHARGE, TransferKind.POST})


class Period(StrEnum):
    """How often a cap resets."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Cap(BaseModel):
    """A spend cap; ``scope`` is ``workspace``, ``client:<code>`` or ``user:<id>``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scope: Annotated[str, Field(pattern=r"^(workspace|(client|user):[A-Za-z0-9._@-]+)$")]
    period: Period
    limit_minor: Annotated[int, Field(gt=0)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    timezone: str = "UTC"
    thresholds: tuple[int, ...] = (50, 80, 100)
    hard: bool = True

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            msg = f"unknown time zone {value!r}"
            raise ValueError(msg) from None
        return value

    @field_validator("thresholds")
    @classmethod
    def _thresholds(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 0 < t <= 100 for t in value):  # noqa: PLR2004 - percentages
            msg = f"thresholds must be percentages in 1..100, not {list(value)}"
            raise ValueError(msg)
        return tuple(sorted(set(value)))

    @property
    def name(self) -> str:
        """How errors and events name the cap.

        Examples
        --------
        >>> Cap(scope="client:ACME-EU", period="monthly", limit_minor=50000, currency="EUR").name
        'monthly client:ACME-EU cap of 500.00 EUR'
        """
        return f"{self.period} {self.scope} cap of {Money(self.limit_minor, self.currency)}"


def window(cap: Cap, at: datetime) -> tuple[datetime, datetime]:
    """The period containing ``at``: its local-midnight start and end, in UTC.

    Examples
    --------
    >>> cap = Cap(scope="workspace", period="daily", limit_minor=100, currency="EUR",
    ...     timezone="Europe/Berlin")
    >>> start, end = window(cap, datetime(2026, 10, 25, 12, tzinfo=UTC))
    >>> start.isoformat(), (end - start).total_seconds() / 3600
    ('2026-10-24T22:00:00+00:00', 25.0)
    """
    zone = ZoneInfo(cap.timezone)
    day = at.astimezone(zone).date()
    if cap.period is Period.DAILY:
        first, after = day, day + timedelta(days=1)
    elif cap.period is Period.WEEKLY:
        first = day - timedelta(days=day.weekday())
        after = first + timedelta(days=7)
    else:
        first = day.replace(day=1)
        after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    start, end = datetime.combine(first, time(), zone), datetime.combine(after, time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def in_scope(cap: Cap, transfer: Transfer) -> bool:
    """Whether a transfer counts against the cap."""
    if transfer.kind not in SPENDING or transfer.currency != cap.currency:
        return False
    if cap.scope == "workspace":
        return True
    kind, _, value = cap.scope.partition(":")
    return transfer.refs.get(kind) == value or transfer.debit_account == cap.scope


def spent(cap: Cap, transfers: Iterable[Transfer], at: datetime) -> int:
    """What the cap's scope spent in the period containing ``at``, in minor units."""
    start, end = window(cap, at)
    return sum(t.amount for t in transfers if start <= t.at < end and in_scope(cap, t))


@dataclass(frozen=True)
class Approval:
    """Permission to pass one cap by up to ``extra_minor`` (an over-cap request approved)."""

    scope: str
    extra_minor: int
    approved_by: str
    reason: str


@dataclass(frozen=True)
class CapCheck:
    """A cap against what a request would add: the thresholds it crosses, whether it passes."""

    cap: Cap
    spent_minor: int
    adding_minor: int
    crossed: tuple[int, ...]
    over: bool
    approved: bool = False

    @property
    def percent(self) -> float:
        """Spend after the request, as a percentage of the limit (display only)."""
        return 100 * (self.spent_minor + self.adding_minor) / self.cap.limit_minor


def check(
    cap: Cap, spent_minor: int, adding_minor: int, approval: Approval | None = None
) -> CapCheck:
    """Compare a request with a cap.

    Raises
    ------
    CapReachedError
        A hard cap would be passed and no approval covers the excess.

    Examples
    --------
    >>> cap = Cap(scope="workspace", period="daily", limit_minor=1000, currency="USD")
    >>> check(cap, 400, 450).crossed
    (50, 80)
    >>> check(cap, 900, 200)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pixellift.core.errors.CapReachedError: daily workspace cap of 10.00 USD: 9.00 USD spent, ...
    """
    after = spent_minor + adding_minor
    crossed = tuple(
        t for t in cap.thresholds if spent_minor * 100 < t * cap.limit_minor <= after * 100
    )
    over = after > cap.limit_minor
    covered = approval is not None and approval.scope == cap.scope
    covered = covered and approval is not None and after - cap.limit_minor <= approval.extra_minor
    if over and cap.hard and not covered:
        msg = (
            f"{cap.name}: {Money(spent_minor, cap.currency)} spent, "
            f"{Money(adding_minor, cap.currency)} more would pass it"
        )
        raise CapReachedError(msg)
    return CapCheck(cap, spent_minor, adding_minor, crossed, over, approved=over and covered)


class CapSet(BaseModel):
    """A workspace's caps, stored as one document."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    caps: tuple[Cap, ...] = ()

    def with_cap(self, cap: Cap) -> CapSet:
        """Add a cap, replacing one with the same scope and period."""
        kept = tuple(c for c in self.caps if (c.scope, c.period) != (cap.scope, cap.period))
        return CapSet(caps=(*kept, cap))

    @classmethod
    def parse(cls, text: str | None) -> CapSet:
        """Read a stored document (``None``: no caps)."""
        if not text:
            return cls()
        try:
            return cls.model_validate_json(text)
        except ValueError as exc:
            msg = f"stored caps do not validate: {exc}"
            raise InvalidCapError(msg) from exc
