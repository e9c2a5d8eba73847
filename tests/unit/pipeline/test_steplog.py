from __future__ import annotations

import json

import pytest
from pixellift.core.pipeline.steplog import StepLog


class StepClock:
    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def monotonic(self) -> float:
        self.now += self.step
        return self.now


def test_step_log_times_each_step_with_the_injected_clock() -> None:
    # GIVEN a clock that advances 0.25 s per reading
    log = StepLog("x.jpg", StepClock(0.25))
    # WHEN two steps run
    with log.step("decode"):
        pass
    with log.step("encode", {"format": "JPEG"}) as rec:
        rec.results["bytes"] = 10
    # THEN
    assert log.seconds_by_step() == {"decode": 0.25, "encode": 0.25}
    assert log.total_seconds == pytest.approx(0.5)
    assert json.loads(json.dumps(log.to_dict()))["steps"][1]["results"] == {"bytes": 10}


def test_step_log_records_a_failed_step_before_the_error_propagates() -> None:
    log = StepLog("x.jpg", StepClock(1.0))
    with pytest.raises(RuntimeError, match="boom"), log.step("segment"):
        raise RuntimeError("boom")
    assert [s.name for s in log.steps] == ["segment"]


def test_step_log_flags_are_deduplicated() -> None:
    log = StepLog("x.jpg", StepClock(1.0))
    log.flag("small")
    log.flag("small")
    assert log.to_dict()["flags"] == ["small"]
