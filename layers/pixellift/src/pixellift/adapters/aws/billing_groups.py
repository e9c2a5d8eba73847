"""Group commit: concurrent transfers share one DynamoDB transaction.

Writers debiting the same account contend for its row: on DynamoDB they cancel each other's
transactions, on the local moto every request pays a fixed cost. Here each writer queues its
movement; one of them (the leader) takes whatever has queued, up to ``max_group``, and commits it
as one transaction with each account updated once (:meth:`DynamoLedgerStore.commit_many`). A
group that is cancelled (a retried id, too little headroom for the total) falls back to one
transaction per movement, so every transfer gets exactly the answer it would get alone.
Movements that create or change a hold always go alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from pixellift.adapters.aws.billing_store import DynamoLedgerStore
from pixellift.core.billing.ledger import Account, Hold, Movement, Transfer

MAX_GROUP: Final = 32
"""Transfers per transaction: 32 rows plus the accounts stay under DynamoDB's 100 items."""


@dataclass
class _Queued:
    movement: Movement
    finished: bool = False
    grouped: bool = False


class GroupCommitLedgerStore:
    """A ``LedgerStore`` that groups concurrent commits of the DynamoDB store it wraps."""

    def __init__(self, store: DynamoLedgerStore, *, max_group: int = MAX_GROUP) -> None:
        self.store = store
        self._max = max_group
        self._cond = threading.Condition()
        self._queue: list[_Queued] = []
        self._leading = False
        self.groups = 0
        """Transactions that carried more than one transfer (for benchmarks)."""

    def commit(self, movement: Movement) -> bool:
        """Apply the movement, in a group when other writers are committing too."""
        if movement.hold_before is not None or movement.hold_after is not None:
            return self.store.commit(movement)
        mine = _Queued(movement)
        with self._cond:
            self._queue.append(mine)
        while True:
            with self._cond:
                while not mine.finished and self._leading:
                    self._cond.wait()
                if mine.finished:
                    break
                self._leading = True
            # Let the other writers queue while the leader gets going (they are mostly in the
            # middle of building their next transfer); a group of one costs what it did alone.
            time.sleep(0)
            with self._cond:
                group = self._queue[: self._max]
                del self._queue[: self._max]
            grouped = False
            try:
                if len(group) > 1:
                    grouped = self.store.commit_many([q.movement for q in group])
            finally:
                with self._cond:
                    for queued in group:
                        queued.finished, queued.grouped = True, grouped
                    self.groups += grouped
                    self._leading = False
                    self._cond.notify_all()
        return True if mine.grouped else self.store.commit(movement)

    def open(self, account: Account) -> bool:
        """Open an account."""
        return self.store.open(account)

    def account(self, workspace_id: str, account_id: str) -> Account | None:
        """One account."""
        return self.store.account(workspace_id, account_id)

    def accounts(self, workspace_id: str) -> list[Account]:
        """Every account of the workspace."""
        return self.store.accounts(workspace_id)

    def set_allowance(self, workspace_id: str, account_id: str, allowance: int | None) -> Account:
        """Change an allowance."""
        return self.store.set_allowance(workspace_id, account_id, allowance)

    def transfer(self, workspace_id: str, transfer_id: str) -> Transfer | None:
        """One transfer."""
        return self.store.transfer(workspace_id, transfer_id)

    def transfers(self, workspace_id: str) -> Iterator[Transfer]:
        """Every transfer of the workspace."""
        return self.store.transfers(workspace_id)

    def hold(self, workspace_id: str, hold_id: str) -> Hold | None:
        """One hold."""
        return self.store.hold(workspace_id, hold_id)

    def holds(self, workspace_id: str) -> list[Hold]:
        """Every hold of the workspace."""
        return self.store.holds(workspace_id)
