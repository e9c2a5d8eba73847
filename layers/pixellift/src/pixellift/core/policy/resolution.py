"""Resolution: the rules that apply to one item, layer by layer, with where each came from.

Deterministic precedence: marketplace baseline → category constraints → seller preset → batch
override. Within a layer, entries apply in file order. A seller or batch layer may tighten any rule
and may loosen or disable only rules marked ``overridable``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal

from pixellift.core.errors import InvalidRulePackError
from pixellift.core.policy.operators import is_looser
from pixellift.core.policy.schema import (
    BackgroundSpec,
    Role,
    Rule,
    RuleLayer,
    RuleOverride,
    RulePack,
)

LayerName = Literal["marketplace", "category", "seller", "batch"]

_EU = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
REGION_GROUPS: Final[dict[str, frozenset[str]]] = {
    "EU": frozenset(_EU.split()),
    "SEA": frozenset({"ID", "MY", "PH", "SG", "TH", "VN"}),
}
"""Region groups the sources use; a rule scoped to ``EU`` applies to ``DE``."""

_FIELDS: Final = ("severity", "overridable", "message", "check", "when", "source", "note")


def region_matches(rule_regions: tuple[str, ...], region: str | None) -> bool:
    """Whether a rule scoped to ``rule_regions`` applies in ``region``.

    Examples
    --------
    >>> region_matches((), "US"), region_matches(("EU",), "DE"), region_matches(("UK",), None)
    (True, True, False)
    """
    if not rule_regions:
        return True
    if region is None:
        return False
    return region in rule_regions or any(region in REGION_GROUPS.get(g, ()) for g in rule_regions)


@dataclass(frozen=True)
class Provenance:
    """One layer's contribution to a resolved rule."""

    layer: LayerName
    name: str
    why: str
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResolvedRule:
    """A rule as it applies to an item, with the layers that shaped it (oldest first)."""

    rule: Rule
    history: tuple[Provenance, ...]

    @property
    def layer(self) -> LayerName:
        """The last layer that set or changed this rule."""
        return self.history[-1].layer


@dataclass(frozen=True)
class ResolvedRuleSet:
    """Every rule that applies to one item for one marketplace, role, category, region and date."""

    marketplace: str
    pack_version: str
    role: Role
    category: str | None
    region: str | None
    on: date
    rules: tuple[ResolvedRule, ...]
    layers: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        payload = [r.rule.model_dump(mode="json", exclude={"examples"}) for r in self.rules]
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        object.__setattr__(self, "digest", hashlib.sha256(text.encode()).hexdigest()[:16])

    @property
    def key(self) -> str:
        """``marketplace@version``."""
        return f"{self.marketplace}@{self.pack_version}"

    @property
    def label(self) -> str:
        """Everything that selected these rules, recorded with every decision."""
        parts = [
            self.key,
            str(self.role),
            self.category or "-",
            self.region or "-",
            self.on.isoformat(),
        ]
        return " ".join([*parts, *self.layers])

    def get(self, rule_id: str) -> ResolvedRule | None:
        """Return the resolved rule with this id, if it applies."""
        return next((r for r in self.rules if r.rule.id == rule_id), None)

    def background_specs(self) -> tuple[BackgroundSpec, ...]:
        """List the background purities the measurement must compute for these rules."""
        specs = {
            c.background.key: c.background
            for r in self.rules
            for c in (r.rule.check, *r.rule.when)
            if c.background
        }
        return tuple(specs[k] for k in sorted(specs))


def _applies(
    scope_roles: tuple[Role, ...], regions: tuple[str, ...], role: Role, region: str | None
) -> bool:
    return role in scope_roles and region_matches(regions, region)


def _override_applies(o: RuleOverride, role: Role, region: str | None, on: date) -> bool:
    if not o.active_on(on):
        return False
    return o.scope is None or _applies(o.scope.roles, o.scope.regions, role, region)


def _apply(rule: Rule, o: RuleOverride) -> tuple[Rule, tuple[str, ...]]:
    update = {name: getattr(o, name) for name in _FIELDS if getattr(o, name) is not None}
    if o.examples is not None:
        update["examples"] = o.examples
    changed = tuple(
        name for name in _FIELDS if name in update and update[name] != getattr(rule, name)
    )
    return rule.model_copy(update=update), changed


def _loosens(rule: Rule, o: RuleOverride) -> str | None:
    if o.disable:
        return "disables it"
    if o.severity is not None and o.severity.rank < rule.severity.rank:
        return f"lowers severity {rule.severity} → {o.severity}"
    if o.overridable:
        return "marks it overridable"
    if o.when is not None and o.when != rule.when:
        return "changes when it applies"
    new = o.check
    if new is None or new == rule.check:
        return None
    old = rule.check
    if (new.metric, new.op, new.background) != (old.metric, old.op, old.background):
        return "replaces its check"
    if is_looser(old.op, old.value, new.value, old.tolerance, new.tolerance):
        return f"loosens check.value {old.value!r} → {new.value!r}"
    return None


def resolve(
    pack: RulePack,
    *,
    role: Role,
    on: date,
    category: str | None = None,
    region: str | None = None,
    seller: RuleLayer | None = None,
    batch: RuleLayer | None = None,
) -> ResolvedRuleSet:
    """Resolve the rules for one item.

    Parameters
    ----------
    pack
        The marketplace's rule pack.
    role
        The image's role in its listing.
    on
        The date the rules must be in effect (versions are chosen by effective date).
    category
        Canonical category id (:func:`pixellift.core.policy.taxonomy.assign_category`), if any.
    region
        Marketplace region; the pack's default region when omitted.
    seller, batch
        Override layers, applied in that order.

    Raises
    ------
    InvalidRulePackError
        When a seller or batch layer would loosen a rule that is not overridable.
    """
    region = region or pack.default_region
    current: dict[str, ResolvedRule] = {}
    names: list[str] = []
    notes: list[str] = []
    for rule in pack.rules:
        if rule.active_on(on) and _applies(rule.scope.roles, rule.scope.regions, role, region):
            why = f"{pack.key} baseline; source {rule.source.url} (as of {rule.source.as_of})"
            current[rule.id] = ResolvedRule(rule, (Provenance("marketplace", pack.key, why),))
    if category is not None:
        for entry in pack.categories.get(category, ()):
            _category_entry(current, entry, f"category:{category}", (role, region, on), notes)
    for layer in (seller, batch):
        if layer is None or (layer.marketplace not in {None, pack.marketplace}):
            continue
        names.append(f"{layer.kind}:{layer.name}")
        for o in layer.overrides:
            if not _override_applies(o, role, region, on):
                continue
            if o.overrides not in current:
                notes.append(
                    f"{layer.kind}:{layer.name} overrides {o.overrides}, which does not apply here"
                )
                continue
            _layer_override(current, o, layer, notes)
    return ResolvedRuleSet(
        pack.marketplace,
        pack.version,
        role,
        category,
        region,
        on,
        tuple(current.values()),
        tuple(names),
        tuple(notes),
    )


def _category_entry(
    current: dict[str, ResolvedRule],
    entry: Rule | RuleOverride,
    name: str,
    where: tuple[Role, str | None, date],
    notes: list[str],
) -> None:
    role, region, on = where
    if isinstance(entry, Rule):
        if entry.active_on(on) and _applies(entry.scope.roles, entry.scope.regions, role, region):
            why = f"{name} adds it; source {entry.source.url} (as of {entry.source.as_of})"
            current[entry.id] = ResolvedRule(entry, (Provenance("category", name, why),))
        return
    target = current.get(entry.overrides)
    if target is None or not _override_applies(entry, role, region, on):
        return
    if entry.disable:
        del current[entry.overrides]
        notes.append(f"{name} disables {entry.overrides}: {entry.reason}")
        return
    rule, changed = _apply(target.rule, entry)
    current[rule.id] = ResolvedRule(
        rule, (*target.history, Provenance("category", name, entry.reason, changed))
    )


def _layer_override(
    current: dict[str, ResolvedRule], o: RuleOverride, layer: RuleLayer, notes: list[str]
) -> None:
    target = current[o.overrides]
    name = f"{layer.kind}:{layer.name}"
    if not target.rule.overridable:
        problem = _loosens(target.rule, o)
        if problem is not None:
            msg = f"{name}: override of {o.overrides} {problem}, but that rule cannot be overridden"
            raise InvalidRulePackError(msg)
    if o.disable:
        del current[o.overrides]
        notes.append(f"{name} disables {o.overrides}: {o.reason}")
        return
    rule, changed = _apply(target.rule, o)
    current[rule.id] = ResolvedRule(
        rule, (*target.history, Provenance(layer.kind, name, o.reason, changed))
    )
