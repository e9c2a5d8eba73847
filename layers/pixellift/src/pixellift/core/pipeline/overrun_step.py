"""The Overrun Shield in the batch pipeline: what a run does when the money runs out part-way.

Before a run starts, its items are walked in order against what the workspace's balance and
hard caps still allow (:func:`pixellift.core.billing.shield.plan`); what runs is held on the
ledger at once, so the point where the money runs out is an item boundary and no item is cut in
half. The workspace's policy decides about the items past it: ``grace`` finishes on the grace
allowance, ``split`` defers them to a continuation batch with the same settings, ``pause``
keeps them pending until a resumed run. Each decision is an audit event and a batch field.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol, runtime_checkable

from pixellift.core.billing.caps import Approval
from pixellift.core.billing.guard import CapGuard
from pixellift.core.billing.ledger import MAIN, HoldStatus
from pixellift.core.billing.money import Money
from pixellift.core.billing.ports import SettingsStore
from pixellift.core.billing.pricing import Estimate
from pixellift.core.billing.service import LedgerService, TransferResult
from pixellift.core.billing.shield import (
    OVERRUN_DOCUMENT,
    Outcome,
    OverrunPolicy,
    ShieldPlan,
    ShieldPolicy,
    allowed,
    continuation,
    plan,
)
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.contracts.records import ITEM_DONE, BatchRecord, ItemRecord, ItemStatus
from pixellift.core.contracts.tasks import SourceObject
from pixellift.core.pipeline.batch_items import write_items
from pixellift.core.pipeline.deps import PipelineDeps, save_item
from pixellift.core.ports import AuditSink

SHIELD_ACTOR = "system:overrun-shield"
OVERRUN_SPLIT = "OverrunSplit"
"""Error kind of an item a split deferred to the continuation batch (not an exception class)."""


@runtime_checkable
class ShieldedBilling(Protocol):
    """A billing on the ledger: holds, caps and settings the Overrun Shield plans a run with."""

    ledger: LedgerService
    guard: CapGuard
    settings: SettingsStore
    audit: AuditSink
    plan: str

    @property
    def currency(self) -> str:
        """Currency of every debit."""
        ...

    def open_workspace(self, workspace_id: str) -> None:
        """Open the workspace's accounts if they are not yet."""
        ...

    def item_price(self, day: date) -> Money:
        """What one processed item costs on ``day``."""
        ...

    def reserve(self, workspace_id: str, batch_id: str, items: int) -> Money:
        """Hold the cost of ``items`` items once per batch."""
        ...

    def hold_batch(self, workspace_id: str, batch_id: str, estimate: Estimate) -> TransferResult:
        """Hold a batch's estimate once (no cap check)."""
        ...


def batch_hold_id(batch_id: str) -> str:
    """The id of a batch's hold on the ledger (the one its items' charges post against).

    Examples
    --------
    >>> batch_hold_id("b-1")
    'hold:b-1'
    """
    return f"hold:{batch_id}"


def overrun_policy(deps: PipelineDeps, workspace_id: str) -> OverrunPolicy | None:
    """The workspace's Overrun Shield policy (``None``: none, or a billing without a ledger)."""
    if not isinstance(deps.billing, ShieldedBilling):
        return None
    return OverrunPolicy.parse(deps.billing.settings.get(workspace_id, OVERRUN_DOCUMENT))


def _room(batch: BatchRecord, grace_minor: int, billing: ShieldedBilling) -> int | None:
    """What the balance (less the grace allowance) and the hard caps still allow this batch."""
    ws = batch.workspace_id
    main = billing.ledger.account(ws, MAIN)
    hold = billing.ledger.store.hold(ws, batch_hold_id(batch.batch_id))
    own = hold.remaining if hold is not None and hold.status is HoldStatus.PENDING else 0
    balance = None if main.allowance is None else main.headroom or 0
    balance = None if balance is None else balance - grace_minor + own
    caps = billing.guard.room(ws, billing.currency, {"batch_id": batch.batch_id})
    return allowed(balance, None if caps is None else caps + own)


def shield_run(
    batch: BatchRecord, policy: OverrunPolicy, billing: ShieldedBilling, deps: PipelineDeps
) -> BatchRecord:
    """Plan a run item by item under the balance and the caps, hold what runs, apply the policy.

    Items already started come first (they were admitted before). Whatever passes the point
    where the money runs out is decided at that item's boundary: ``grace`` goes on within the
    grace allowance, ``split`` defers every item from there to a continuation batch (created
    when the batch is published), ``pause`` keeps them pending in the batch (``held_back``).
    """
    ws, bid = batch.workspace_id, batch.batch_id
    billing.open_workspace(ws)
    price = billing.item_price(deps.clock.now().date())
    items = list(deps.items.list(ws, bid))
    waiting = sorted(
        (i for i in items if i.status not in ITEM_DONE),
        key=lambda i: (i.status is ItemStatus.PENDING, i.item_id),
    )
    costs = [(i.item_id, price.minor) for i in waiting]
    room = _room(batch, policy.grace_minor, billing)
    total = price.minor * len(costs)
    shield = plan(policy.policy, costs, total if room is None else room, policy.grace_minor)
    if shield.run and billing.ledger.store.hold(ws, batch_hold_id(bid)) is None:
        _hold(batch, len(shield.run), price * len(shield.run), shield, billing)
    by_id = {i.item_id: i for i in waiting}
    deferred = [by_id[i] for i in shield.deferred if by_id[i].status is ItemStatus.PENDING]
    # A split stays a split when its run is planned again (its deferred items are done here).
    split = any(i.status is ItemStatus.DEFERRED for i in items)
    update: dict[str, Any] = {"overrun": "split" if split else None, "held_back": ()}
    if shield.grace_used_minor:
        update |= {"overrun": "grace", "grace_used_minor": batch.grace_used_minor}
        update["grace_used_minor"] += shield.grace_used_minor
    if deferred and policy.policy is ShieldPolicy.SPLIT:
        update["overrun"] = "split"
        for item in deferred:
            _defer(item, deps)
    elif deferred:
        update |= {"overrun": "paused", "held_back": tuple(i.item_id for i in deferred)}
    shielded = batch.model_copy(update=update)
    if shielded.overrun is not None:
        _record_overrun(shielded, shield, price, billing, deps)
    return shielded


def _hold(
    batch: BatchRecord, items: int, cost: Money, shield: ShieldPlan, billing: ShieldedBilling
) -> None:
    ws, bid = batch.workspace_id, batch.batch_id
    if not shield.grace_used_minor:
        billing.reserve(ws, bid, items)
        return
    # The grace allowance may pass a workspace cap by what the plan used of it.
    why = f"batch {bid} finishes on its grace allowance"
    approval = Approval("workspace", shield.grace_used_minor, SHIELD_ACTOR, why)
    billing.guard.admit(ws, cost, {"batch_id": bid}, approval)
    billing.hold_batch(ws, bid, Estimate(items, cost, cost, "overrun-grace", billing.plan))


def _defer(item: ItemRecord, deps: PipelineDeps) -> None:
    deferred = item.model_copy(
        update={
            "status": ItemStatus.DEFERRED,
            "error_kind": OVERRUN_SPLIT,
            "error_message": f"{item.name}: not started here; the batch split at its spend limit",
            "updated_at": deps.clock.now(),
        }
    )
    save_item(deps, deferred)


def overrun_notice(batch: BatchRecord, waiting: int) -> str | None:
    """What a batch's report and record say about its overrun (``None``: nothing to say).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> b = BatchRecord(batch_id="b-1", workspace_id="acme", marketplace="amazon",
    ...     created_at=datetime(2026, 11, 26, tzinfo=UTC), overrun="paused")
    >>> overrun_notice(b, 2)
    'paused at the spend limit: 2 items wait; top up (or wait for the cap to reset) and resume'
    """
    if batch.overrun == "paused":
        return (
            f"paused at the spend limit: {waiting} items wait; "
            "top up (or wait for the cap to reset) and resume"
        )
    if batch.overrun == "split":
        where = f" in batch {batch.continued_in}" if batch.continued_in else ""
        return f"split at the spend limit: {waiting} items continue{where}"
    if batch.overrun == "grace":
        return f"finished on the grace allowance ({batch.grace_used_minor} minor units used)"
    return None


def _record_overrun(
    batch: BatchRecord,
    shield: ShieldPlan,
    price: Money,
    billing: ShieldedBilling,
    deps: PipelineDeps,
) -> None:
    waiting = len(shield.deferred)
    billing.audit.record(
        AuditEvent(
            workspace_id=batch.workspace_id,
            actor=SHIELD_ACTOR,
            type="batch.state_changed",
            at=deps.clock.now(),
            subject={"batch_id": batch.batch_id},
            before={"status": str(batch.status), "items_waiting": len(shield.run) + waiting},
            after={
                "overrun": batch.overrun,
                "runs": list(shield.run),
                "deferred": list(shield.deferred),
                "grace_used_minor": shield.grace_used_minor,
                "item_price_minor": price.minor,
            },
            justification=overrun_notice(batch, waiting) or "",
        )
    )


SETTINGS = ("workspace_id", "marketplace", "role", "category", "preset", "source_prefix", "plan")
"""What a continuation batch copies from its parent."""


def open_continuation(
    batch: BatchRecord, deferred: Sequence[ItemRecord], deps: PipelineDeps
) -> BatchRecord:
    """Create (once) the batch that carries a split batch's deferred items; return the parent.

    The continuation has the parent's settings and resolved plan, and holds exactly the
    deferred items' sources; it starts when it is ingested (by id) with those sources.
    """
    if not deferred:
        return batch
    split = ShieldPlan(Outcome.SPLIT, (), tuple(i.item_id for i in deferred))
    cont = continuation(batch.batch_id, split, batch.model_dump(include=set(SETTINGS)))
    if cont is None:  # pragma: no cover - a SPLIT plan always has one
        return batch
    record = BatchRecord.model_validate(
        {
            **cont.settings,
            "batch_id": cont.batch_id,
            "created_at": deps.clock.now(),
            "item_count": len(deferred),
            "continuation_of": batch.batch_id,
        }
    )
    deps.batches.create(record)
    sources = [SourceObject(key=i.source_key, etag=i.source_etag) for i in deferred]
    write_items(deps.items, record.workspace_id, cont.batch_id, sources, [i.name for i in deferred])
    return batch.model_copy(update={"continued_in": cont.batch_id})


def held_back(batch: BatchRecord, item: ItemRecord) -> bool:
    """Whether a paused batch keeps this item out of the run (it stays pending).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> b = BatchRecord(batch_id="b", workspace_id="acme", marketplace="amazon",
    ...     created_at=datetime(2026, 11, 26, tzinfo=UTC), held_back=("i00003",))
    >>> item = ItemRecord(workspace_id="acme", batch_id="b", item_id="i00003", name="d.jpg",
    ...     stem="d", source_key="k")
    >>> held_back(b, item), held_back(b, item.model_copy(update={"item_id": "i00000"}))
    (True, False)
    """
    return item.status is ItemStatus.PENDING and item.item_id in batch.held_back
