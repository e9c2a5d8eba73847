"""Property tests: random sequences of top-ups, charges, holds, posts, voids and retries."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pixellift.core.billing.invariants import violations
from pixellift.core.billing.ledger import MAIN
from pixellift.core.billing.memory import MemoryLedgerStore
from pixellift.core.billing.money import Money
from pixellift.core.errors import InsufficientCreditsError

from tests.unit.billing.sequences import WS, Driver, Op, ops, service, state

pytestmark = pytest.mark.unit


@settings(max_examples=150, deadline=None)
@given(st.lists(ops, min_size=1, max_size=40))
def test_the_ledger_stays_sound_after_every_operation(sequence: list[Op]) -> None:
    # GIVEN a workspace whose accounts are open, one user with an allowance of 1,000
    store = MemoryLedgerStore()
    svc, audit = service(store)
    driver = Driver(svc)

    for op in sequence:
        before = state(store)
        # WHEN one operation runs
        outcome = driver.apply(op)
        # THEN the ledger sums to zero, holds match reservations, nothing is below its allowance
        assert violations(store.accounts(WS), store.holds(WS)) == []
        # AND a refused or repeated request changed nothing
        if outcome is not True:
            assert state(store) == before

    # AND one audit event was recorded per transfer created, never for a replay
    assert len(audit.events) == len(list(store.transfers(WS)))


@settings(max_examples=100, deadline=None)
@given(st.lists(ops, min_size=1, max_size=30))
def test_replaying_every_request_changes_nothing(sequence: list[Op]) -> None:
    # GIVEN a ledger after a random sequence
    store = MemoryLedgerStore()
    driver = Driver(service(store)[0])
    for op in sequence:
        driver.apply(op)
    after = state(store)

    # WHEN every successful request is sent again, in order
    outcomes = [driver.apply(Op("retry", MAIN, 0, i)) for i in range(len(driver.done))]

    # THEN each returns the stored transfer (not created) and the ledger is unchanged
    assert all(o is False for o in outcomes)
    assert state(store) == after


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=0, max_value=2_000),
    st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=40),
)
def test_concurrent_debits_never_overdraw(balance: int, debits: list[int]) -> None:
    # GIVEN a prepaid balance and debits racing from four threads
    store = MemoryLedgerStore()
    svc = service(store)[0]
    if balance:
        svc.top_up(WS, "t-0", Money.of(balance, "USD"))
    refused: list[int] = []

    def debit(worker: int) -> None:
        for i, amount in enumerate(debits[worker::4]):
            try:
                svc.charge(WS, f"c-{worker}-{i}", Money.of(amount, "USD"))
            except InsufficientCreditsError:
                refused.append(amount)

    threads = [threading.Thread(target=debit, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # THEN the balance is what was paid in less what was accepted, and never below zero
    main = store.account(WS, MAIN)
    assert main is not None
    assert main.posted == balance - (sum(debits) - sum(refused)) >= 0
    assert violations(store.accounts(WS), store.holds(WS)) == []
