"""The DynamoDB ledger on moto: the same answers as the reference store, and no overdraft
under concurrent writers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from pixellift.adapters.aws.billing_groups import GroupCommitLedgerStore
from pixellift.adapters.aws.billing_models import BillingRow, billing_rows
from pixellift.adapters.aws.billing_moto import serializable_transactions
from pixellift.adapters.aws.billing_store import DynamoLedgerStore
from pixellift.core.billing.invariants import violations
from pixellift.core.billing.ledger import MAIN, Transfer, TransferKind, movement
from pixellift.core.billing.memory import MemoryLedgerStore
from pixellift.core.billing.money import Money
from pixellift.core.errors import InsufficientCreditsError

from tests.unit.billing.sequences import WS, Driver, Op, StepClock, ops, service, state


@pytest.fixture
def rows() -> Iterator[type[BillingRow]]:
    """A fresh ledger table in moto, with serializable transactions."""
    with mock_aws(), serializable_transactions():
        model = billing_rows(f"ledger-{uuid4().hex[:8]}", "us-east-1")
        model.create_table(wait=True)
        yield model


@pytest.mark.slow
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(ops, min_size=1, max_size=20))
def test_dynamodb_and_reference_ledgers_agree(rows: type[BillingRow], sequence: list[Op]) -> None:
    # GIVEN the reference store and the DynamoDB store, each with a fresh workspace
    workspace_rows = rows
    for row in workspace_rows.query(WS):
        row.delete()
    reference, dynamo = MemoryLedgerStore(), DynamoLedgerStore(workspace_rows)
    drivers = [Driver(service(reference)[0]), Driver(service(dynamo)[0])]

    for op in sequence:
        # WHEN both apply the same operation
        outcomes = [d.apply(op) for d in drivers]
        # THEN they answer alike and hold the same state, which is sound
        assert outcomes[0] == outcomes[1], op
        assert state(reference) == state(dynamo)
    assert violations(dynamo.accounts(WS), dynamo.holds(WS)) == []


@pytest.mark.parametrize("grouped", [True, False], ids=["group-commit", "one-per-transaction"])
def test_four_writers_debiting_one_account_never_overdraw_it(
    rows: type[BillingRow], grouped: bool
) -> None:
    # GIVEN 3.00 prepaid and four threads each trying to debit 50 × 2 cents (4.00 in all)
    dynamo = DynamoLedgerStore(rows)
    store = GroupCommitLedgerStore(dynamo) if grouped else dynamo
    svc = service(store)[0]
    svc.top_up(WS, "t-0", Money.of(300, "USD"))
    accepted: list[str] = []
    refused: list[str] = []

    def writer(worker: int) -> None:
        for i in range(50):
            transfer_id = f"c-{worker}-{i}"
            try:
                svc.charge(WS, transfer_id, Money.of(2, "USD"))
                accepted.append(transfer_id)
            except InsufficientCreditsError:
                refused.append(transfer_id)

    # WHEN they run at once
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # THEN exactly 150 debits went through, the balance is zero, never negative, and sound
    main = store.account(WS, MAIN)
    assert main is not None
    assert (len(accepted), len(refused), main.posted) == (150, 50, 0)
    charges = {t.transfer_id for t in store.transfers(WS) if t.kind is TransferKind.CHARGE}
    assert charges == set(accepted)
    assert violations(store.accounts(WS), store.holds(WS)) == []


def test_a_group_with_a_known_id_applies_nothing(rows: type[BillingRow]) -> None:
    # GIVEN a store with 1.00 paid in and one charge made
    store = DynamoLedgerStore(rows)
    svc = service(store)[0]
    svc.top_up(WS, "t-0", Money.of(100, "USD"))
    svc.charge(WS, "c-1", Money.of(10, "USD"))
    before = state(store)
    clock = StepClock()

    def charge(transfer_id: str) -> Transfer:
        return Transfer(
            workspace_id=WS, transfer_id=transfer_id, kind=TransferKind.CHARGE,
            debit_account=MAIN, credit_account="revenue", amount=10, currency="USD",
            at=clock.now(),
        )  # fmt: skip

    # WHEN a group repeats it with a new one / THEN the transaction is cancelled whole
    assert not store.commit_many([movement(charge("c-2")), movement(charge("c-1"))])
    assert state(store) == before
    # AND a group of new ones goes through with one update per account
    assert store.commit_many([movement(charge("c-2")), movement(charge("c-3"))])
    assert store.account(WS, MAIN).posted == 70  # type: ignore[union-attr]


def test_a_failed_condition_rolls_back_every_item(rows: type[BillingRow]) -> None:
    # GIVEN 1.00 paid in
    store = DynamoLedgerStore(rows)
    svc = service(store)[0]
    svc.top_up(WS, "t-0", Money.of(100, "USD"))
    before = state(store)

    # WHEN a hold of 2.00 is asked for / THEN it is refused and nothing was written
    with pytest.raises(InsufficientCreditsError, match="account main has 100 USD available"):
        svc.hold(WS, "h-1", Money.of(200, "USD"))
    assert state(store) == before
    assert store.transfer(WS, "h-1") is None and store.hold(WS, "h-1") is None


def test_an_allowance_changed_on_dynamodb_moves_the_limit(rows: type[BillingRow]) -> None:
    # GIVEN a prepaid account with nothing in it
    store = DynamoLedgerStore(rows)
    svc = service(store)[0]
    with pytest.raises(InsufficientCreditsError):
        svc.charge(WS, "c-1", Money.of(1, "USD"))

    # WHEN a grace allowance of 0.50 is set / THEN it may go 0.50 below zero and no further
    assert store.set_allowance(WS, MAIN, 50).headroom == 50
    svc.charge(WS, "c-2", Money.of(50, "USD"))
    with pytest.raises(InsufficientCreditsError, match="has 0 USD available"):
        svc.charge(WS, "c-3", Money.of(1, "USD"))
    # AND without a limit it may go on
    store.set_allowance(WS, MAIN, None)
    svc.charge(WS, "c-4", Money.of(1, "USD"))
    main = store.account(WS, MAIN)
    assert main is not None and (main.posted, main.allowance) == (-51, None)
    assert violations(store.accounts(WS), store.holds(WS)) == []
