"""Load and validate rule packs; every error names the file, the rule and the field.

Packs ship as package data: ``packs/<marketplace>.yaml`` is the current version, and an older
version may be kept as ``packs/<marketplace>@<version>.yaml``. Validation covers the schema, rule
entries that share an id but could apply to the same image, category overrides of rules the pack
does not define, and each rule's examples (they must pass and fail as declared).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from itertools import combinations
from typing import Any

import yaml
from pydantic import ValidationError

from pixellift.core.errors import InvalidRulePackError, RulePackNotFoundError
from pixellift.core.policy.engine import example_values, rule_outcome
from pixellift.core.policy.schema import Rule, RuleOverride, RulePack

_PACKAGE = "pixellift.core.policy.packs"
_FILE = re.compile(r"^(?P<m>[a-z0-9]+(?:-[a-z0-9]+)*)(?:@(?P<v>\d+\.\d+\.\d+))?\.yaml$")
_TAGS = {"rule", "override"}


def _where(data: Any, loc: tuple[int | str, ...]) -> str:
    """``rule ID (rules[3]) field check.value`` for a pydantic error location."""
    parts = [p for p in loc if p not in _TAGS]
    entry: Any = data
    prefix: list[str] = []
    rest = parts
    for i, part in enumerate(parts):
        if isinstance(part, int) and isinstance(entry, list) and part < len(entry):
            item = entry[part]
            label = item.get("id") or item.get("overrides") if isinstance(item, dict) else None
            path = "".join(
                f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts[: i + 1]
            ).lstrip(".")
            prefix = [f"rule {label} ({path})" if label else path]
            rest = parts[i + 1 :]
            break
        entry = entry.get(part) if isinstance(entry, dict) else None
    field = ".".join(str(p) for p in rest) or ("(whole rule)" if prefix else "(whole pack)")
    return f"{' '.join(prefix)} field {field}".strip() if prefix else f"field {field}"


def parse_pack(text: str, source: str) -> RulePack:
    r"""Parse and validate one pack file.

    Raises
    ------
    InvalidRulePackError
        Naming ``source``, the rule and the field for each problem.

    Examples
    --------
    >>> try:
    ...     parse_pack("marketplace: x\nname: X\nversion: 1.0.0\nsummary: s\nrules: []", "x.yaml")
    ... except InvalidRulePackError as exc:
    ...     print(str(exc)[:41])
    x.yaml: field rules: Tuple should have at
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        msg = f"{source}: not valid YAML ({exc})"
        raise InvalidRulePackError(msg) from exc
    if not isinstance(data, dict):
        msg = f"{source}: a rule pack must be a mapping of fields"
        raise InvalidRulePackError(msg)
    try:
        pack = RulePack.model_validate(data)
    except ValidationError as exc:
        found = exc.errors()
        locs = [tuple(e["loc"]) for e in found]
        # A list with a bad item also reports itself too short; the item's own error says more.
        kept = [
            e
            for e in found
            if not (
                e["type"] == "too_short"
                and any(
                    o[: len(e["loc"])] == tuple(e["loc"]) and o != tuple(e["loc"]) for o in locs
                )
            )
        ]
        errors = "; ".join(f"{_where(data, tuple(e['loc']))}: {e['msg']}" for e in kept)
        msg = f"{source}: {errors}"
        raise InvalidRulePackError(msg) from exc
    problems = [*_overlaps(pack), *_category_problems(pack), *_example_problems(pack)]
    if problems:
        msg = f"{source}: {'; '.join(problems)}"
        raise InvalidRulePackError(msg)
    return pack


def _windows_overlap(a: Rule, b: Rule) -> bool:
    a_end, b_end = a.deprecated_on or date.max, b.deprecated_on or date.max
    return (a.effective_from or date.min) < b_end and (b.effective_from or date.min) < a_end


def _overlaps(pack: RulePack) -> list[str]:
    problems = []
    for (i, a), (j, b) in combinations(enumerate(pack.rules), 2):
        if a.id != b.id:
            continue
        roles = set(a.scope.roles) & set(b.scope.roles)
        ra, rb = set(a.scope.regions), set(b.scope.regions)
        regions = not ra or not rb or bool(ra & rb)
        if roles and regions and _windows_overlap(a, b):
            problems.append(
                f"rule {a.id} (rules[{i}] and rules[{j}]) field scope: two versions apply to the "
                "same images; give them different roles, regions or effective dates"
            )
    return problems


def _category_problems(pack: RulePack) -> list[str]:
    ids = {r.id for r in pack.rules}
    problems = []
    for name, entries in pack.categories.items():
        for i, entry in enumerate(entries):
            where = f"categories.{name}[{i}]"
            if isinstance(entry, Rule) and entry.id in ids:
                problems.append(
                    f"rule {entry.id} ({where}) field id: already a baseline rule; use 'overrides'"
                )
            if isinstance(entry, RuleOverride):
                if entry.overrides not in ids:
                    problems.append(
                        f"rule {entry.overrides} ({where}) field overrides: no such baseline rule"
                    )
                if entry.source is None:
                    problems.append(
                        f"rule {entry.overrides} ({where}) field source: "
                        "a category override must cite its source"
                    )
                if entry.check is not None and entry.examples is None:
                    problems.append(
                        f"rule {entry.overrides} ({where}) field examples: "
                        "a new check needs examples"
                    )
    return problems


def _example_problems(pack: RulePack) -> list[str]:
    baseline = {r.id: r for r in pack.rules}
    rules: list[tuple[str, Rule]] = [(f"rules[{i}]", r) for i, r in enumerate(pack.rules)]
    for name, entries in pack.categories.items():
        for i, entry in enumerate(entries):
            where = f"categories.{name}[{i}]"
            if isinstance(entry, Rule):
                rules.append((where, entry))
            elif entry.examples is not None and entry.overrides in baseline:
                updates = {
                    k: getattr(entry, k)
                    for k in ("check", "when", "examples")
                    if getattr(entry, k) is not None
                }
                rules.append((where, baseline[entry.overrides].model_copy(update=updates)))
    problems = []
    for where, rule in rules:
        for expected, examples in (
            ("pass", rule.examples.passing),
            ("fail", rule.examples.failing),
        ):
            for k, example in enumerate(examples):
                got = rule_outcome(rule, example_values(rule, example))
                if got != expected:
                    kind = "passing" if expected == "pass" else "failing"
                    problems.append(
                        f"rule {rule.id} ({where}) field examples.{kind}[{k}]: "
                        f"expected {expected}, got {got}"
                    )
    return problems


def available_packs() -> dict[str, tuple[str, ...]]:
    """Marketplaces with shipped packs and their versions, oldest first.

    Examples
    --------
    >>> "amazon" in available_packs()
    True
    """
    found: dict[str, list[str]] = {}
    for entry in resources.files(_PACKAGE).iterdir():
        match = _FILE.match(entry.name)
        if match:
            found.setdefault(match["m"], []).append(match["v"] or "")
    result = {}
    for market, versions in found.items():
        current = _read(f"{market}.yaml").version if "" in versions else None
        named = sorted(
            {v or str(current) for v in versions}, key=lambda v: tuple(map(int, v.split(".")))
        )
        result[market] = tuple(named)
    return dict(sorted(result.items()))


@cache
def _read(filename: str) -> RulePack:
    resource = resources.files(_PACKAGE).joinpath(filename)
    return parse_pack(resource.read_text(encoding="utf-8"), filename)


@cache
def load_pack(marketplace: str, version: str | None = None) -> RulePack:
    """Load a shipped pack: the current one, or a named version.

    Raises
    ------
    RulePackNotFoundError
        Naming the marketplaces (or versions) that exist.

    Examples
    --------
    >>> load_pack("amazon").marketplace
    'amazon'
    """
    known = available_packs()
    if marketplace not in known:
        msg = f"no rule pack for marketplace {marketplace!r}; known: {', '.join(known)}"
        raise RulePackNotFoundError(msg)
    current = _read(f"{marketplace}.yaml")
    if version is None or version == current.version:
        pack = current
    elif version in known[marketplace]:
        pack = _read(f"{marketplace}@{version}.yaml")
    else:
        versions = ", ".join(known[marketplace])
        msg = f"{marketplace} has no pack version {version}; versions: {versions}"
        raise RulePackNotFoundError(msg)
    if pack.marketplace != marketplace or (version is not None and pack.version != version):
        expected = f"{marketplace}@{version or pack.version}"
        msg = f"{marketplace}.yaml: declares {pack.key}, expected {expected}"
        raise InvalidRulePackError(msg)
    return pack


@dataclass(frozen=True)
class PackRef:
    """``marketplace``, ``marketplace@1.2.0`` (a version) or ``marketplace@2027-02-01`` (a date)."""

    marketplace: str
    version: str | None = None
    on: date | None = None

    @classmethod
    def parse(cls, text: str) -> PackRef:
        """Parse a reference.

        Examples
        --------
        >>> PackRef.parse("google-merchant-center@2027-02-01")
        PackRef(marketplace='google-merchant-center', version=None, on=datetime.date(2027, 2, 1))
        """
        market, _, qualifier = text.partition("@")
        if not qualifier:
            return cls(market)
        if re.fullmatch(r"\d+\.\d+\.\d+", qualifier):
            return cls(market, version=qualifier)
        try:
            return cls(market, on=date.fromisoformat(qualifier))
        except ValueError as exc:
            msg = f"{text!r}: expected marketplace@<version> (1.0.0) or @<date> (2027-02-01)"
            raise RulePackNotFoundError(msg) from exc
