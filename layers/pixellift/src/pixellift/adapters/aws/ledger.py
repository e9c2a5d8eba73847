"""The ``Billing`` port on the DynamoDB double-entry ledger.

A processed item is charged once per idempotency key: as a post against its batch's hold when the
batch holds its estimate, else as a direct charge to the workspace's main account. The price is
the price table's (core operations on the workspace's plan), or a flat ``price_minor`` when one is
configured. Batches reserve their estimate with :meth:`hold_batch` and release the rest with
:meth:`close_batch`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

from pixellift.adapters.aws.billing_groups import GroupCommitLedgerStore
from pixellift.adapters.aws.billing_models import billing_rows
from pixellift.adapters.aws.billing_settings import DynamoSettingsStore
from pixellift.adapters.aws.billing_store import DynamoLedgerStore
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.settings import Settings
from pixellift.core.billing.buckets import BucketService, account_of
from pixellift.core.billing.guard import CapGuard
from pixellift.core.billing.ledger import MAIN, HoldStatus, Transfer, TransferKind
from pixellift.core.billing.memory import MemoryAuditSink
from pixellift.core.billing.money import Money
from pixellift.core.billing.pricing import (
    CORE_OPERATIONS,
    DEFAULT_PLAN,
    Estimate,
    PriceBook,
    default_price_book,
)
from pixellift.core.billing.service import LedgerService, TransferResult
from pixellift.core.contracts.records import Charge, ChargeRequest
from pixellift.core.errors import (
    CurrencyMismatchError,
    HoldNotPendingError,
    IdempotencyConflictError,
)
from pixellift.core.ports import AuditSink, WallClock

_CHARGES = frozenset({TransferKind.CHARGE, TransferKind.POST})


def backoff(attempt: int) -> None:
    """Sleep a random time up to 2 ms × 2^attempt (at most 100 ms): full-jitter backoff."""
    time.sleep(random.uniform(0, min(0.1, 0.002 * 2**attempt)))  # noqa: S311 - not a secret


def batch_hold_id(batch_id: str) -> str:
    """The id of a batch's hold.

    Examples
    --------
    >>> batch_hold_id("b-1")
    'hold:b-1'
    """
    return f"hold:{batch_id}"


class DynamoLedgerBilling:
    """Debits on the ledger kept in the ledger table.

    Parameters
    ----------
    tables
        The bound table models (the ledger table's name, region and endpoint are used).
    price_minor
        A flat price per item in minor units; ``None``: the price table's.
    currency
        ISO 4217 currency of every debit.
    clock
        Timestamps the transfers.
    audit
        Receives every ledger movement (an in-memory list when not given).
    allowance_minor
        How far below zero a workspace's main account may go when it is first opened;
        ``None``: no limit (post-paid).
    prices, plan
        The price book and the plan items are priced on.
    """

    def __init__(
        self,
        tables: Tables,
        *,
        price_minor: int | None = None,
        currency: str,
        clock: WallClock,
        audit: AuditSink | None = None,
        allowance_minor: int | None = None,
        prices: PriceBook | None = None,
        plan: str = DEFAULT_PLAN,
    ) -> None:
        meta: Any = tables.ledger.Meta
        model = billing_rows(meta.table_name, meta.region, getattr(meta, "host", None))
        self.audit = audit if audit is not None else MemoryAuditSink()
        self.ledger = LedgerService(
            GroupCommitLedgerStore(DynamoLedgerStore(model)), self.audit, clock, pause=backoff
        )
        self.settings = DynamoSettingsStore(model)
        self.buckets = BucketService(self.ledger, self.settings, currency)
        self.guard = CapGuard(self.settings, self.ledger.store, self.audit, clock)
        self._price = price_minor
        self._currency = currency
        self._clock = clock
        self._allowance = allowance_minor
        self.prices = prices or default_price_book()
        self.plan = plan
        self._open: set[str] = set()

    @property
    def currency(self) -> str:
        """Currency of every debit."""
        return self._currency

    def item_price(self, day: date) -> Money:
        """What one processed item costs on ``day``.

        Raises
        ------
        CurrencyMismatchError
            The price table is in another currency than the ledger.
        """
        if self._price is not None:
            return Money(self._price, self._currency)
        table = self.prices.at(day)
        if table.currency != self._currency:
            msg = f"price table {table.version} is in {table.currency}, not {self._currency}"
            raise CurrencyMismatchError(msg)
        return table.item_price(self.plan, dict.fromkeys(CORE_OPERATIONS, 1))

    def open_workspace(self, workspace_id: str) -> None:
        """Open the workspace's accounts if this process has not yet."""
        if workspace_id not in self._open:
            self.ledger.open_workspace(workspace_id, self._currency, allowance=self._allowance)
            self._open.add(workspace_id)

    def debit(self, request: ChargeRequest) -> Charge:
        """Charge the request's key once; a repeated key returns the stored charge."""
        ws = request.workspace_id
        self.open_workspace(ws)
        amount = self.item_price(self._clock.now().date())
        refs = {"batch_id": request.batch_id, "item_id": request.item_id}
        hold = self.ledger.store.hold(ws, batch_hold_id(request.batch_id))
        key = request.idempotency_key
        result: TransferResult
        try:
            if hold is not None and hold.status is HoldStatus.PENDING:
                result = self.ledger.post(
                    ws, key, hold.hold_id, amount, memo=request.description, refs=refs
                )
            else:
                if self.ledger.store.transfer(ws, key) is None:
                    self.guard.admit(ws, amount, refs)
                bucket = self.buckets.buckets(ws).for_batch(request.preset, request.queue)
                if bucket is not None:
                    result = self.buckets.charge(ws, bucket.bucket_id, key, amount, refs)
                else:
                    result = self.ledger.charge(
                        ws, key, amount, memo=request.description, refs=refs
                    )
        except (IdempotencyConflictError, HoldNotPendingError):
            # Charged before as the other kind (the batch's hold was open then, or closed since).
            stored = self.ledger.store.transfer(ws, key)
            if stored is None or stored.kind not in _CHARGES:
                raise
            return _charge(stored, created=False)
        return _charge(result.transfer, created=result.created)

    def hold_batch(
        self, workspace_id: str, batch_id: str, estimate: Estimate, account: str = MAIN
    ) -> TransferResult:
        """Reserve a batch's estimate (its top) on ``account``, once per batch.

        Raises
        ------
        InsufficientCreditsError
            The balance (with its allowance) does not cover the estimate: refuse the batch.
        """
        self.open_workspace(workspace_id)
        return self.ledger.hold(
            workspace_id,
            batch_hold_id(batch_id),
            estimate.high,
            account=account,
            memo=f"batch {batch_id}: {estimate.items} items, estimate {estimate.high}",
            refs={"batch_id": batch_id, "table": estimate.table_version, "plan": estimate.plan},
        )

    def reserve(
        self,
        workspace_id: str,
        batch_id: str,
        items: int,
        preset: str | None = None,
        queue: str | None = None,
    ) -> Money:
        """Hold ``items`` × the item price for a batch, once (``BatchHolds``).

        A client bucket bound to the batch's ``preset`` holds it (its lots pay, first to expire
        first), else the workspace's main account.
        """
        self.open_workspace(workspace_id)
        bucket = self.buckets.buckets(workspace_id).for_batch(preset, queue)
        account = MAIN if bucket is None else account_of(bucket.bucket_id)
        price = self.item_price(self._clock.now().date())
        version = (
            "flat" if self._price is not None else self.prices.at(self._clock.now().date()).version
        )
        cost = price * items
        if self.ledger.store.hold(workspace_id, batch_hold_id(batch_id)) is None:
            self.guard.admit(workspace_id, cost, {"batch_id": batch_id})
        held = self.hold_batch(
            workspace_id, batch_id, Estimate(items, cost, cost, version, self.plan), account
        )
        return held.amount

    def release(self, workspace_id: str, batch_id: str) -> Money | None:
        """Void what a batch's hold still reserves (``BatchHolds``)."""
        voided = self.close_batch(workspace_id, batch_id)
        return None if voided is None else voided.amount

    def close_batch(self, workspace_id: str, batch_id: str) -> TransferResult | None:
        """Release what the batch's hold still reserves; ``None`` when it holds nothing."""
        hold_id = batch_hold_id(batch_id)
        if self.ledger.store.hold(workspace_id, hold_id) is None:
            return None
        return self.ledger.void(
            workspace_id, f"void:{batch_id}", hold_id, memo=f"batch {batch_id} done"
        )

    def get(self, workspace_id: str, entry_id: str) -> Charge | None:
        """One charge, or ``None``."""
        found = self.ledger.store.transfer(workspace_id, entry_id)
        return _charge(found, created=True) if found and found.kind in _CHARGES else None

    def entries(self, workspace_id: str) -> Iterator[Charge]:
        """Every charge of a workspace, by idempotency key."""
        for t in self.ledger.store.transfers(workspace_id):
            if t.kind in _CHARGES:
                yield _charge(t, created=True)


def _charge(t: Transfer, *, created: bool) -> Charge:
    return Charge(
        workspace_id=t.workspace_id,
        entry_id=t.transfer_id,
        batch_id=t.refs.get("batch_id", "-"),
        item_id=t.refs.get("item_id", "-"),
        amount_minor=t.amount,
        currency=t.currency,
        description=t.memo,
        created_at=t.at,
        created=created,
    )


def ledger_billing(
    settings: Settings, tables: Tables, clock: WallClock, audit: AuditSink | None = None
) -> DynamoLedgerBilling:
    """The billing every entry point builds from settings (the pipeline and ``credits``).

    Reads ``price_per_item_minor`` (a flat price; unset: the price table), ``currency``,
    ``credit_allowance_minor`` (unset: post-paid) and ``price_plan`` where settings carry them.
    """
    return DynamoLedgerBilling(
        tables,
        price_minor=settings.price_per_item_minor,
        currency=settings.currency,
        clock=clock,
        audit=audit,
        allowance_minor=settings.credit_allowance_minor,
        plan=settings.price_plan or DEFAULT_PLAN,
    )
