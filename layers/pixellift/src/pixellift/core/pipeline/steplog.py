"""The step log: what each Auto-Fix step did to one image, with timings, confidences and deltas."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pixellift.core.ports import Clock

JsonValue = Any  # values are JSON-serialisable scalars, lists or mappings


@dataclass
class StepRecord:
    """One step of the pipeline for one image."""

    name: str
    seconds: float = 0.0
    params: dict[str, JsonValue] = field(default_factory=dict)
    results: dict[str, JsonValue] = field(default_factory=dict)

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-ready form."""
        return {
            "step": self.name,
            "seconds": round(self.seconds, 4),
            "params": self.params,
            "results": self.results,
        }


@dataclass
class StepLog:
    """Ordered step records for one image, timed with an injected clock.

    Examples
    --------
    >>> class Tick:
    ...     t = 0.0
    ...     def monotonic(self) -> float:
    ...         self.t += 0.5
    ...         return self.t
    >>> log = StepLog(source="a.jpg", clock=Tick())
    >>> with log.step("decode", {"max_pixels": 10}) as rec:
    ...     rec.results["rows"] = 4
    >>> log.to_dict()["steps"][0]
    {'step': 'decode', 'seconds': 0.5, 'params': {'max_pixels': 10}, 'results': {'rows': 4}}
    """

    source: str
    clock: Clock
    steps: list[StepRecord] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @contextmanager
    def step(
        self, name: str, params: Mapping[str, JsonValue] | None = None
    ) -> Iterator[StepRecord]:
        """Time a step; the yielded record collects its results."""
        record = StepRecord(name=name, params=dict(params or {}))
        start = self.clock.monotonic()
        try:
            yield record
        finally:
            record.seconds = self.clock.monotonic() - start
            self.steps.append(record)

    def flag(self, message: str) -> None:
        """Record something a reviewer should see (e.g. an upscale beyond the cap)."""
        if message not in self.flags:
            self.flags.append(message)

    @property
    def total_seconds(self) -> float:
        """Sum of the step timings."""
        return sum(s.seconds for s in self.steps)

    def seconds_by_step(self) -> dict[str, float]:
        """Step name to seconds."""
        return {s.name: s.seconds for s in self.steps}

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-ready form of the whole log."""
        return {
            "source": self.source,
            "total_seconds": round(self.total_seconds, 4),
            "flags": list(self.flags),
            "steps": [s.to_dict() for s in self.steps],
        }
