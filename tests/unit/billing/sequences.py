"""Random ledger operations for property tests, run against any ``LedgerStore``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st
from pixellift.core.billing.ledger import MAIN, AccountKind, Hold
from pixellift.core.billing.memory import MemoryAuditSink
from pixellift.core.billing.money import Money
from pixellift.core.billing.ports import LedgerStore
from pixellift.core.billing.service import LedgerService
from pixellift.core.errors import (
    HoldNotPendingError,
    IdempotencyConflictError,
    InsufficientCreditsError,
)

WS = "acme"
USERS = ("user:ana", "user:bo")
ACCOUNTS = (MAIN, *USERS)


class StepClock:
    """One second per reading."""

    def __init__(self) -> None:
        self.t = datetime(2026, 11, 26, tzinfo=UTC)

    def now(self) -> datetime:
        self.t += timedelta(seconds=1)
        return self.t


@dataclass(frozen=True)
class Op:
    """One request: ``kind`` with an account, an amount and a target (a hold's index)."""

    kind: str
    account: str
    amount: int
    target: int = 0


amounts = st.integers(min_value=1, max_value=5_000)
ops = st.one_of(
    st.builds(Op, st.just("top_up"), st.sampled_from(ACCOUNTS), amounts),
    st.builds(Op, st.just("charge"), st.sampled_from(ACCOUNTS), amounts),
    st.builds(Op, st.just("hold"), st.sampled_from(ACCOUNTS), amounts),
    st.builds(Op, st.just("post"), st.just(MAIN), amounts, st.integers(0, 5)),
    st.builds(Op, st.just("void"), st.just(MAIN), st.just(0), st.integers(0, 5)),
    st.builds(Op, st.just("retry"), st.just(MAIN), st.just(0), st.integers(0, 30)),
)


def service(store: LedgerStore) -> tuple[LedgerService, MemoryAuditSink]:
    """A ledger on ``store`` with the workspace's accounts open (one user with an allowance)."""
    audit = MemoryAuditSink()
    svc = LedgerService(store, audit, StepClock())
    svc.open_workspace(WS, "USD")
    svc.open_account(WS, USERS[0], AccountKind.USER, "USD", allowance=1_000)
    svc.open_account(WS, USERS[1], AccountKind.USER, "USD", allowance=0)
    return svc, audit


class Driver:
    """Applies operations, remembering each request so that a retry repeats it exactly."""

    def __init__(self, svc: LedgerService) -> None:
        self.svc = svc
        self.holds: list[str] = []
        self.done: list[tuple[Op, str, str | None]] = []
        self.refused = 0

    def _id(self, prefix: str) -> str:
        return f"{prefix}-{len(self.done)}"

    def apply(self, op: Op) -> bool | None:
        """Run ``op``; ``True``/``False``: created or replayed, ``None``: refused."""
        if op.kind == "retry":
            if not self.done:
                return None
            original, transfer_id, hold = self.done[op.target % len(self.done)]
            return self._run(original, transfer_id, hold)
        prefix = op.kind if op.kind != "hold" else "h"
        transfer_id = self._id(prefix)
        hold = self.holds[op.target % len(self.holds)] if self.holds else None
        result = self._run(op, transfer_id, hold)
        if result is not None:
            self.done.append((op, transfer_id, hold))
            if op.kind == "hold":
                self.holds.append(transfer_id)
        return result

    def _run(self, op: Op, transfer_id: str, hold: str | None) -> bool | None:
        svc, usd = self.svc, Money.of(op.amount, "USD")
        try:
            if op.kind == "top_up":
                return svc.top_up(WS, transfer_id, usd, to=op.account).created
            if op.kind == "charge":
                return svc.charge(WS, transfer_id, usd, account=op.account).created
            if op.kind == "hold":
                return svc.hold(WS, transfer_id, usd, account=op.account).created
            if hold is None:
                return None
            if op.kind == "post":
                return svc.post(WS, transfer_id, hold, usd).created
            return svc.void(WS, transfer_id, hold).created
        except (InsufficientCreditsError, HoldNotPendingError, IdempotencyConflictError):
            self.refused += 1
            return None


def state(store: LedgerStore) -> tuple[object, ...]:
    """Everything a movement can change, for comparing stores and checking retries."""
    accounts = tuple(
        (a.account_id, a.posted, a.pending_out, a.pending_in, a.allowance)
        for a in store.accounts(WS)
    )
    holds = tuple((h.hold_id, h.remaining, h.posted, h.status) for h in store.holds(WS))
    transfers = tuple((t.transfer_id, t.amount, t.from_hold) for t in store.transfers(WS))
    return accounts, holds, transfers


def pending_holds(store: LedgerStore) -> list[Hold]:
    """Holds still open."""
    return [h for h in store.holds(WS) if h.status == "pending"]
