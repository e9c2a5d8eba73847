"""Ledger use cases: open accounts, top up, charge, hold, post and void, each audited once.

Every operation is named by its transfer id, the idempotency key: a retried request returns the
transfer stored the first time (``created`` false) and changes nothing; the same id for a
different request is an error. Posts and voids that lose a race for their hold are recomputed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final

from pixellift.core.billing.ledger import (
    FUNDING,
    MAIN,
    REVENUE,
    Account,
    AccountKind,
    Transfer,
    TransferKind,
    movement,
    same_request,
)
from pixellift.core.billing.money import Money
from pixellift.core.billing.ports import LedgerStore
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import (
    AccountNotFoundError,
    ConcurrentUpdateError,
    CurrencyMismatchError,
    IdempotencyConflictError,
    LedgerContentionError,
)
from pixellift.core.ports import AuditSink, WallClock

RETRIES: Final = 16
EVENT_TYPES: Final = {
    TransferKind.TOP_UP: "billing.credits_purchased",
    TransferKind.FUND: "billing.credits_purchased",
    TransferKind.CHARGE: "billing.transfer_posted",
    TransferKind.HOLD: "billing.hold_placed",
    TransferKind.POST: "billing.transfer_posted",
    TransferKind.VOID: "billing.transfer_voided",
    TransferKind.ADJUST: "billing.adjusted",
}
"""Audit event type of each movement (the governance taxonomy's names; ``subject`` says which
kind of movement it was)."""


@dataclass(frozen=True)
class TransferResult:
    """The stored transfer, and whether this call created it."""

    transfer: Transfer
    created: bool

    @property
    def amount(self) -> Money:
        """The transfer's amount."""
        return Money(self.transfer.amount, self.transfer.currency)


class LedgerService:
    """Ledger operations on a store, with audit events and the injected clock.

    Parameters
    ----------
    store
        Where accounts, transfers and holds live.
    audit
        Receives one event per movement created.
    clock
        Timestamps transfers and accounts.
    actor
        Who the audit events name (``user:<id>``, ``system:<component>``).
    pause
        Called with the attempt number before a transfer that lost a race is tried again (a
        jittered backoff against DynamoDB's ``TransactionConflict``); by default no pause.
    """

    def __init__(
        self,
        store: LedgerStore,
        audit: AuditSink,
        clock: WallClock,
        *,
        actor: str = "system:billing",
        pause: Callable[[int], None] | None = None,
    ) -> None:
        self.store = store
        self._audit = audit
        self._clock = clock
        self._actor = actor
        self._pause = pause

    def open_account(
        self,
        workspace_id: str,
        account_id: str,
        kind: AccountKind,
        currency: str,
        *,
        allowance: int | None = 0,
        labels: dict[str, str] | None = None,
    ) -> Account:
        """Open an account, or return the open one (which must be in ``currency``)."""
        account = Account(
            workspace_id=workspace_id,
            account_id=account_id,
            kind=kind,
            currency=currency,
            allowance=allowance,
            opened_at=self._clock.now(),
            labels=labels or {},
        )
        if not self.store.open(account):
            account = self.account(workspace_id, account_id)
            if account.currency != currency:
                msg = f"account {account_id} of {workspace_id} is in {account.currency}"
                raise CurrencyMismatchError(msg)
        return account

    def open_workspace(
        self, workspace_id: str, currency: str, *, allowance: int | None = 0
    ) -> Account:
        """Open the workspace's funding, revenue and main accounts; return the main one."""
        self.open_account(workspace_id, FUNDING, AccountKind.FUNDING, currency, allowance=None)
        self.open_account(workspace_id, REVENUE, AccountKind.REVENUE, currency, allowance=None)
        return self.open_account(
            workspace_id, MAIN, AccountKind.WORKSPACE, currency, allowance=allowance
        )

    def today(self) -> date:
        """Today (UTC) by the injected clock."""
        return self._clock.now().date()

    def account(self, workspace_id: str, account_id: str) -> Account:
        """One account, or an error naming it."""
        found = self.store.account(workspace_id, account_id)
        if found is None:
            msg = f"account {account_id} of workspace {workspace_id} is not open"
            raise AccountNotFoundError(msg)
        return found

    def _event(self, result: TransferResult) -> None:
        t = result.transfer
        subject = {
            "transfer_id": t.transfer_id,
            "debit": t.debit_account,
            "credit": t.credit_account,
        }
        subject |= {k: v for k, v in t.refs.items() if k in {"batch_id", "item_id", "hold_id"}}
        if t.hold_id:
            subject["hold_id"] = t.hold_id
        self._audit.record(
            AuditEvent(
                workspace_id=t.workspace_id,
                actor=self._actor,
                type=EVENT_TYPES[t.kind],
                at=t.at,
                subject=subject,
                after={"amount_minor": t.amount, "currency": t.currency, "from_hold": t.from_hold},
                justification=t.memo,
            )
        )

    def execute(self, transfer: Transfer) -> TransferResult:
        """Apply a transfer once; a retry returns the stored one.

        Raises
        ------
        IdempotencyConflictError
            The id was used for a different transfer.
        LedgerContentionError
            Its hold kept changing under it.
        """
        ws, tid = transfer.workspace_id, transfer.transfer_id
        for attempt in range(RETRIES):
            if attempt and self._pause is not None:
                self._pause(attempt)
            hold = None
            if transfer.hold_id is not None:
                # A retried post or void finds its hold closed: answer from the transfer first.
                stored = self.store.transfer(ws, tid)
                if stored is not None:
                    return self._replay(stored, transfer)
                hold = self.store.hold(ws, transfer.hold_id)
            planned = movement(transfer, hold)
            try:
                created = self.store.commit(planned)
            except ConcurrentUpdateError:
                continue
            if created:
                result = TransferResult(planned.transfer, created=True)
                self._event(result)
                return result
            stored = self.store.transfer(ws, tid)
            if stored is not None:
                return self._replay(stored, transfer)
        msg = f"transfer {transfer.transfer_id}: its hold {transfer.hold_id} kept changing"
        raise LedgerContentionError(msg)

    @staticmethod
    def _replay(stored: Transfer, asked: Transfer) -> TransferResult:
        if not same_request(stored, asked):
            msg = (
                f"transfer id {asked.transfer_id} was used for a {stored.kind} of {stored.amount} "
                f"{stored.currency} already"
            )
            raise IdempotencyConflictError(msg)
        return TransferResult(stored, created=False)

    def move(
        self,
        workspace_id: str,
        transfer_id: str,
        kind: TransferKind,
        amount: Money,
        *,
        debit: str,
        credit: str,
        hold_id: str | None = None,
        memo: str = "",
        refs: dict[str, str] | None = None,
    ) -> TransferResult:
        """Build and execute one transfer."""
        return self.execute(
            Transfer(
                workspace_id=workspace_id,
                transfer_id=transfer_id,
                kind=kind,
                debit_account=debit,
                credit_account=credit,
                amount=amount.minor,
                currency=amount.currency,
                hold_id=hold_id,
                at=self._clock.now(),
                memo=memo,
                refs=refs or {},
            )
        )

    def top_up(
        self, workspace_id: str, transfer_id: str, amount: Money, *, to: str = MAIN, memo: str = ""
    ) -> TransferResult:
        """Record funding from outside into an account (recorded payment; providers come later)."""
        return self.move(
            workspace_id,
            transfer_id,
            TransferKind.TOP_UP,
            amount,
            debit=FUNDING,
            credit=to,
            memo=memo,
        )

    def charge(
        self,
        workspace_id: str,
        transfer_id: str,
        amount: Money,
        *,
        account: str = MAIN,
        memo: str = "",
        refs: dict[str, str] | None = None,
    ) -> TransferResult:
        """Debit an account straight into revenue."""
        return self.move(
            workspace_id, transfer_id, TransferKind.CHARGE, amount,
            debit=account, credit=REVENUE, memo=memo, refs=refs,
        )  # fmt: skip

    def hold(
        self,
        workspace_id: str,
        hold_id: str,
        amount: Money,
        *,
        account: str = MAIN,
        memo: str = "",
        refs: dict[str, str] | None = None,
    ) -> TransferResult:
        """Reserve ``amount`` on an account (a pending transfer to revenue)."""
        return self.move(
            workspace_id, hold_id, TransferKind.HOLD, amount,
            debit=account, credit=REVENUE, memo=memo, refs=refs,
        )  # fmt: skip

    def post(
        self,
        workspace_id: str,
        transfer_id: str,
        hold_id: str,
        amount: Money,
        *,
        memo: str = "",
        refs: dict[str, str] | None = None,
    ) -> TransferResult:
        """Charge ``amount`` against a pending hold; any excess over it needs headroom."""
        hold = self.store.hold(workspace_id, hold_id)
        debit, credit = (hold.debit_account, hold.credit_account) if hold else (MAIN, REVENUE)
        return self.move(
            workspace_id, transfer_id, TransferKind.POST, amount,
            debit=debit, credit=credit, hold_id=hold_id, memo=memo, refs=refs,
        )  # fmt: skip

    def void(
        self, workspace_id: str, transfer_id: str, hold_id: str, *, memo: str = ""
    ) -> TransferResult:
        """Release what a hold still reserves and close it (at most once)."""
        hold = self.store.hold(workspace_id, hold_id)
        currency = hold.currency if hold else "USD"
        debit, credit = (hold.debit_account, hold.credit_account) if hold else (MAIN, REVENUE)
        return self.move(
            workspace_id, transfer_id, TransferKind.VOID, Money.zero(currency),
            debit=debit, credit=credit, hold_id=hold_id, memo=memo,
        )  # fmt: skip
