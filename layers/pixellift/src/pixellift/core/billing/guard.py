"""CapGuard as a use case: keep a workspace's caps and admit or refuse spending against them.

Spend counted against a cap is what was charged in its period plus what open holds still
reserve, so a batch admitted under a cap cannot pass it through its posts. Every threshold
crossed, every cap reached and every refusal is an audit event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pixellift.core.billing.caps import Approval, Cap, CapCheck, CapSet, check, spent
from pixellift.core.billing.ledger import HoldStatus
from pixellift.core.billing.money import Money
from pixellift.core.billing.ports import LedgerStore, SettingsStore
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import CapReachedError
from pixellift.core.ports import AuditSink, WallClock

CAPS_DOCUMENT = "caps"


class CapGuard:
    """Caps of every workspace, checked against its ledger."""

    def __init__(
        self,
        settings: SettingsStore,
        ledger: LedgerStore,
        audit: AuditSink,
        clock: WallClock,
        *,
        actor: str = "system:capguard",
    ) -> None:
        self._settings = settings
        self._ledger = ledger
        self._audit = audit
        self._clock = clock
        self._actor = actor

    def caps(self, workspace_id: str) -> CapSet:
        """The workspace's caps."""
        return CapSet.parse(self._settings.get(workspace_id, CAPS_DOCUMENT))

    def set_cap(self, workspace_id: str, cap: Cap, *, actor: str | None = None) -> CapSet:
        """Add or replace a cap (same scope and period), audited as ``billing.cap_set``."""
        before = self.caps(workspace_id)
        after = before.with_cap(cap)
        self._settings.put(workspace_id, CAPS_DOCUMENT, after.model_dump_json())
        old = next((c for c in before.caps if (c.scope, c.period) == (cap.scope, cap.period)), None)
        self._event(
            workspace_id,
            "billing.cap_set",
            cap,
            before=old.model_dump(mode="json") if old else None,
            after=cap.model_dump(mode="json"),
            actor=actor,
        )
        return after

    def _event(
        self,
        workspace_id: str,
        kind: str,
        cap: Cap,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        actor: str | None = None,
        why: str = "",
    ) -> None:
        self._audit.record(
            AuditEvent(
                workspace_id=workspace_id,
                actor=actor or self._actor,
                type=kind,
                at=self._clock.now(),
                subject={"cap": cap.name, "scope": cap.scope, "period": str(cap.period)},
                before=before,
                after=after,
                justification=why,
            )
        )

    def _applies(self, cap: Cap, refs: Mapping[str, str]) -> bool:
        if cap.scope == "workspace":
            return True
        kind, _, value = cap.scope.partition(":")
        return refs.get(kind) == value

    def _held(self, workspace_id: str, cap: Cap) -> int:
        return sum(
            h.remaining
            for h in self._ledger.holds(workspace_id)
            if h.status is HoldStatus.PENDING
            and h.currency == cap.currency
            and self._applies(cap, h.refs)
        )

    def room(
        self, workspace_id: str, currency: str, refs: Mapping[str, str] | None = None
    ) -> int | None:
        """What the tightest hard cap that applies still allows (``None``: no hard cap).

        This is what the Overrun Shield plans the rest of a batch against
        (:func:`pixellift.core.billing.shield.plan`).
        """
        refs = refs or {}
        now = self._clock.now()
        hard = [
            c
            for c in self.caps(workspace_id).caps
            if c.hard and c.currency == currency and self._applies(c, refs)
        ]
        if not hard:
            return None
        transfers = list(self._ledger.transfers(workspace_id))
        return min(
            max(c.limit_minor - spent(c, transfers, now) - self._held(workspace_id, c), 0)
            for c in hard
        )

    def admit(
        self,
        workspace_id: str,
        amount: Money,
        refs: Mapping[str, str] | None = None,
        approval: Approval | None = None,
    ) -> list[CapCheck]:
        """Check ``amount`` against every cap that applies; record warnings and reached caps.

        Raises
        ------
        CapReachedError
            A hard cap would be passed (recorded as ``billing.cap_blocked`` first).
        """
        refs = refs or {}
        now = self._clock.now()
        applying = [c for c in self.caps(workspace_id).caps if self._applies(c, refs)]
        if not applying:
            return []
        transfers = list(self._ledger.transfers(workspace_id))
        results: list[CapCheck] = []
        for cap in applying:
            if cap.currency != amount.currency:
                continue
            used = spent(cap, transfers, now) + self._held(workspace_id, cap)
            try:
                result = check(cap, used, amount.minor, approval)
            except CapReachedError as exc:
                state = {"spent_minor": used, "asked_minor": amount.minor}
                self._event(workspace_id, "billing.cap_blocked", cap, after=state, why=str(exc))
                raise
            state = {"spent_minor": used + amount.minor, "limit_minor": cap.limit_minor}
            for threshold in result.crossed:
                kind = "billing.cap_reached" if threshold == 100 else "billing.cap_warning"  # noqa: PLR2004
                self._event(workspace_id, kind, cap, after=state | {"threshold": threshold})
            if result.approved and approval is not None:
                self._event(
                    workspace_id,
                    "billing.cap_overrun_approved",
                    cap,
                    after=state,
                    actor=approval.approved_by,
                    why=approval.reason,
                )
            results.append(result)
        return results
