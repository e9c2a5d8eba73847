"""Ledger rules: holds resolve at most once, limits hold, ids are idempotency keys, audit."""

from __future__ import annotations

import pytest
from pixellift.core.billing.invariants import violations
from pixellift.core.billing.ledger import (
    MAIN,
    REVENUE,
    AccountKind,
    HoldStatus,
    Movement,
    TransferKind,
)
from pixellift.core.billing.memory import MemoryAuditSink, MemoryLedgerStore
from pixellift.core.billing.money import Money
from pixellift.core.billing.service import LedgerService
from pixellift.core.errors import (
    AccountNotFoundError,
    ConcurrentUpdateError,
    CurrencyMismatchError,
    HoldNotPendingError,
    IdempotencyConflictError,
    InsufficientCreditsError,
    InvalidAmountError,
    LedgerContentionError,
)

from tests.unit.billing.sequences import WS, StepClock, service

pytestmark = pytest.mark.unit


def usd(minor: int) -> Money:
    return Money.of(minor, "USD")


def test_a_hold_is_posted_in_parts_and_the_rest_voided_once() -> None:
    # GIVEN 10.00 paid in and a hold of 6.00
    store = MemoryLedgerStore()
    svc, audit = service(store)
    svc.top_up(WS, "t-1", usd(1000))
    svc.hold(WS, "h-1", usd(600))
    assert store.account(WS, MAIN).available == 400  # type: ignore[union-attr]

    # WHEN two items post 2.50 each and the batch ends
    svc.post(WS, "p-1", "h-1", usd(250))
    svc.post(WS, "p-2", "h-1", usd(250))
    void = svc.void(WS, "v-1", "h-1")

    # THEN 1.00 was released, 5.00 charged, and the hold is closed as posted
    main = store.account(WS, MAIN)
    assert void.transfer.amount == 100
    assert main is not None and (main.posted, main.pending_out) == (500, 0)
    assert store.account(WS, REVENUE).posted == 500  # type: ignore[union-attr]
    assert store.hold(WS, "h-1").status is HoldStatus.POSTED  # type: ignore[union-attr]
    # AND a second void or a later post is refused; the same void again is a replay
    with pytest.raises(HoldNotPendingError, match="hold h-1 is posted"):
        svc.void(WS, "v-2", "h-1")
    with pytest.raises(HoldNotPendingError, match="hold h-1 is posted"):
        svc.post(WS, "p-3", "h-1", usd(1))
    assert not svc.void(WS, "v-1", "h-1").created
    assert [e.type for e in audit.events] == [
        "billing.credits_purchased",
        "billing.hold_placed",
        "billing.transfer_posted",
        "billing.transfer_posted",
        "billing.transfer_voided",
    ]
    assert violations(store.accounts(WS), store.holds(WS)) == []


def test_a_post_beyond_the_hold_needs_headroom_for_the_excess() -> None:
    # GIVEN 3.00 paid in, all of it held
    store = MemoryLedgerStore()
    svc = service(store)[0]
    svc.top_up(WS, "t-1", usd(300))
    svc.hold(WS, "h-1", usd(300))

    # WHEN an item costs more than the hold covers / THEN the excess is refused
    with pytest.raises(InsufficientCreditsError, match="account main has 0 USD available"):
        svc.post(WS, "p-1", "h-1", usd(301))
    # AND the whole post fits
    assert svc.post(WS, "p-2", "h-1", usd(300)).transfer.from_hold == 300


def test_a_voided_hold_with_nothing_posted_is_voided() -> None:
    store = MemoryLedgerStore()
    svc = service(store)[0]
    svc.top_up(WS, "t-1", usd(300))
    svc.hold(WS, "h-1", usd(200))
    svc.void(WS, "v-1", "h-1")
    assert store.hold(WS, "h-1").status is HoldStatus.VOIDED  # type: ignore[union-attr]
    assert store.account(WS, MAIN).available == 300  # type: ignore[union-attr]


def test_an_allowance_lets_an_account_go_that_far_below_zero_and_no_further() -> None:
    # GIVEN user:ana with an allowance of 10.00 and nothing paid in
    store = MemoryLedgerStore()
    svc = service(store)[0]

    # WHEN she is charged 10.00, then one cent more
    svc.charge(WS, "c-1", usd(1000), account="user:ana")
    with pytest.raises(InsufficientCreditsError, match=r"user:ana has 0 USD"):
        svc.charge(WS, "c-2", usd(1), account="user:ana")

    # THEN her balance is -10.00 and the ledger still sums to zero
    assert store.account(WS, "user:ana").posted == -1000  # type: ignore[union-attr]
    assert violations(store.accounts(WS), store.holds(WS)) == []


def test_a_transfer_id_reused_for_another_transfer_is_refused() -> None:
    store = MemoryLedgerStore()
    svc = service(store)[0]
    svc.top_up(WS, "t-1", usd(100))
    with pytest.raises(IdempotencyConflictError, match="t-1 was used for a top_up of 100 USD"):
        svc.top_up(WS, "t-1", usd(200))


def test_currencies_never_mix() -> None:
    store = MemoryLedgerStore()
    svc = service(store)[0]
    with pytest.raises(CurrencyMismatchError, match="EUR cannot move on a USD account"):
        svc.top_up(WS, "t-1", Money.of(100, "EUR"))
    with pytest.raises(CurrencyMismatchError, match="is in USD"):
        svc.open_workspace(WS, "EUR")


def test_unknown_accounts_and_empty_amounts_are_refused() -> None:
    store = MemoryLedgerStore()
    svc = service(store)[0]
    with pytest.raises(AccountNotFoundError, match="account bucket:x of workspace acme"):
        svc.charge(WS, "c-1", usd(1), account="bucket:x")
    with pytest.raises(InvalidAmountError, match="amount must be positive"):
        svc.charge(WS, "c-2", usd(0))
    with pytest.raises(HoldNotPendingError, match="hold nope does not exist"):
        svc.post(WS, "p-1", "nope", usd(1))


def test_violations_name_what_is_broken() -> None:
    # GIVEN a sound ledger, then accounts tampered with by hand
    store = MemoryLedgerStore()
    svc = service(store)[0]
    svc.top_up(WS, "t-1", usd(100))
    svc.hold(WS, "h-1", usd(50))
    accounts = {a.account_id: a for a in store.accounts(WS)}
    broken = [
        accounts[MAIN].model_copy(update={"posted": -1, "pending_out": 0}),
        *(a for k, a in accounts.items() if k != MAIN),
    ]
    # WHEN checked / THEN every broken rule is named
    found = violations(broken, store.holds(WS))
    assert "posted USD balances sum to -101, not 0" in found
    assert "account main is 1 below its allowance" in found
    assert "account main holds 0 out, its holds differ" in found
    assert "USD held out 0 but held in 50" in found


def test_accounts_open_once_per_workspace() -> None:
    store = MemoryLedgerStore()
    svc = service(store)[0]
    again = svc.open_account(WS, "user:bo", AccountKind.USER, "USD", allowance=5)
    assert again.allowance == 0  # the first opening decides
    changed = store.set_allowance(WS, "user:bo", 5)
    assert changed.headroom == 5


class RacingStore(MemoryLedgerStore):
    """Loses the race for the first ``losses`` commits."""

    def __init__(self, losses: int) -> None:
        super().__init__()
        self.losses = losses

    def commit(self, movement: Movement) -> bool:
        if movement.transfer.kind is TransferKind.POST and self.losses:
            self.losses -= 1
            msg = "hold changed meanwhile"
            raise ConcurrentUpdateError(msg)
        return super().commit(movement)


def test_a_post_that_loses_races_backs_off_and_tries_again() -> None:
    # GIVEN a hold whose first two posts lose a race, and a backoff that records its calls
    store = RacingStore(losses=2)
    pauses: list[int] = []
    svc = LedgerService(store, MemoryAuditSink(), StepClock(), pause=pauses.append)
    svc.open_workspace(WS, "USD")
    svc.top_up(WS, "t-1", usd(100))
    svc.hold(WS, "h-1", usd(50))

    # WHEN an item posts / THEN it lands on the third try, after two pauses
    assert svc.post(WS, "p-1", "h-1", usd(20)).created and pauses == [1, 2]
    # AND a post that never wins gives up with a transient error
    store.losses = 100
    with pytest.raises(LedgerContentionError, match="its hold h-1 kept changing"):
        svc.post(WS, "p-2", "h-1", usd(20))
