"""Ports of the billing core: where the ledger and the billing settings are kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from pixellift.core.billing.ledger import Account, Hold, Movement, Transfer
from pixellift.core.billing.money import Money


class LedgerStore(Protocol):
    """Accounts, transfers and holds of every workspace, changed only by atomic movements.

    Raises
    ------
    InsufficientCreditsError
        A movement that takes a limited account below its allowance (nothing is changed).
    AccountNotFoundError
        A movement naming an account that was never opened.
    CurrencyMismatchError
        A movement in another currency than one of its accounts.
    ConcurrentUpdateError
        The hold a post or void was computed from has changed since (recompute and retry).
    """

    def open(self, account: Account) -> bool:
        """Open an account; ``False`` if it exists already (nothing is changed)."""
        ...

    def account(self, workspace_id: str, account_id: str) -> Account | None:
        """One account, or ``None``."""
        ...

    def accounts(self, workspace_id: str) -> list[Account]:
        """Every account of the workspace, by id."""
        ...

    def set_allowance(self, workspace_id: str, account_id: str, allowance: int | None) -> Account:
        """Change how far below zero an account may go (``None``: no limit)."""
        ...

    def commit(self, movement: Movement) -> bool:
        """Apply the movement all or nothing; ``False`` if its transfer id exists already."""
        ...

    def transfer(self, workspace_id: str, transfer_id: str) -> Transfer | None:
        """One transfer, or ``None``."""
        ...

    def transfers(self, workspace_id: str) -> Iterator[Transfer]:
        """Every transfer of the workspace, by id."""
        ...

    def hold(self, workspace_id: str, hold_id: str) -> Hold | None:
        """One hold, or ``None``."""
        ...

    def holds(self, workspace_id: str) -> list[Hold]:
        """Every hold of the workspace, by id."""
        ...


class SettingsStore(Protocol):
    """Small JSON documents per workspace: spend caps, client buckets, price-plan choice."""

    def get(self, workspace_id: str, name: str) -> str | None:
        """The document, or ``None``."""
        ...

    def put(self, workspace_id: str, name: str, document: str) -> None:
        """Store (replace) the document."""
        ...


@runtime_checkable
class BatchHolds(Protocol):
    """A billing that reserves a batch's estimate at its start and releases the rest at its end."""

    def reserve(
        self,
        workspace_id: str,
        batch_id: str,
        items: int,
        preset: str | None = None,
        queue: str | None = None,
    ) -> Money:
        """Hold the cost of ``items`` items once per batch; return what is held.

        A client bucket bound to the batch's ``queue`` or ``preset`` holds it, else the main
        account.

        Raises
        ------
        InsufficientCreditsError
            The balance does not cover it: the batch must not start.
        CapReachedError
            A hard spend cap would be passed.
        """
        ...

    def release(self, workspace_id: str, batch_id: str) -> Money | None:
        """Void what the batch's hold still reserves; ``None`` when it had none."""
        ...
