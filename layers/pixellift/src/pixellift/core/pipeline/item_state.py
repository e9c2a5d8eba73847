"""The item state machine: which status may follow which, as data, and the transition helper."""

from __future__ import annotations

from typing import Any, Final

from pixellift.core.contracts.records import ItemRecord, ItemStatus
from pixellift.core.errors import IllegalTransitionError

S = ItemStatus

NEXT: Final[dict[ItemStatus, frozenset[ItemStatus]]] = {
    S.PENDING: frozenset({S.PROCESSING, S.FAILED, S.DEFERRED}),
    S.PROCESSING: frozenset({S.PROCESSING, S.PROCESSED, S.FAILED}),
    S.PROCESSED: frozenset({S.GATED, S.FAILED}),
    S.GATED: frozenset({S.CHARGED, S.FAILED}),
    S.CHARGED: frozenset(),
    S.FAILED: frozenset(),
    S.DEFERRED: frozenset(),
}
"""Allowed transitions. ``PROCESSING → PROCESSING`` is a retry (one more attempt)."""


def can_move(current: ItemStatus, target: ItemStatus) -> bool:
    """Whether an item may go from ``current`` to ``target``.

    Examples
    --------
    >>> can_move(ItemStatus.PENDING, ItemStatus.PROCESSING)
    True
    >>> can_move(ItemStatus.CHARGED, ItemStatus.FAILED)
    False
    """
    return target in NEXT[current]


def advance(item: ItemRecord, target: ItemStatus, **changes: Any) -> ItemRecord:
    """A copy of ``item`` in ``target`` status with ``changes`` applied.

    Raises
    ------
    PermanentError
        The transition is not allowed (names the item and both statuses).

    Examples
    --------
    >>> item = ItemRecord(workspace_id="acme", batch_id="b", item_id="i1", name="a.jpg",
    ...     stem="a", source_key="k")
    >>> advance(item, ItemStatus.PROCESSING, attempts=1).status
    <ItemStatus.PROCESSING: 'PROCESSING'>
    """
    if not can_move(item.status, target):
        msg = f"{item.batch_id}/{item.item_id}: cannot go from {item.status} to {target}"
        raise IllegalTransitionError(msg)
    return item.model_copy(update={"status": target, **changes})
