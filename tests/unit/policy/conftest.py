"""Shared helpers for the policy tests: every rule of every shipped pack, with where it lives."""

from __future__ import annotations

from collections.abc import Iterator

from pixellift.core.policy.loader import available_packs, load_pack
from pixellift.core.policy.schema import Rule, RuleOverride


def all_rules() -> Iterator[tuple[str, Rule]]:
    """``(label, rule)`` for baseline rules, category rules and category overrides (as applied)."""
    for market in available_packs():
        pack = load_pack(market)
        baseline = {r.id: r for r in pack.rules}
        for i, rule in enumerate(pack.rules):
            yield f"{market}:{rule.id}[{i}]", rule
        for category, entries in sorted(pack.categories.items()):
            for entry in entries:
                if isinstance(entry, Rule):
                    yield f"{market}/{category}:{entry.id}", entry
                elif isinstance(entry, RuleOverride) and entry.examples is not None:
                    updates = {
                        k: getattr(entry, k)
                        for k in ("check", "when", "examples")
                        if getattr(entry, k)
                    }
                    yield (
                        f"{market}/{category}:{entry.overrides}",
                        baseline[entry.overrides].model_copy(update=updates),
                    )
