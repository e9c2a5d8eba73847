"""The double-entry ledger's records and the pure rules of every movement.

Each transfer moves an amount from a debit account to a credit account of the same workspace and
currency, so the posted balances of a workspace always sum to zero. A hold (a pending transfer)
reserves an amount on its debit account; posts against it take from the reservation, and one
void releases what is left and closes it. An account with an allowance may not have its available
balance (posted minus held) fall below ``-allowance``; an account without one (the outside world,
revenue) has no limit. A store applies a :class:`Movement` all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field

from pixellift.core.contracts.records import Id
from pixellift.core.errors import (
    CurrencyMismatchError,
    HoldNotPendingError,
    InvalidAmountError,
)

FUNDING: Final = "funding"
"""The outside world: money enters the workspace from it (top-ups), so it runs negative."""
REVENUE: Final = "revenue"
"""Where charges go."""
MAIN: Final = "main"
"""The workspace's own prepaid balance."""

Minor = Annotated[int, Field(ge=0)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccountKind(StrEnum):
    """What an account holds."""

    FUNDING = "funding"
    REVENUE = "revenue"
    WORKSPACE = "workspace"
    BUCKET = "bucket"
    USER = "user"


class Account(_Record):
    """A ledger account; ``posted`` is credit-positive (a prepaid balance is positive).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> a = Account(workspace_id="acme", account_id="main", kind="workspace", currency="USD",
    ...     allowance=500, posted=1000, pending_out=300, opened_at=datetime(2026, 1, 1, tzinfo=UTC))
    >>> a.available, a.headroom
    (700, 1200)
    """

    workspace_id: Id
    account_id: Id
    kind: AccountKind
    currency: Currency
    allowance: Minor | None = 0
    """How far below zero the available balance may go; ``None``: no limit."""
    posted: int = 0
    pending_out: Minor = 0
    pending_in: Minor = 0
    opened_at: datetime
    labels: dict[str, str] = {}

    @property
    def available(self) -> int:
        """Posted balance less what holds reserve."""
        return self.posted - self.pending_out

    @property
    def headroom(self) -> int | None:
        """What may still be debited or held; ``None`` when unlimited."""
        return None if self.allowance is None else self.available + self.allowance


class TransferKind(StrEnum):
    """Why money moved."""

    TOP_UP = "top_up"
    FUND = "fund"
    CHARGE = "charge"
    HOLD = "hold"
    POST = "post"
    VOID = "void"
    ADJUST = "adjust"


class Transfer(_Record):
    """One movement; ``transfer_id`` is unique per workspace and is the idempotency key.

    For a post, ``hold_id`` names the hold and ``from_hold`` is the part its reservation covered;
    for a void, ``amount`` is what was released.
    """

    workspace_id: Id
    transfer_id: Id
    kind: TransferKind
    debit_account: Id
    credit_account: Id
    amount: Minor
    currency: Currency
    hold_id: Id | None = None
    from_hold: Minor = 0
    at: datetime
    memo: str = ""
    refs: dict[str, str] = {}


class HoldStatus(StrEnum):
    """A hold is pending until closed: posted (something was charged) or voided (nothing was)."""

    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


class Hold(_Record):
    """A reservation on ``debit_account`` that posts draw from until it is closed."""

    workspace_id: Id
    hold_id: Id
    debit_account: Id
    credit_account: Id
    currency: Currency
    amount: Minor
    remaining: Minor
    posted: Minor = 0
    status: HoldStatus = HoldStatus.PENDING
    at: datetime
    refs: dict[str, str] = {}


@dataclass(frozen=True)
class Posting:
    """The change a movement makes to one account."""

    account_id: str
    posted: int = 0
    pending_out: int = 0
    pending_in: int = 0

    @property
    def changes(self) -> bool:
        """Whether the posting changes anything (a void of a used-up hold does not)."""
        return bool(self.posted or self.pending_out or self.pending_in)

    @property
    def available(self) -> int:
        """Change of the available balance (negative: it needs headroom)."""
        return self.posted - self.pending_out


@dataclass(frozen=True)
class Movement:
    """A transfer with its postings and the hold it creates or changes, applied atomically.

    ``hold_before`` is the hold as the movement was computed from it: a store applies the
    movement only if the stored hold is still that one (another post got there first otherwise).
    """

    transfer: Transfer
    postings: tuple[Posting, Posting]
    hold_before: Hold | None = None
    hold_after: Hold | None = None


def _check(transfer: Transfer) -> None:
    if transfer.debit_account == transfer.credit_account:
        msg = f"transfer {transfer.transfer_id}: debits and credits {transfer.debit_account}"
        raise InvalidAmountError(msg)
    if transfer.amount == 0 and transfer.kind is not TransferKind.VOID:
        msg = f"transfer {transfer.transfer_id}: amount must be positive"
        raise InvalidAmountError(msg)


def _pending(hold: Hold | None, transfer: Transfer) -> Hold:
    if hold is None or hold.status is not HoldStatus.PENDING:
        state = "does not exist" if hold is None else f"is {hold.status}"
        msg = f"transfer {transfer.transfer_id}: hold {transfer.hold_id} {state}"
        raise HoldNotPendingError(msg)
    if hold.currency != transfer.currency:
        msg = f"transfer {transfer.transfer_id}: {transfer.currency} against a {hold.currency} hold"
        raise CurrencyMismatchError(msg)
    return hold


def movement(transfer: Transfer, hold: Hold | None = None) -> Movement:
    """The postings of ``transfer`` (and, for posts and voids, of its ``hold``).

    Raises
    ------
    InvalidAmountError
        A zero amount or one account on both sides.
    HoldNotPendingError
        A post or void of a hold that is missing or closed.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> t = Transfer(workspace_id="acme", transfer_id="h-1", kind="hold", debit_account="main",
    ...     credit_account="revenue", amount=300, currency="USD",
    ...     at=datetime(2026, 1, 1, tzinfo=UTC))
    >>> m = movement(t)
    >>> m.postings[0], m.hold_after.remaining
    (Posting(account_id='main', posted=0, pending_out=300, pending_in=0), 300)
    """
    _check(transfer)
    debit, credit, a = transfer.debit_account, transfer.credit_account, transfer.amount
    if transfer.kind is TransferKind.HOLD:
        created = Hold(
            workspace_id=transfer.workspace_id,
            hold_id=transfer.transfer_id,
            debit_account=debit,
            credit_account=credit,
            currency=transfer.currency,
            amount=a,
            remaining=a,
            at=transfer.at,
            refs=transfer.refs,
        )
        return Movement(
            transfer, (Posting(debit, pending_out=a), Posting(credit, pending_in=a)), None, created
        )
    if transfer.kind is TransferKind.POST:
        held = _pending(hold, transfer)
        taken = min(a, held.remaining)
        posted = transfer.model_copy(
            update={
                "from_hold": taken,
                "debit_account": held.debit_account,
                "credit_account": held.credit_account,
            }
        )
        after = held.model_copy(
            update={"remaining": held.remaining - taken, "posted": held.posted + a}
        )
        postings = (
            Posting(held.debit_account, posted=-a, pending_out=-taken),
            Posting(held.credit_account, posted=a, pending_in=-taken),
        )
        return Movement(posted, postings, held, after)
    if transfer.kind is TransferKind.VOID:
        held = _pending(hold, transfer)
        r = held.remaining
        voided = transfer.model_copy(
            update={
                "amount": r,
                "debit_account": held.debit_account,
                "credit_account": held.credit_account,
            }
        )
        status = HoldStatus.POSTED if held.posted else HoldStatus.VOIDED
        after = held.model_copy(update={"remaining": 0, "status": status})
        postings = (
            Posting(held.debit_account, pending_out=-r),
            Posting(held.credit_account, pending_in=-r),
        )
        return Movement(voided, postings, held, after)
    return Movement(transfer, (Posting(debit, posted=-a), Posting(credit, posted=a)))


def same_request(stored: Transfer, asked: Transfer) -> bool:
    """Whether a stored transfer answers a retried request (ids match; amounts a void sets differ).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> t = Transfer(workspace_id="w", transfer_id="t", kind="top_up", debit_account="funding",
    ...     credit_account="main", amount=5, currency="USD", at=datetime(2026, 1, 1, tzinfo=UTC))
    >>> same_request(t, t.model_copy(update={"at": datetime(2026, 2, 1, tzinfo=UTC)}))
    True
    >>> same_request(t, t.model_copy(update={"amount": 6}))
    False
    """
    fields: tuple[str, ...] = ("kind", "currency", "hold_id")
    if stored.kind not in {TransferKind.VOID, TransferKind.POST}:
        fields = (*fields, "debit_account", "credit_account")
    if stored.kind is not TransferKind.VOID:
        fields = (*fields, "amount")
    return all(getattr(stored, f) == getattr(asked, f) for f in fields)
