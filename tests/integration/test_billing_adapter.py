"""The ``Billing`` port on the DynamoDB ledger: prices, batch holds, idempotent debits, audit."""

from __future__ import annotations

import pytest
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.ledger import DynamoLedgerBilling
from pixellift.core.billing.invariants import violations
from pixellift.core.billing.ledger import MAIN, REVENUE, HoldStatus
from pixellift.core.billing.memory import MemoryAuditSink
from pixellift.core.billing.money import Money
from pixellift.core.contracts.records import ChargeRequest
from pixellift.core.errors import InsufficientCreditsError

from tests.unit.billing.sequences import StepClock


def request(item: str, batch: str = "b-1") -> ChargeRequest:
    return ChargeRequest(
        workspace_id="acme",
        idempotency_key=f"charge:acme:{batch}-{item}",
        batch_id=batch,
        item_id=item,
        description=f"{item}: processed",
    )


def test_items_post_against_the_batch_hold_and_the_rest_is_released(tables: Tables) -> None:
    # GIVEN a prepaid workspace (no allowance) with 1.00 paid in, priced by the price table
    audit = MemoryAuditSink()
    billing = DynamoLedgerBilling(
        tables, currency="USD", clock=StepClock(), audit=audit, allowance_minor=0
    )
    billing.open_workspace("acme")
    billing.ledger.top_up("acme", "t-1", Money.of(100, "USD"))

    # WHEN a batch of 4 items reserves its cost, 3 items are charged (one twice), and it ends
    held = billing.reserve("acme", "b-1", 4)
    charges = [billing.debit(request(i)) for i in ("i0", "i1", "i2", "i1")]
    released = billing.release("acme", "b-1")

    # THEN 4 × 0.05 was held, 3 × 0.05 charged once each, 0.05 released, 0.85 left
    assert held == Money.of(20, "USD") and released == Money.of(5, "USD")
    assert [c.amount_minor for c in charges] == [5, 5, 5, 5]
    assert [c.created for c in charges] == [True, True, True, False]
    store = billing.ledger.store
    main = store.account("acme", MAIN)
    assert main is not None and (main.posted, main.pending_out) == (85, 0)
    assert store.account("acme", REVENUE).posted == 15  # type: ignore[union-attr]
    assert store.hold("acme", "hold:b-1").status is HoldStatus.POSTED  # type: ignore[union-attr]
    assert violations(store.accounts("acme"), store.holds("acme")) == []
    # AND every movement was audited once
    assert [e.type for e in audit.events] == [
        "billing.credits_purchased",
        "billing.hold_placed",
        "billing.transfer_posted",
        "billing.transfer_posted",
        "billing.transfer_posted",
        "billing.transfer_voided",
    ]
    assert audit.events[2].subject["batch_id"] == "b-1"
    # AND a retry after the batch closed still returns the first charge
    assert not billing.debit(request("i0")).created
    assert sorted(c.item_id for c in billing.entries("acme")) == ["i0", "i1", "i2"]


def test_a_batch_the_balance_does_not_cover_is_refused(tables: Tables) -> None:
    # GIVEN 0.10 paid in
    billing = DynamoLedgerBilling(tables, currency="USD", clock=StepClock(), allowance_minor=0)
    billing.open_workspace("acme")
    billing.ledger.top_up("acme", "t-1", Money.of(10, "USD"))

    # WHEN a batch of 3 items (0.15) asks for its hold / THEN it is refused and nothing held
    with pytest.raises(InsufficientCreditsError, match="has 10 USD available"):
        billing.reserve("acme", "b-9", 3)
    assert billing.ledger.store.hold("acme", "hold:b-9") is None
    # AND a lone item beyond the balance is refused too
    billing.debit(request("i0", "b-8"))
    billing.debit(request("i1", "b-8"))
    with pytest.raises(InsufficientCreditsError):
        billing.debit(request("i2", "b-8"))


def test_without_an_allowance_setting_the_workspace_is_post_paid(tables: Tables) -> None:
    # GIVEN the default (no limit) and a flat price of 7 cents in euros
    billing = DynamoLedgerBilling(tables, price_minor=7, currency="EUR", clock=StepClock())
    # WHEN an item is charged with nothing paid in / THEN the balance goes negative
    assert billing.debit(request("i0")).amount_minor == 7
    assert billing.ledger.store.account("acme", MAIN).posted == -7  # type: ignore[union-attr]
