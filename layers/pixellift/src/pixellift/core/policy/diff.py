"""Human-readable differences between two rule packs, or one pack on two dates (Policy Pulse).

Entries are matched by where they live (baseline or a category), their rule id and their
position among entries sharing that id (dated or regional versions). Passing dates compares only
the entries in effect on each date, so ``google-merchant-center@2026-12-31`` against
``google-merchant-center@2027-02-01`` shows the new minimum size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pixellift.core.policy.schema import Rule, RuleOverride, RulePack

ChangeKind = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class FieldChange:
    """One field of a rule entry that differs."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class RuleChange:
    """A rule entry added, removed or changed between two versions."""

    kind: ChangeKind
    rule_id: str
    where: str
    summary: str
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class PackDiff:
    """Every rule change from ``old`` to ``new``."""

    old: str
    new: str
    changes: tuple[RuleChange, ...]


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


def _entries(pack: RulePack, on: date | None) -> dict[tuple[str, str, int], Rule | RuleOverride]:
    groups: list[tuple[str, tuple[Rule | RuleOverride, ...]]] = [("baseline", pack.rules)]
    groups += [(f"category:{name}", entries) for name, entries in sorted(pack.categories.items())]
    found: dict[tuple[str, str, int], Rule | RuleOverride] = {}
    for where, entries in groups:
        seen: dict[str, int] = {}
        for entry in entries:
            if on is not None and not entry.active_on(on):
                continue
            rule_id = entry.id if isinstance(entry, Rule) else entry.overrides
            n = seen.get(rule_id, 0)
            seen[rule_id] = n + 1
            found[(where, rule_id, n)] = entry
    return found


def _summary(entry: Rule | RuleOverride) -> str:
    if isinstance(entry, Rule):
        return f"{entry.severity}, {'/'.join(entry.scope.roles)}: {entry.title}"
    return ("disables: " if entry.disable else "overrides: ") + entry.reason


def _label(pack: RulePack, on: date | None) -> str:
    return pack.key if on is None else f"{pack.key} on {on.isoformat()}"


def diff_packs(
    old: RulePack, new: RulePack, *, old_on: date | None = None, new_on: date | None = None
) -> PackDiff:
    """Compare two packs (or one pack on two dates).

    Examples
    --------
    >>> from pixellift.core.policy.loader import load_pack
    >>> google = load_pack("google-merchant-center")
    >>> d = diff_packs(google, google, old_on=date(2026, 12, 31), new_on=date(2027, 2, 1))
    >>> [(c.kind, c.rule_id, [f.field for f in c.fields][:2]) for c in d.changes][:1]
    [('changed', 'GOOGLE_MAIN_MIN_SIZE', ['check.value', 'deprecated_on'])]
    """
    before, after = _entries(old, old_on), _entries(new, new_on)
    changes: list[RuleChange] = []
    for key in sorted(before.keys() | after.keys(), key=lambda k: (k[0] != "baseline", k)):
        where, rule_id, _ = key
        a, b = before.get(key), after.get(key)
        if a is None and b is not None:
            changes.append(RuleChange("added", rule_id, where, _summary(b)))
        elif b is None and a is not None:
            changes.append(RuleChange("removed", rule_id, where, _summary(a)))
        elif a is not None and b is not None:
            fa = _flatten(a.model_dump(mode="json", exclude={"examples"}))
            fb = _flatten(b.model_dump(mode="json", exclude={"examples"}))
            fields = tuple(
                FieldChange(k, fa.get(k), fb.get(k))
                for k in sorted(fa.keys() | fb.keys())
                if fa.get(k) != fb.get(k)
            )
            if fields:
                changes.append(RuleChange("changed", rule_id, where, _summary(b), fields))
    return PackDiff(_label(old, old_on), _label(new, new_on), tuple(changes))


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def render_diff(diff: PackDiff) -> str:
    """Render the diff as text: a line per added or removed rule, one per changed field.

    Examples
    --------
    >>> print(render_diff(PackDiff("a@1.0.0", "a@1.1.0", ())))
    a@1.0.0 → a@1.1.0
    no rule changes
    """
    lines = [f"{diff.old} → {diff.new}"]
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for change in diff.changes:
        where = "" if change.where == "baseline" else f" [{change.where}]"
        lines.append(f"{marks[change.kind]} {change.rule_id}{where} ({change.summary})")
        lines.extend(f"    {f.field}: {_show(f.before)} → {_show(f.after)}" for f in change.fields)
    counts = {kind: sum(c.kind == kind for c in diff.changes) for kind in marks}
    if not diff.changes:
        lines.append("no rule changes")
    else:
        tally = ", ".join(f"{counts[kind]} {kind}" for kind in marks)
        lines.append(f"{len(diff.changes)} rule changes: {tally}")
    return "\n".join(lines)
