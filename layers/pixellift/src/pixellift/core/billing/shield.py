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
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pixellift.core.billing.ledger import MAIN
from pixellift.core.billing.ports import SettingsStore
from pixellift.core.billing.service import LedgerService
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import InvalidCapError
from pixellift.core.ports import AuditSink

OVERRUN_DOCUMENT: Final = "overrun"
"""Name of the workspace settings document that holds its :class:`OverrunPolicy`."""


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


class OverrunPolicy(BaseModel):
    """A workspace's choice of what a batch does when it reaches a cap or the balance part-way.

    ``grace_minor`` (``grace`` only) is how far past the cap, or below zero for a prepaid
    balance, one batch may go to finish; the workspace's main account carries it as its
    allowance.

    Examples
    --------
    >>> OverrunPolicy(policy="grace", grace_minor=200).grace_minor
    200
    >>> OverrunPolicy(policy="split", grace_minor=200)
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for OverrunPolicy
    ...
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: ShieldPolicy
    grace_minor: Annotated[int, Field(ge=0)] = 0

    @model_validator(mode="after")
    def _grace_only_with_grace(self) -> OverrunPolicy:
        if self.policy is ShieldPolicy.GRACE and self.grace_minor == 0:
            msg = "the grace policy needs a grace allowance above zero"
            raise ValueError(msg)
        if self.policy is not ShieldPolicy.GRACE and self.grace_minor:
            msg = f"a grace allowance only applies to the grace policy, not {self.policy}"
            raise ValueError(msg)
        return self

    @classmethod
    def parse(cls, text: str | None) -> OverrunPolicy | None:
        """Read a stored document (``None``: no policy, a batch that does not fit is refused).

        Examples
        --------
        >>> OverrunPolicy.parse('{"policy": "pause"}').policy
        <ShieldPolicy.PAUSE: 'pause'>
        >>> OverrunPolicy.parse(None) is None
        True
        """
        if not text:
            return None
        try:
            return cls.model_validate_json(text)
        except ValueError as exc:
            msg = f"stored overrun policy does not validate: {exc}"
            raise InvalidCapError(msg) from exc


def set_policy(
    settings: SettingsStore,
    ledger: LedgerService,
    audit: AuditSink,
    workspace_id: str,
    policy: OverrunPolicy,
    *,
    at: datetime,
    actor: str,
) -> OverrunPolicy | None:
    """Store the workspace's policy (audited as ``billing.cap_set``); return the one it replaced.

    A limited main account carries the grace allowance: its allowance becomes what it was
    without the old policy's grace, plus the new one's.
    """
    before = OverrunPolicy.parse(settings.get(workspace_id, OVERRUN_DOCUMENT))
    main = ledger.account(workspace_id, MAIN)
    if main.allowance is not None:
        base = max(main.allowance - (before.grace_minor if before else 0), 0)
        ledger.store.set_allowance(workspace_id, MAIN, base + policy.grace_minor)
    settings.put(workspace_id, OVERRUN_DOCUMENT, policy.model_dump_json())
    audit.record(
        AuditEvent(
            workspace_id=workspace_id,
            actor=actor,
            type="billing.cap_set",
            at=at,
            subject={"cap": "overrun policy"},
            before=before.model_dump(mode="json") if before else None,
            after=policy.model_dump(mode="json"),
        )
    )
    return before


def allowed(balance_minor: int | None, cap_room_minor: int | None) -> int | None:
    """What a batch may still spend: the tighter of the balance and the caps (``None``: no limit).

    Examples
    --------
    >>> allowed(300, 120), allowed(None, 120), allowed(-5, None), allowed(None, None)
    (120, 120, 0, None)
    """
    limits = [max(v, 0) for v in (balance_minor, cap_room_minor) if v is not None]
    return min(limits) if limits else None


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
