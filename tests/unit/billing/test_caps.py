"""CapGuard: periods in the workspace's time zone (DST included), thresholds, hard stops."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pixellift.core.billing.caps import Approval, Cap, Period, check, window
from pixellift.core.billing.guard import CapGuard
from pixellift.core.billing.memory import MemoryAuditSink, MemoryLedgerStore, MemorySettingsStore
from pixellift.core.billing.money import Money
from pixellift.core.billing.shield import Outcome, ShieldPolicy, plan
from pixellift.core.errors import CapReachedError
from pydantic import ValidationError

from tests.unit.billing.sequences import WS, service

pytestmark = pytest.mark.unit


def cap(period: str = "daily", limit: int = 1000, **extra: object) -> Cap:
    return Cap.model_validate(
        {"scope": "workspace", "period": period, "limit_minor": limit, "currency": "USD"} | extra
    )


@pytest.mark.parametrize(
    ("at", "zone", "period", "start", "hours"),
    [
        # Berlin leaves summer time on 25 Oct 2026: that day has 25 hours
        ("2026-10-25T12:00:00+00:00", "Europe/Berlin", "daily", "2026-10-24T22:00:00+00:00", 25),
        # New York enters summer time on 8 Mar 2026: 23 hours
        ("2026-03-08T15:00:00+00:00", "America/New_York", "daily", "2026-03-08T05:00:00+00:00", 23),
        # 23:30 UTC on Sunday is already Monday in Tokyo: a new week starts there
        ("2026-11-29T23:30:00+00:00", "Asia/Tokyo", "weekly", "2026-11-29T15:00:00+00:00", 168),
        # A month that contains the DST change is one hour longer
        ("2026-10-31T22:30:00+00:00", "Europe/Berlin", "monthly", "2026-09-30T22:00:00+00:00", 745),
        ("2026-12-15T00:00:00+00:00", "UTC", "monthly", "2026-12-01T00:00:00+00:00", 744),
    ],
)
def test_periods_start_at_local_midnight(
    at: str, zone: str, period: str, start: str, hours: int
) -> None:
    # GIVEN a cap in a time zone / WHEN its period around a moment is computed
    first, end = window(cap(period, timezone=zone), datetime.fromisoformat(at))
    # THEN it starts at local midnight and lasts the local calendar's hours
    assert first.isoformat() == start
    assert (end - first).total_seconds() == hours * 3600


def test_thresholds_are_crossed_once_each() -> None:
    c = cap(limit=1000)
    crossed = [check(c, s, 100).crossed for s in range(0, 1000, 100)]
    assert [t for step in crossed for t in step] == [50, 80, 100]


def test_a_hard_cap_refuses_with_an_error_naming_it_unless_approved() -> None:
    c = cap("weekly", limit=5000)
    with pytest.raises(CapReachedError, match=r"weekly workspace cap of 50\.00 USD: 49\.00 USD"):
        check(c, 4900, 200)
    approved = check(c, 4900, 200, Approval("workspace", 100, "user:cfo", "launch week"))
    assert approved.over and approved.approved
    with pytest.raises(CapReachedError):
        check(c, 4900, 300, Approval("workspace", 100, "user:cfo", "launch week"))
    assert check(cap(limit=100, hard=False), 90, 20).over


def test_bad_caps_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Base'"):
        cap(timezone="Mars/Base")
    with pytest.raises(ValidationError, match="percentages"):
        cap(thresholds=(0, 50))


def test_the_guard_counts_charges_and_open_holds_and_audits_each_crossing() -> None:
    # GIVEN 100.00 paid in and a daily workspace cap of 10.00
    store, settings, audit = MemoryLedgerStore(), MemorySettingsStore(), MemoryAuditSink()
    svc = service(store)[0]
    svc.top_up(WS, "t-1", Money.of(10_000, "USD"))
    clock = type("C", (), {"now": lambda self: datetime(2026, 11, 26, 13, tzinfo=UTC)})()
    guard = CapGuard(settings, store, audit, clock)
    guard.set_cap(WS, cap(limit=1000, timezone="Europe/Berlin"))

    # WHEN 6.00 is charged and a hold of 3.00 opened, then 1.00 admitted and charged, then 0.50
    svc.charge(WS, "c-1", Money.of(600, "USD"))
    svc.hold(WS, "h-1", Money.of(300, "USD"))
    guard.admit(WS, Money.of(100, "USD"))
    svc.charge(WS, "c-2", Money.of(100, "USD"))
    with pytest.raises(CapReachedError, match="daily workspace cap of 10.00 USD: 10.00 USD spent"):
        guard.admit(WS, Money.of(50, "USD"))

    # THEN reaching the cap and the refusal were recorded (with the cap set before them)
    kinds = [(e.type, (e.after or {}).get("threshold")) for e in audit.events]
    assert kinds == [
        ("billing.cap_set", None),
        ("billing.cap_reached", 100),
        ("billing.cap_blocked", None),
    ]
    assert guard.caps(WS).caps[0].period is Period.DAILY


def test_the_shield_plans_the_rest_of_a_batch_against_the_room_left() -> None:
    # GIVEN a weekly hard cap of 1.00 for client ACME and 0.85 of it spent
    store, settings, audit = MemoryLedgerStore(), MemorySettingsStore(), MemoryAuditSink()
    svc = service(store)[0]
    svc.top_up(WS, "t-1", Money.of(10_000, "USD"))
    svc.charge(WS, "c-1", Money.of(85, "USD"), refs={"client": "ACME"})
    clock = type("C", (), {"now": lambda self: datetime(2026, 11, 26, 13, tzinfo=UTC)})()
    guard = CapGuard(settings, store, audit, clock)
    guard.set_cap(WS, cap("weekly", limit=100, scope="client:ACME"))
    guard.set_cap(WS, cap("weekly", limit=5000, hard=False))

    # WHEN the rest of a batch of four 5-cent items is planned with the split policy
    room = guard.room(WS, "USD", {"client": "ACME"})
    shield = plan(ShieldPolicy.SPLIT, [(f"i{n}", 5) for n in range(4)], room or 0)

    # THEN 0.15 is left: three items run, the fourth goes to a continuation batch
    assert room == 15
    assert (shield.outcome, shield.run, shield.deferred) == (
        Outcome.SPLIT,
        ("i0", "i1", "i2"),
        ("i3",),
    )
    # AND another client, under no hard cap, has no limit
    assert guard.room(WS, "USD", {"client": "OTHER"}) is None
