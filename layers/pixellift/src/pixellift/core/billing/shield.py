"""Overrun Shield: what a batch does when a cap is reached part-way, decided at item boundaries.

Walking the batch's remaining items in order with what the cap still allows, each item either
fits, or the policy decides: ``grace`` finishes the batch on a grace allowance (and pauses if
even that runs out), ``split`` closes the batch at the cap and carries the rest into a
continuation batch with the same settings, ``pause`` stops before the item and notifies. An item
is never cut in half: it runs whole or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ShieldPolicy(StrEnum):
    """What to do when the next item would pass the cap."""

    GRACE = "grace"
    SPLIT = "split"
    PAUSE = "pause"


class Outcome(StrEnum):
    """How the batch goes on."""

    COMPLETE = "complete"
    """Every item fits under the cap."""
    GRACE = "grace"
    """Every item runs; some on the grace allowance."""
    SPLIT = "split"
    """Items up to the cap run; the rest become a continuation batch."""
    PAUSED = "paused"
    """Items up to the cap run; the batch waits (for a reset or an approval) before the rest."""


@dataclass(frozen=True)
class ShieldPlan:
    """Which items run now, which wait, and how much grace is used."""

    outcome: Outcome
    run: tuple[str, ...]
    deferred: tuple[str, ...]
    grace_used_minor: int = 0

    @property
    def notify(self) -> bool:
        """Whether someone must be told (anything but a clean finish)."""
        return self.outcome is not Outcome.COMPLETE


def plan(
    policy: ShieldPolicy,
    items: Sequence[tuple[str, int]],
    allowed_minor: int,
    grace_minor: int = 0,
) -> ShieldPlan:
    """Decide, item by item, what runs under ``allowed_minor`` (what the cap still allows).

    Examples
    --------
    >>> items = [("a", 5), ("b", 5), ("c", 5)]
    >>> split = plan(ShieldPolicy.SPLIT, items, 12)
    >>> split.outcome, split.run, split.deferred
    (<Outcome.SPLIT: 'split'>, ('a', 'b'), ('c',))
    >>> plan(ShieldPolicy.GRACE, items, 12, grace_minor=5).grace_used_minor
    3
    """
    left = allowed_minor
    grace_left = grace_minor if policy is ShieldPolicy.GRACE else 0
    for index, (_, cost) in enumerate(items):
        if cost <= left:
            left -= cost
            continue
        if cost <= left + grace_left:
            grace_left -= cost - left
            left = 0
            continue
        ids = tuple(i for i, _ in items)
        outcome = Outcome.SPLIT if policy is ShieldPolicy.SPLIT else Outcome.PAUSED
        return ShieldPlan(
            outcome, ids[:index], ids[index:], grace_minor - grace_left if grace_minor else 0
        )
    used = grace_minor - grace_left if policy is ShieldPolicy.GRACE else 0
    return ShieldPlan(
        Outcome.GRACE if used else Outcome.COMPLETE, tuple(i for i, _ in items), (), used
    )


@dataclass(frozen=True)
class Continuation:
    """A continuation batch: the deferred items with the parent's settings, unchanged."""

    parent_batch_id: str
    batch_id: str
    items: tuple[str, ...]
    settings: Mapping[str, Any]


def continuation(
    parent_batch_id: str, shield: ShieldPlan, settings: Mapping[str, Any]
) -> Continuation | None:
    """The batch that carries a split's remaining items (``None`` unless the plan split).

    ``settings`` (marketplace, role, category, preset, variants, export mappings…) are copied
    as they are, so the continuation produces what the whole batch would have.

    Examples
    --------
    >>> s = plan(ShieldPolicy.SPLIT, [("a", 5), ("b", 5)], 5)
    >>> continuation("b-1", s, {"preset": "amazon-main"}).batch_id
    'b-1.c1'
    """
    if shield.outcome is not Outcome.SPLIT:
        return None
    stem, _, n = parent_batch_id.rpartition(".c")
    base, number = (stem, int(n) + 1) if stem and n.isdigit() else (parent_batch_id, 1)
    return Continuation(parent_batch_id, f"{base}.c{number}", shield.deferred, dict(settings))
