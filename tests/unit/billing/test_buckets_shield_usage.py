"""Client buckets (lots FIFO by expiry, burn rate), the Overrun Shield, usage rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pixellift.core.billing.buckets import Bucket, BucketService, account_of
from pixellift.core.billing.invariants import violations
from pixellift.core.billing.memory import MemoryLedgerStore, MemorySettingsStore
from pixellift.core.billing.money import Money
from pixellift.core.billing.shield import Outcome, ShieldPolicy, continuation, plan
from pixellift.core.billing.usage import period_bounds, to_csv, usage_rows
from pixellift.core.errors import InsufficientCreditsError, InvalidAmountError, InvalidBucketError

from tests.unit.billing.sequences import WS, service

pytestmark = pytest.mark.unit


def usd(minor: int) -> Money:
    return Money.of(minor, "USD")


def buckets() -> tuple[BucketService, MemoryLedgerStore]:
    store = MemoryLedgerStore()
    svc = service(store)[0]
    found = BucketService(svc, MemorySettingsStore(), "USD")
    found.create(WS, Bucket(bucket_id="eu", client_code="ACME-EU", presets=("amazon-main",)))
    return found, store


def test_spending_takes_the_first_expiring_lot_and_granted_before_purchased() -> None:
    # GIVEN three lots: purchased expiring in 2027, granted and purchased expiring in 2026
    svc, store = buckets()
    svc.fund(WS, "eu", "late", usd(500), po_number="PO-1", expires_on=date(2027, 6, 30))
    svc.fund(WS, "eu", "paid", usd(300), po_number="PO-2", expires_on=date(2026, 12, 31))
    svc.fund(WS, "eu", "gift", usd(100), expires_on=date(2026, 12, 31), kind="granted")

    # WHEN 3.50 is spent
    svc.charge(WS, "eu", "c-1", usd(350), {"batch_id": "b-1"})

    # THEN the granted lot went first, then the purchased one expiring at the same time
    status = svc.status(WS, "eu", date(2026, 11, 27))
    assert {lot.lot_id: lot.remaining for lot in status.lots} == {
        "late": 500,
        "paid": 50,
        "gift": 0,
    }
    assert status.balance == usd(550)
    charge = store.transfer(WS, "c-1")
    assert charge is not None and charge.refs["client"] == "ACME-EU"


def test_expired_lots_leave_the_bucket_once_and_cannot_be_spent() -> None:
    # GIVEN a lot that expired yesterday and one that did not
    svc, store = buckets()
    svc.fund(WS, "eu", "old", usd(200), expires_on=date(2026, 1, 1))
    svc.fund(WS, "eu", "new", usd(100))

    # WHEN expiry runs twice and 1.50 is asked for
    first = svc.expire(WS, "eu", date(2026, 11, 26))
    second = svc.expire(WS, "eu", date(2026, 11, 26))
    with pytest.raises(InsufficientCreditsError, match="account bucket:eu has 100 USD"):
        svc.charge(WS, "eu", "c-1", usd(150), {})

    # THEN the old lot's 2.00 left once, the bucket holds 1.00, and the ledger is sound
    assert [r.transfer.amount for r in first] == [200] and second == []
    assert store.account(WS, account_of("eu")).available == 100  # type: ignore[union-attr]
    assert violations(store.accounts(WS), store.holds(WS)) == []


def test_burn_rate_and_days_to_empty() -> None:
    # GIVEN 30.00 funded and 9.00 spent over the last 30 days
    svc, _ = buckets()
    svc.fund(WS, "eu", "l1", usd(3000))
    svc.charge(WS, "eu", "c-1", usd(900), {})
    # WHEN the status is read / THEN 0.30 a day leaves 70 days
    status = svc.status(WS, "eu", date(2026, 11, 26))
    assert status.burn_per_day == Decimal(30)
    assert status.days_to_empty == Decimal("70.0")


def test_unknown_buckets_and_lot_kinds_are_named() -> None:
    svc, _ = buckets()
    with pytest.raises(InvalidBucketError, match="bucket us does not exist; buckets: eu"):
        svc.fund(WS, "us", "l1", usd(1))
    with pytest.raises(InvalidBucketError, match="lot l1: kind must be granted or purchased"):
        svc.fund(WS, "eu", "l1", usd(1), kind="free")


ITEMS = [("i0", 5), ("i1", 5), ("i2", 5), ("i3", 5)]


@pytest.mark.parametrize(
    ("policy", "allowed", "grace", "outcome", "run", "grace_used"),
    [
        (ShieldPolicy.PAUSE, 20, 0, Outcome.COMPLETE, 4, 0),
        (ShieldPolicy.PAUSE, 12, 0, Outcome.PAUSED, 2, 0),
        (ShieldPolicy.SPLIT, 12, 0, Outcome.SPLIT, 2, 0),
        (ShieldPolicy.GRACE, 12, 10, Outcome.GRACE, 4, 8),
        (ShieldPolicy.GRACE, 12, 4, Outcome.PAUSED, 3, 3),
        (ShieldPolicy.SPLIT, 0, 0, Outcome.SPLIT, 0, 0),
    ],
)
def test_the_shield_stops_only_at_item_boundaries(  # noqa: PLR0917 - one table row
    policy: ShieldPolicy, allowed: int, grace: int, outcome: Outcome, run: int, grace_used: int
) -> None:
    # WHEN a batch of four 5-cent items meets a cap that allows ``allowed`` cents
    shield = plan(policy, ITEMS, allowed, grace)
    # THEN whole items run, the rest wait, and the grace used is what the overshoot took
    assert (shield.outcome, len(shield.run), shield.grace_used_minor) == (outcome, run, grace_used)
    assert shield.run + shield.deferred == tuple(i for i, _ in ITEMS)
    assert shield.notify is (outcome is not Outcome.COMPLETE)


def test_a_split_continues_in_a_batch_with_the_same_settings() -> None:
    settings = {"marketplace": "amazon", "preset": "amazon-main", "variants": ["bg-white"]}
    shield = plan(ShieldPolicy.SPLIT, ITEMS, 12)
    first = continuation("b-7", shield, settings)
    assert first is not None
    assert (first.batch_id, first.items, first.settings) == ("b-7.c1", ("i2", "i3"), settings)
    second = continuation(first.batch_id, plan(ShieldPolicy.SPLIT, ITEMS[2:], 5), settings)
    assert second is not None and second.batch_id == "b-7.c2"
    assert continuation("b-7", plan(ShieldPolicy.PAUSE, ITEMS, 12), settings) is None


def test_usage_rows_cover_the_period_in_the_workspace_time_zone() -> None:
    # GIVEN transfers a minute either side of midnight, Berlin time, on 1 November
    store = MemoryLedgerStore()
    svc = service(store)[0]
    svc.top_up(WS, "t-1", usd(1000))
    first = store.transfer(WS, "t-1")
    assert first is not None
    midnight = datetime(2026, 10, 31, 23, tzinfo=UTC)
    inside = first.model_copy(update={"transfer_id": "in", "at": midnight + timedelta(minutes=1)})
    outside = first.model_copy(update={"transfer_id": "out", "at": midnight - timedelta(minutes=1)})

    # WHEN November is exported
    start, end = period_bounds("2026-11", "Europe/Berlin")
    rows = usage_rows([inside, outside], start, end)

    # THEN only the one inside is there, with its amount as an exact decimal
    assert [(r.transfer_id, r.amount) for r in rows] == [("in", Decimal("10.00"))]
    parsed = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert parsed[0]["amount"] == "10.00" and parsed[0]["kind"] == "top_up"
    with pytest.raises(InvalidAmountError, match="use YYYY-MM"):
        period_bounds("November")
