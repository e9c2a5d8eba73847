"""Policy sync (Policy Pulse): notice which marketplaces' rule packs changed since the last run.

Fired by a schedule. Each shipped pack is digested; a digest that differs from the one recorded
for its marketplace is reported as a change and recorded, so the next run reports it no more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pixellift.core.contracts.records import PolicyState
from pixellift.core.contracts.tasks import PolicyChange, PolicySyncResult
from pixellift.core.pipeline.keys import digest_of
from pixellift.core.policy.loader import available_packs, load_pack
from pixellift.core.policy.schema import RulePack
from pixellift.core.ports import PolicyStateRepository, WallClock


@dataclass(frozen=True)
class PolicyDeps:
    """Ports policy sync uses."""

    states: PolicyStateRepository
    clock: WallClock


def shipped_packs() -> dict[str, RulePack]:
    """The current pack of every marketplace that ships one.

    Examples
    --------
    >>> shipped_packs()["amazon"].marketplace
    'amazon'
    """
    return {market: load_pack(market) for market in available_packs()}


def sync_policies(
    deps: PolicyDeps, *, at: datetime | None = None, packs: Mapping[str, RulePack] | None = None
) -> PolicySyncResult:
    """Compare each pack with what was recorded, record the new state, and report the changes.

    ``at`` is the schedule's time (the clock's when not given); ``packs`` defaults to the
    shipped ones.
    """
    now = at or deps.clock.now()
    current = shipped_packs() if packs is None else packs
    changes: list[PolicyChange] = []
    for market, pack in sorted(current.items()):
        digest = digest_of(pack.model_dump(mode="json"))
        before = deps.states.get(market)
        changed = before is None or before.digest != digest
        if changed:
            changes.append(
                PolicyChange(
                    marketplace=market,
                    old_version=before.pack_version if before else None,
                    new_version=pack.version,
                    digest=digest,
                )
            )
        deps.states.put(
            PolicyState(
                marketplace=market,
                pack_version=pack.version,
                digest=digest,
                checked_at=now,
                changed_at=now if changed or before is None else before.changed_at,
            )
        )
    return PolicySyncResult(
        checked_at=now, checked=len(current), changed_count=len(changes), changes=tuple(changes)
    )
