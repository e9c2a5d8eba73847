"""An in-memory ledger store: the reference the DynamoDB store is checked against.

It applies each movement under one lock with the same conditions the DynamoDB transaction
carries, so both stores must agree on every sequence of operations.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from pixellift.core.billing.ledger import Account, Hold, Movement, Posting, Transfer
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import (
    AccountNotFoundError,
    ConcurrentUpdateError,
    CurrencyMismatchError,
    InsufficientCreditsError,
)


def apply_posting(account: Account, posting: Posting, what: str) -> Account:
    """The account after ``posting``, checked against its allowance.

    Raises
    ------
    InsufficientCreditsError
        The posting reduces the available balance below ``-allowance``.
    """
    headroom = account.headroom
    if posting.available < 0 and headroom is not None and headroom + posting.available < 0:
        msg = (
            f"{what}: account {account.account_id} has {headroom} {account.currency} "
            f"available (with allowance), {-posting.available} needed"
        )
        raise InsufficientCreditsError(msg)
    return account.model_copy(
        update={
            "posted": account.posted + posting.posted,
            "pending_out": account.pending_out + posting.pending_out,
            "pending_in": account.pending_in + posting.pending_in,
        }
    )


class MemoryLedgerStore:
    """Ledger state in dictionaries, safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[tuple[str, str], Account] = {}
        self._transfers: dict[tuple[str, str], Transfer] = {}
        self._holds: dict[tuple[str, str], Hold] = {}

    def open(self, account: Account) -> bool:
        """Open an account; ``False`` if it exists."""
        with self._lock:
            key = (account.workspace_id, account.account_id)
            if key in self._accounts:
                return False
            self._accounts[key] = account
            return True

    def account(self, workspace_id: str, account_id: str) -> Account | None:
        """One account, or ``None``."""
        return self._accounts.get((workspace_id, account_id))

    def accounts(self, workspace_id: str) -> list[Account]:
        """Every account of the workspace."""
        with self._lock:
            return sorted(
                (a for (w, _), a in self._accounts.items() if w == workspace_id),
                key=lambda a: a.account_id,
            )

    def set_allowance(self, workspace_id: str, account_id: str, allowance: int | None) -> Account:
        """Change the allowance."""
        with self._lock:
            current = self._get(workspace_id, account_id, "allowance")
            changed = current.model_copy(update={"allowance": allowance})
            self._accounts[(workspace_id, account_id)] = changed
            return changed

    def _get(self, workspace_id: str, account_id: str, what: str) -> Account:
        found = self._accounts.get((workspace_id, account_id))
        if found is None:
            msg = f"{what}: account {account_id} of workspace {workspace_id} is not open"
            raise AccountNotFoundError(msg)
        return found

    def commit(self, movement: Movement) -> bool:
        """Apply all or nothing; ``False`` for a transfer id seen before."""
        t = movement.transfer
        what = f"transfer {t.transfer_id}"
        with self._lock:
            if (t.workspace_id, t.transfer_id) in self._transfers:
                return False
            if movement.hold_before is not None:
                key = (t.workspace_id, movement.hold_before.hold_id)
                if self._holds.get(key) != movement.hold_before:
                    msg = f"{what}: hold {movement.hold_before.hold_id} changed meanwhile"
                    raise ConcurrentUpdateError(msg)
            changed = []
            for posting in movement.postings:
                account = self._get(t.workspace_id, posting.account_id, what)
                if account.currency != t.currency:
                    msg = f"{what}: {t.currency} cannot move on a {account.currency} account"
                    raise CurrencyMismatchError(msg)
                changed.append(apply_posting(account, posting, what))
            for account in changed:
                self._accounts[(account.workspace_id, account.account_id)] = account
            if movement.hold_after is not None:
                self._holds[(t.workspace_id, movement.hold_after.hold_id)] = movement.hold_after
            self._transfers[(t.workspace_id, t.transfer_id)] = t
            return True

    def transfer(self, workspace_id: str, transfer_id: str) -> Transfer | None:
        """One transfer, or ``None``."""
        return self._transfers.get((workspace_id, transfer_id))

    def transfers(self, workspace_id: str) -> Iterator[Transfer]:
        """Every transfer of the workspace, by id."""
        with self._lock:
            found = sorted(
                (t for (w, _), t in self._transfers.items() if w == workspace_id),
                key=lambda t: t.transfer_id,
            )
        yield from found

    def hold(self, workspace_id: str, hold_id: str) -> Hold | None:
        """One hold, or ``None``."""
        return self._holds.get((workspace_id, hold_id))

    def holds(self, workspace_id: str) -> list[Hold]:
        """Every hold of the workspace."""
        with self._lock:
            return sorted(
                (h for (w, _), h in self._holds.items() if w == workspace_id),
                key=lambda h: h.hold_id,
            )


class MemorySettingsStore:
    """Billing settings documents in a dictionary."""

    def __init__(self) -> None:
        self._docs: dict[tuple[str, str], str] = {}

    def get(self, workspace_id: str, name: str) -> str | None:
        """The document, or ``None``."""
        return self._docs.get((workspace_id, name))

    def put(self, workspace_id: str, name: str, document: str) -> None:
        """Store the document."""
        self._docs[(workspace_id, name)] = document


class MemoryAuditSink:
    """Audit events kept in a list, in the order recorded."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []
        self._lock = threading.Lock()

    def record(self, event: AuditEvent) -> None:
        """Append the event."""
        with self._lock:
            self.events.append(event)
