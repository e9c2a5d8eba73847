"""The policy-sync schedule: fired by the local runtime's clock through its state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pixellift.adapters.local.runtime import LocalRuntime
from pixellift.adapters.settings import Settings

from tests.integration.batches import wait


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


def test_schedule_fires_once_a_day_and_reports_changes_once(settings: Settings) -> None:
    # GIVEN a runtime whose clock the test controls
    clock = Clock()
    with LocalRuntime(settings, clock=clock) as runtime:
        # WHEN the schedule is checked now, again an hour later, and again a day later
        first = runtime.fire_due_schedules()
        assert first is not None
        ran = wait(runtime, first)
        clock.at += timedelta(hours=1)
        too_soon = runtime.fire_due_schedules()
        clock.at += timedelta(days=1)
        next_day = runtime.fire_due_schedules()
        assert next_day is not None
        again = wait(runtime, next_day)
        entered = runtime.states_entered(next_day)

    # THEN it fired twice: the first sync saw every rule pack as new, the next saw no change
    assert too_soon is None
    assert ran.status == again.status == "SUCCEEDED"
    assert ran.output is not None and ran.output["changed_count"] == ran.output["checked"] > 0
    assert again.output is not None and again.output["changed_count"] == 0
    assert entered == ["Sync Policies", "Any Changes?", "Policies Unchanged"]
