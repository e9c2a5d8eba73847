"""Client buckets: prepaid ledger accounts per client, brand or project, funded in lots.

A bucket is the ledger account ``bucket:<id>``. Each funding is a lot (a ``fund`` transfer with
its PO number, client code, kind and expiry); spending consumes lots first-expiring first,
granted before purchased, oldest first. Lots are never stored apart from the ledger: they are
replayed from its transfers, so they cannot drift from the balance. An expired lot's remainder
leaves the bucket by an ``adjust`` transfer, so the balance is always what may still be spent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field

from pixellift.core.billing.ledger import FUNDING, AccountKind, Transfer, TransferKind
from pixellift.core.billing.money import Money
from pixellift.core.billing.ports import SettingsStore
from pixellift.core.billing.service import LedgerService, TransferResult
from pixellift.core.errors import InvalidBucketError

BUCKETS_DOCUMENT: Final = "buckets"
GRANTED: Final = "granted"
PURCHASED: Final = "purchased"
_FAR: Final = date.max


def account_of(bucket_id: str) -> str:
    """The ledger account of a bucket.

    Examples
    --------
    >>> account_of("acme-eu")
    'bucket:acme-eu'
    """
    return f"bucket:{bucket_id}"


class Bucket(BaseModel):
    """A bucket's settings: whose it is and what spends from it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bucket_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+$", max_length=100)]
    client_code: Annotated[str, Field(min_length=1, max_length=50)]
    name: str = ""
    presets: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()


class BucketSet(BaseModel):
    """A workspace's buckets, stored as one document."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    buckets: tuple[Bucket, ...] = ()

    def for_batch(self, preset: str | None, queue: str | None = None) -> Bucket | None:
        """The bucket a batch's queue (its drop folder) or, failing that, its preset is bound to.

        Examples
        --------
        >>> eu = Bucket(bucket_id="eu", client_code="C1", presets=("etsy-main",))
        >>> us = Bucket(bucket_id="us", client_code="C2", queues=("acme/amazon/",))
        >>> found = BucketSet(buckets=(eu, us))
        >>> found.for_batch("etsy-main").bucket_id
        'eu'
        >>> found.for_batch("etsy-main", "acme/amazon/").bucket_id
        'us'
        >>> found.for_batch("amazon-main") is None
        True
        """
        by_queue = next((b for b in self.buckets if queue and queue in b.queues), None)
        return by_queue or next((b for b in self.buckets if preset and preset in b.presets), None)

    def get(self, bucket_id: str) -> Bucket:
        """One bucket, or an error naming it."""
        for bucket in self.buckets:
            if bucket.bucket_id == bucket_id:
                return bucket
        known = ", ".join(b.bucket_id for b in self.buckets) or "none"
        msg = f"bucket {bucket_id} does not exist; buckets: {known}"
        raise InvalidBucketError(msg)


@dataclass(frozen=True)
class Lot:
    """One funding of a bucket and what is left of it."""

    lot_id: str
    funded: int
    remaining: int
    funded_at: datetime
    expires_on: date | None
    kind: str
    po_number: str
    client_code: str

    @property
    def order(self) -> tuple[date, int, datetime]:
        """FIFO by expiry; granted before purchased; then oldest first."""
        return (self.expires_on or _FAR, 0 if self.kind == GRANTED else 1, self.funded_at)


def lots(transfers: Iterable[Transfer], account: str) -> list[Lot]:
    """Replay a bucket's transfers (in time order) into its lots.

    Examples
    --------
    >>> from datetime import UTC
    >>> def t(i, hour, kind, debit, credit, amount, **refs):
    ...     return Transfer(workspace_id="w", transfer_id=i, kind=kind, debit_account=debit,
    ...         credit_account=credit, amount=amount, currency="USD",
    ...         at=datetime(2026, 11, 1, hour, tzinfo=UTC), refs=refs)
    >>> found = lots([
    ...     t("f1", 1, "fund", "funding", "bucket:b", 500, lot="late", expires="2027-06-30"),
    ...     t("f2", 2, "fund", "funding", "bucket:b", 300, lot="soon", expires="2026-12-31"),
    ...     t("c1", 3, "charge", "bucket:b", "revenue", 400)], "bucket:b")
    >>> [(x.lot_id, x.remaining) for x in found]
    [('late', 400), ('soon', 0)]
    """
    found: dict[str, Lot] = {}
    for t in sorted(transfers, key=lambda t: (t.at, t.transfer_id)):
        if t.kind is TransferKind.FUND and t.credit_account == account:
            expires = t.refs.get("expires")
            lot_id = t.refs.get("lot", t.transfer_id)
            found[lot_id] = Lot(
                lot_id=lot_id,
                funded=t.amount,
                remaining=t.amount,
                funded_at=t.at,
                expires_on=date.fromisoformat(expires) if expires else None,
                kind=t.refs.get("kind", PURCHASED),
                po_number=t.refs.get("po", ""),
                client_code=t.refs.get("client", ""),
            )
        elif t.kind is TransferKind.ADJUST and t.debit_account == account and "lot" in t.refs:
            lot = found[t.refs["lot"]]
            found[lot.lot_id] = replace(lot, remaining=lot.remaining - t.amount)
        elif t.debit_account == account and t.kind in {TransferKind.CHARGE, TransferKind.POST}:
            due = t.amount
            for lot in sorted(found.values(), key=lambda x: x.order):
                take = min(due, lot.remaining)
                if take:
                    found[lot.lot_id] = replace(lot, remaining=lot.remaining - take)
                    due -= take
    return list(found.values())


def burn_rate(transfers: Iterable[Transfer], account: str, today: date, days: int = 30) -> Decimal:
    """Average spend per day over the last ``days`` days, in minor units."""
    since = today - timedelta(days=days)
    spent = sum(
        t.amount
        for t in transfers
        if t.debit_account == account
        and t.kind in {TransferKind.CHARGE, TransferKind.POST}
        and since < t.at.date() <= today
    )
    return Decimal(spent) / days


def days_to_empty(balance: int, rate: Decimal) -> Decimal | None:
    """Days until a balance runs out at ``rate`` per day; ``None`` when nothing is spent.

    Examples
    --------
    >>> days_to_empty(1000, Decimal(40))
    Decimal('25.0')
    """
    if rate <= 0:
        return None
    return (Decimal(max(balance, 0)) / rate).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class BucketStatus:
    """A bucket's balance, lots, burn rate and days to empty."""

    bucket: Bucket
    balance: Money
    lots: list[Lot]
    burn_per_day: Decimal
    days_to_empty: Decimal | None


class BucketService:
    """Create, fund, spend from and report on a workspace's buckets."""

    def __init__(self, ledger: LedgerService, settings: SettingsStore, currency: str) -> None:
        self._ledger = ledger
        self._settings = settings
        self._currency = currency

    def buckets(self, workspace_id: str) -> BucketSet:
        """The workspace's buckets."""
        text = self._settings.get(workspace_id, BUCKETS_DOCUMENT)
        return BucketSet.model_validate_json(text) if text else BucketSet()

    def create(self, workspace_id: str, bucket: Bucket) -> Bucket:
        """Add a bucket (or change its settings) and open its account."""
        kept = tuple(
            b for b in self.buckets(workspace_id).buckets if b.bucket_id != bucket.bucket_id
        )
        self._settings.put(
            workspace_id, BUCKETS_DOCUMENT, BucketSet(buckets=(*kept, bucket)).model_dump_json()
        )
        labels = {"client": bucket.client_code, "name": bucket.name}
        self._ledger.open_account(
            workspace_id,
            account_of(bucket.bucket_id),
            AccountKind.BUCKET,
            self._currency,
            labels=labels,
        )
        return bucket

    def fund(
        self,
        workspace_id: str,
        bucket_id: str,
        lot_id: str,
        amount: Money,
        *,
        po_number: str = "",
        expires_on: date | None = None,
        kind: str = PURCHASED,
    ) -> TransferResult:
        """Record a funding lot (idempotent by bucket and lot id)."""
        bucket = self.buckets(workspace_id).get(bucket_id)
        if kind not in {GRANTED, PURCHASED}:
            msg = f"lot {lot_id}: kind must be {GRANTED} or {PURCHASED}, not {kind!r}"
            raise InvalidBucketError(msg)
        refs = {"lot": lot_id, "po": po_number, "client": bucket.client_code, "kind": kind}
        if expires_on is not None:
            refs["expires"] = expires_on.isoformat()
        return self._ledger.move(
            workspace_id, f"fund:{bucket_id}:{lot_id}", TransferKind.FUND, amount,
            debit=FUNDING, credit=account_of(bucket_id), memo=f"PO {po_number}".strip(), refs=refs,
        )  # fmt: skip

    def expire(self, workspace_id: str, bucket_id: str, today: date) -> list[TransferResult]:
        """Move what expired lots still hold out of the bucket (once per lot)."""
        account = account_of(bucket_id)
        due = [
            lot
            for lot in lots(self._ledger.store.transfers(workspace_id), account)
            if lot.expires_on is not None and lot.expires_on < today and lot.remaining > 0
        ]
        return [
            self._ledger.move(
                workspace_id,
                f"expire:{bucket_id}:{lot.lot_id}",
                TransferKind.ADJUST,
                Money(lot.remaining, self._currency),
                debit=account,
                credit=FUNDING,
                memo=f"lot {lot.lot_id} expired {lot.expires_on}",
                refs={"lot": lot.lot_id},
            )
            for lot in due
        ]

    def charge(
        self,
        workspace_id: str,
        bucket_id: str,
        transfer_id: str,
        amount: Money,
        refs: dict[str, str],
    ) -> TransferResult:
        """Spend from a bucket (expired lots are expired first)."""
        bucket = self.buckets(workspace_id).get(bucket_id)
        self.expire(workspace_id, bucket_id, self._ledger.today())
        refs = refs | {"client": bucket.client_code}
        return self._ledger.charge(
            workspace_id, transfer_id, amount, account=account_of(bucket_id), refs=refs
        )

    def status(self, workspace_id: str, bucket_id: str, today: date) -> BucketStatus:
        """Balance, lots, burn rate over 30 days and days to empty."""
        bucket = self.buckets(workspace_id).get(bucket_id)
        account = self._ledger.account(workspace_id, account_of(bucket_id))
        transfers = list(self._ledger.store.transfers(workspace_id))
        rate = burn_rate(transfers, account.account_id, today)
        return BucketStatus(
            bucket=bucket,
            balance=Money(account.available, account.currency),
            lots=lots(transfers, account.account_id),
            burn_per_day=rate,
            days_to_empty=days_to_empty(account.available, rate),
        )
