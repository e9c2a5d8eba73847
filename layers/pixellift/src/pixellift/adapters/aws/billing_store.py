"""The ledger on DynamoDB: every movement is one ``TransactWriteItems`` with conditions.

A transfer writes its row (condition: the id does not exist, which makes retries harmless and the
idempotency record durable, unlike the 10-minute ``ClientRequestToken``), ``ADD``s its postings to
both accounts (conditions: the account is open, in the transfer's currency, and, for a debit of a
limited account, ``headroom >= amount``, i.e. ``balance - amount >= -allowance``), and creates or
changes its hold (condition: the hold is still as the movement read it). All or nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from pixellift.adapters.aws.billing_models import ACCOUNT, HOLD, TRANSFER, BillingRow
from pixellift.adapters.aws.dynamodb_repos import conditional_put, get_row
from pixellift.adapters.aws.errors import translated
from pixellift.core.billing.ledger import Account, Hold, Movement, Posting, Transfer
from pixellift.core.billing.memory import apply_posting
from pixellift.core.errors import (
    AccountNotFoundError,
    ConcurrentUpdateError,
    CurrencyMismatchError,
)

_FAILED = "ConditionalCheckFailed"
_CONFLICT = "TransactionConflict"
_CANCELLED = "TransactionCanceledException"


class DynamoLedgerStore:
    """``LedgerStore`` on the rows of one table.

    Parameters
    ----------
    model
        The billing row model bound to the table (:func:`billing_rows`).
    """

    def __init__(self, model: type[BillingRow]) -> None:
        self._model = model
        meta: Any = model.Meta
        self._connection = Connection(region=meta.region, host=getattr(meta, "host", None))

    # --- accounts ---------------------------------------------------------------------------

    def _account_row(self, account: Account) -> BillingRow:
        static = account.model_dump_json(
            exclude={"posted", "pending_out", "pending_in", "allowance"}
        )
        limited = account.allowance is not None
        return self._model(
            account.workspace_id,
            ACCOUNT + account.account_id,
            body=static,
            currency=account.currency,
            limited=limited,
            allowance=account.allowance or 0,
            posted=account.posted,
            pending_out=account.pending_out,
            pending_in=account.pending_in,
            headroom=account.available + (account.allowance or 0),
        )

    @staticmethod
    def _to_account(row: BillingRow) -> Account:
        state = {
            "allowance": int(row.allowance or 0) if row.limited else None,
            "posted": int(row.posted or 0),
            "pending_out": int(row.pending_out or 0),
            "pending_in": int(row.pending_in or 0),
        }
        return Account.model_validate(json.loads(row.body) | state)

    def open(self, account: Account) -> bool:
        """Open an account; ``False`` if it exists."""
        row = self._account_row(account)
        return conditional_put(row, self._model.entry_id.does_not_exist(), "ledger account")

    def account(self, workspace_id: str, account_id: str) -> Account | None:
        """One account, or ``None``."""
        row = get_row(self._model, f"account {account_id}", workspace_id, ACCOUNT + account_id)
        return None if row is None else self._to_account(row)

    def _query(self, workspace_id: str, prefix: str) -> Iterator[BillingRow]:
        with translated(f"ledger of {workspace_id}"):
            yield from self._model.query(
                workspace_id, self._model.entry_id.startswith(prefix), consistent_read=True
            )

    def accounts(self, workspace_id: str) -> list[Account]:
        """Every account of the workspace, by id."""
        return [self._to_account(r) for r in self._query(workspace_id, ACCOUNT)]

    def set_allowance(self, workspace_id: str, account_id: str, allowance: int | None) -> Account:
        """Change the allowance (and the headroom with it) if nobody changed it meanwhile."""
        current = self.account(workspace_id, account_id)
        if current is None:
            msg = f"allowance: account {account_id} of workspace {workspace_id} is not open"
            raise AccountNotFoundError(msg)
        m = self._model
        row = m(workspace_id, ACCOUNT + account_id, body="")
        old = current.allowance or 0
        condition = (m.limited == (current.allowance is not None)) & (m.allowance == old)
        actions: list[Action] = [
            m.limited.set(allowance is not None),
            m.allowance.set(allowance or 0),
            m.headroom.add((allowance or 0) - old),
        ]
        with translated(f"account {account_id}"):
            try:
                row.update(actions=actions, condition=condition)
            except UpdateError as exc:
                if exc.cause_response_code == "ConditionalCheckFailedException":
                    msg = f"allowance of {account_id} changed meanwhile"
                    raise ConcurrentUpdateError(msg) from exc
                raise
        return current.model_copy(update={"allowance": allowance})

    # --- movements --------------------------------------------------------------------------

    def _posting(self, tx: TransactWrite, t: Transfer, posting: Posting) -> None:
        m = self._model
        row = m(t.workspace_id, ACCOUNT + posting.account_id, body="")
        condition: Condition = m.entry_id.exists() & (m.currency == t.currency)
        if posting.available < 0:
            condition &= (m.limited == False) | (m.headroom >= -posting.available)  # noqa: E712
        actions: list[Any] = [
            attr.add(delta)
            for attr, delta in (
                (m.posted, posting.posted),
                (m.pending_out, posting.pending_out),
                (m.pending_in, posting.pending_in),
                (m.headroom, posting.available),
            )
            if delta
        ]
        tx.update(row, actions=actions, condition=condition)

    def _hold(self, tx: TransactWrite, movement: Movement) -> None:
        m = self._model
        after, before = movement.hold_after, movement.hold_before
        if after is None:
            return
        if before is None:
            row = m(
                after.workspace_id,
                HOLD + after.hold_id,
                body=after.model_dump_json(exclude={"remaining", "posted", "status"}),
                status=str(after.status),
                remaining=after.remaining,
                posted=after.posted,
            )
            tx.save(row, condition=m.entry_id.does_not_exist())
            return
        row = m(after.workspace_id, HOLD + after.hold_id, body="")
        condition = (
            (m.status == str(before.status))
            & (m.remaining == before.remaining)
            & (m.posted == before.posted)
        )
        actions: list[Action] = [
            m.status.set(str(after.status)),
            m.remaining.set(after.remaining),
            m.posted.set(after.posted),
        ]
        tx.update(row, actions=actions, condition=condition)

    @staticmethod
    def _labels(movement: Movement) -> list[str]:
        """What each item of the transaction is, in the order :meth:`commit` adds them.

        pynamodb sends puts before updates; the hold (a put when created, an update when changed)
        is added before the postings, so it comes second either way.
        """
        hold = ["hold"] if movement.hold_after is not None else []
        postings = [p.account_id for p in movement.postings if p.changes]
        return ["transfer", *hold, *postings]

    def commit(self, movement: Movement) -> bool:
        """Apply the movement in one transaction; ``False`` for a transfer id seen before."""
        t = movement.transfer
        m = self._model
        try:
            with translated(f"transfer {t.transfer_id}"):
                try:
                    with TransactWrite(connection=self._connection) as tx:
                        row = m(t.workspace_id, TRANSFER + t.transfer_id, body=t.model_dump_json())
                        tx.save(row, condition=m.entry_id.does_not_exist())
                        self._hold(tx, movement)
                        for posting in movement.postings:
                            if posting.changes:
                                self._posting(tx, t, posting)
                except TransactWriteError as exc:
                    self._cancelled(exc, movement, self._labels(movement))
        except _Duplicate:
            return False
        return True

    def commit_many(self, movements: Sequence[Movement]) -> bool:
        """Apply transfers without holds in one transaction, or none of them.

        Postings to one account are summed into one update whose condition covers their total:
        only the final balance of an atomic write is ever visible. ``False`` when the transaction
        was cancelled (a known id, too little headroom): commit them one by one to learn which.
        """
        m = self._model
        totals: dict[tuple[str, str], Posting] = {}
        currencies: dict[tuple[str, str], str] = {}
        for mv in movements:
            t = mv.transfer
            if mv.hold_before is not None or mv.hold_after is not None:
                return False
            for p in mv.postings:
                key = (t.workspace_id, p.account_id)
                if currencies.setdefault(key, t.currency) != t.currency:
                    return False
                was = totals.get(key, Posting(p.account_id))
                totals[key] = Posting(
                    p.account_id,
                    was.posted + p.posted,
                    was.pending_out + p.pending_out,
                    was.pending_in + p.pending_in,
                )
        with translated("transfers"):
            try:
                with TransactWrite(connection=self._connection) as tx:
                    for mv in movements:
                        t = mv.transfer
                        row = m(t.workspace_id, TRANSFER + t.transfer_id, body=t.model_dump_json())
                        tx.save(row, condition=m.entry_id.does_not_exist())
                    for (workspace, account_id), posting in totals.items():
                        if posting.changes:
                            template = movements[0].transfer.model_copy(
                                update={
                                    "workspace_id": workspace,
                                    "currency": currencies[(workspace, account_id)],
                                }
                            )
                            self._posting(tx, template, posting)
            except TransactWriteError as exc:
                if exc.cause_response_code == _CANCELLED:
                    return False
                raise
        return True

    def _cancelled(self, exc: TransactWriteError, movement: Movement, labels: list[str]) -> None:
        t = movement.transfer
        reasons = exc.cancellation_reasons or []
        codes = [(label, r.code if r else None) for label, r in zip(labels, reasons, strict=False)]
        if ("transfer", _FAILED) in codes:
            raise _Duplicate
        if any(code == _CONFLICT for _, code in codes) or ("hold", _FAILED) in codes:
            msg = f"transfer {t.transfer_id}: a concurrent write changed its accounts or hold"
            raise ConcurrentUpdateError(msg) from exc
        for posting in movement.postings:
            if (posting.account_id, _FAILED) in codes:
                self._explain(t, posting)
        raise exc

    def _explain(self, t: Transfer, posting: Posting) -> None:
        what = f"transfer {t.transfer_id}"
        account = self.account(t.workspace_id, posting.account_id)
        if account is None:
            msg = f"{what}: account {posting.account_id} of workspace {t.workspace_id} is not open"
            raise AccountNotFoundError(msg)
        if account.currency != t.currency:
            msg = f"{what}: {t.currency} cannot move on a {account.currency} account"
            raise CurrencyMismatchError(msg)
        apply_posting(account, posting, what)  # raises InsufficientCreditsError
        msg = f"{what}: account {posting.account_id} changed meanwhile"
        raise ConcurrentUpdateError(msg)

    # --- reads ------------------------------------------------------------------------------

    def transfer(self, workspace_id: str, transfer_id: str) -> Transfer | None:
        """One transfer, or ``None``."""
        row = get_row(self._model, f"transfer {transfer_id}", workspace_id, TRANSFER + transfer_id)
        return None if row is None else Transfer.model_validate_json(row.body)

    def transfers(self, workspace_id: str) -> Iterator[Transfer]:
        """Every transfer of the workspace, by id."""
        for row in self._query(workspace_id, TRANSFER):
            yield Transfer.model_validate_json(row.body)

    @staticmethod
    def _to_hold(row: BillingRow) -> Hold:
        state = {"remaining": int(row.remaining or 0), "posted": int(row.posted or 0)}
        return Hold.model_validate(json.loads(row.body) | state | {"status": row.status})

    def hold(self, workspace_id: str, hold_id: str) -> Hold | None:
        """One hold, or ``None``."""
        row = get_row(self._model, f"hold {hold_id}", workspace_id, HOLD + hold_id)
        return None if row is None else self._to_hold(row)

    def holds(self, workspace_id: str) -> list[Hold]:
        """Every hold of the workspace, by id."""
        return [self._to_hold(r) for r in self._query(workspace_id, HOLD)]


class _Duplicate(Exception):  # noqa: N818 - a control-flow signal, never raised out of this module
    """The transfer row exists: the movement was applied before."""
