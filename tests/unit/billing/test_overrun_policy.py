"""The Overrun Shield's per-workspace policy: validation, storage, the grace allowance, planning."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pixellift.core.billing.ledger import MAIN
from pixellift.core.billing.memory import MemoryLedgerStore, MemorySettingsStore
from pixellift.core.billing.money import Money
from pixellift.core.billing.shield import (
    OVERRUN_DOCUMENT,
    Outcome,
    OverrunPolicy,
    ShieldPolicy,
    allowed,
    plan,
    set_policy,
)
from pixellift.core.errors import InsufficientCreditsError, InvalidCapError
from pydantic import ValidationError

from tests.unit.billing.sequences import WS, service

pytestmark = pytest.mark.unit

AT = datetime(2026, 11, 26, tzinfo=UTC)
ITEMS = [("i0", 5), ("i1", 5), ("i2", 5), ("i3", 5)]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"policy": "grace"}, "needs a grace allowance"),
        ({"policy": "pause", "grace_minor": 5}, "only applies to the grace policy"),
        ({"policy": "stop"}, "policy"),
        ({"policy": "grace", "grace_minor": -1}, "greater than or equal to 0"),
    ],
)
def test_a_policy_that_does_not_make_sense_is_refused(
    fields: dict[str, object], problem: str
) -> None:
    # GIVEN / WHEN / THEN the policy names what is wrong
    with pytest.raises(ValidationError, match=problem):
        OverrunPolicy.model_validate(fields)


def test_a_stored_policy_that_does_not_validate_is_an_error_naming_it() -> None:
    with pytest.raises(InvalidCapError, match="stored overrun policy does not validate"):
        OverrunPolicy.parse('{"policy": "grace"}')


@pytest.mark.parametrize(
    ("balance", "caps", "expected"),
    [(20, None, 20), (None, 7, 7), (20, 7, 7), (3, 7, 3), (-4, 7, 0), (None, None, None)],
)
def test_what_a_batch_may_spend_is_the_tighter_of_balance_and_caps(
    balance: int | None, caps: int | None, expected: int | None
) -> None:
    assert allowed(balance, caps) == expected


@pytest.mark.parametrize(
    ("policy", "grace", "outcome", "run", "used"),
    [
        (ShieldPolicy.SPLIT, 0, Outcome.SPLIT, 2, 0),
        (ShieldPolicy.PAUSE, 0, Outcome.PAUSED, 2, 0),
        (ShieldPolicy.GRACE, 10, Outcome.GRACE, 4, 10),
        (ShieldPolicy.GRACE, 7, Outcome.PAUSED, 3, 5),
    ],
)
def test_funded_for_two_of_four_items_each_policy_stops_at_an_item_boundary(
    policy: ShieldPolicy, grace: int, outcome: Outcome, run: int, used: int
) -> None:
    # GIVEN four items of 5 and room for 10
    # WHEN the policy plans them
    shield = plan(policy, ITEMS, 10, grace)
    # THEN whole items run, the rest wait in order, and the grace used is what passed the room
    assert (shield.outcome, len(shield.run), shield.grace_used_minor) == (outcome, run, used)
    assert shield.run + shield.deferred == tuple(i for i, _ in ITEMS)


def test_the_grace_policy_puts_its_allowance_on_the_main_account_and_replaces_it() -> None:
    # GIVEN a prepaid workspace (allowance 0) with 0.10
    store, settings = MemoryLedgerStore(), MemorySettingsStore()
    ledger, audit = service(store)
    ledger.top_up(WS, "t-1", Money.of(10, "USD"))
    # WHEN the grace policy (0.10) is set, then replaced by a grace of 0.04, then by pause

    def set_(policy: OverrunPolicy) -> OverrunPolicy | None:
        return set_policy(settings, ledger, audit, WS, policy, at=AT, actor="user:ana")

    first = set_(OverrunPolicy(policy=ShieldPolicy.GRACE, grace_minor=10))
    after_first = ledger.account(WS, MAIN).allowance
    set_(OverrunPolicy(policy=ShieldPolicy.GRACE, grace_minor=4))
    after_second = ledger.account(WS, MAIN).allowance
    replaced = set_(OverrunPolicy(policy=ShieldPolicy.PAUSE))
    # THEN the allowance follows the grace, and the stored policy is the last one
    assert first is None and replaced == OverrunPolicy(policy=ShieldPolicy.GRACE, grace_minor=4)
    assert (after_first, after_second, ledger.account(WS, MAIN).allowance) == (10, 4, 0)
    assert OverrunPolicy.parse(settings.get(WS, OVERRUN_DOCUMENT)) == OverrunPolicy(
        policy=ShieldPolicy.PAUSE
    )
    changes = [e for e in audit.events if e.type == "billing.cap_set"]
    assert [e.subject["cap"] for e in changes] == ["overrun policy"] * 3
    assert changes[0].before is None and changes[2].after == {"policy": "pause", "grace_minor": 0}
    # AND without the grace, the account cannot go below zero again
    with pytest.raises(InsufficientCreditsError):
        ledger.charge(WS, "c-1", Money.of(11, "USD"))


def test_a_post_paid_workspace_keeps_its_unlimited_allowance() -> None:
    store, settings = MemoryLedgerStore(), MemorySettingsStore()
    ledger, audit = service(store)
    store.set_allowance(WS, MAIN, None)
    set_policy(
        settings,
        ledger,
        audit,
        WS,
        OverrunPolicy(policy=ShieldPolicy.GRACE, grace_minor=10),
        at=AT,
        actor="user:ana",
    )
    assert ledger.account(WS, MAIN).allowance is None
