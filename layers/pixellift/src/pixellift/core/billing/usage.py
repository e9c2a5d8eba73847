"""Usage rows for a period: what was funded, held, charged and released, with its references.

Periods are calendar months (``2026-11``) or day ranges (``2026-11-01..2026-11-15``, both days
included) in the workspace's time zone. Rows carry amounts in major units as exact decimals.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from pixellift.core.billing.ledger import Transfer
from pixellift.core.billing.money import Money
from pixellift.core.errors import InvalidAmountError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def period_bounds(period: str, timezone: str = "UTC") -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of a period, in UTC.

    Raises
    ------
    InvalidAmountError
        A period that is neither ``YYYY-MM`` nor ``YYYY-MM-DD..YYYY-MM-DD``.

    Examples
    --------
    >>> [d.isoformat() for d in period_bounds("2026-11", "Europe/Berlin")]
    ['2026-10-31T23:00:00+00:00', '2026-11-30T23:00:00+00:00']
    """
    zone = ZoneInfo(timezone)
    month, days = _MONTH.match(period), _RANGE.match(period)
    if month:
        first = date(int(month[1]), int(month[2]), 1)
        after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    elif days:
        first, after = date.fromisoformat(days[1]), date.fromisoformat(days[2]) + timedelta(1)
    else:
        msg = f"period {period!r}: use YYYY-MM or YYYY-MM-DD..YYYY-MM-DD"
        raise InvalidAmountError(msg)
    if after <= first:
        msg = f"period {period!r} ends before it starts"
        raise InvalidAmountError(msg)
    bounds = (datetime.combine(d, time(), zone).astimezone(UTC) for d in (first, after))
    return next(bounds), next(bounds)


@dataclass(frozen=True)
class UsageRow:
    """One ledger movement as an export line."""

    at: str
    transfer_id: str
    kind: str
    debit_account: str
    credit_account: str
    amount: Decimal
    currency: str
    batch_id: str
    item_id: str
    client_code: str
    po_number: str
    memo: str


HEADER = tuple(f.name for f in fields(UsageRow))


def usage_rows(transfers: Iterable[Transfer], start: datetime, end: datetime) -> list[UsageRow]:
    """The movements in ``[start, end)``, oldest first."""
    chosen = sorted(
        (t for t in transfers if start <= t.at < end), key=lambda t: (t.at, t.transfer_id)
    )
    return [
        UsageRow(
            at=t.at.astimezone(UTC).isoformat(),
            transfer_id=t.transfer_id,
            kind=str(t.kind),
            debit_account=t.debit_account,
            credit_account=t.credit_account,
            amount=Money(t.amount, t.currency).decimal,
            currency=t.currency,
            batch_id=t.refs.get("batch_id", ""),
            item_id=t.refs.get("item_id", ""),
            client_code=t.refs.get("client", ""),
            po_number=t.refs.get("po", ""),
            memo=t.memo,
        )
        for t in chosen
    ]


def to_csv(rows: Iterable[UsageRow]) -> str:
    """The rows as CSV text with a header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(astuple(r) for r in rows)
    return out.getvalue()
