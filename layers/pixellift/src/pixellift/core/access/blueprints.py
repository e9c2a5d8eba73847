"""Role blueprints: versioned sets of Cedar policies, loaded from package data, and their diffs.

A blueprint version is a folder ``blueprints/<version>/`` of ``.cedar`` files (one per role,
plus the walls). Versions are never edited in place: a change is a new folder, and
:func:`diff_blueprints` says what it changes, both as text and as the actions each role gains
or loses.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Final

import cedarpy

from pixellift.core.access.model import Action, Role
from pixellift.core.errors import InvalidBlueprintError

_PACKAGE: Final = "pixellift.core.access"
_ID = re.compile(r'@id\("([^"]+)"\)')


@dataclass(frozen=True)
class Blueprint:
    """One version of the role blueprints: the policy files by name, validated against the schema.

    Examples
    --------
    >>> bp = load_blueprint("1")
    >>> bp.version, sorted(bp.policy_ids)[:3]
    ('1', ['admin', 'approver', 'auditor'])
    """

    version: str
    files: Mapping[str, str]
    schema_text: str
    policies: cedarpy.PolicySet = field(repr=False, compare=False)
    schema: cedarpy.Schema = field(repr=False, compare=False)

    @property
    def text(self) -> str:
        """Every policy, in file-name order."""
        return "\n".join(self.files[name] for name in sorted(self.files))

    @property
    def policy_ids(self) -> tuple[str, ...]:
        """The ``@id`` of every policy (what decisions name as their reasons)."""
        return tuple(_ID.findall(self.text))


def schema_text() -> str:
    """The Cedar schema shipped with the package."""
    return resources.files(_PACKAGE).joinpath("schema.cedarschema").read_text(encoding="utf-8")


def blueprint_versions() -> tuple[str, ...]:
    """The versions shipped with the package, oldest first.

    Examples
    --------
    >>> "1" in blueprint_versions()
    True
    """
    folder = resources.files(_PACKAGE).joinpath("blueprints")
    names = [entry.name for entry in folder.iterdir() if entry.is_dir() and entry.name[0] != "_"]
    return tuple(sorted(names, key=lambda v: tuple(int(p) for p in v.split(".") if p.isdigit())))


def load_blueprint(version: str | None = None) -> Blueprint:
    """A shipped version (the newest when ``version`` is ``None``).

    Raises
    ------
    InvalidBlueprintError
        No such version, or its policies do not validate against the schema.
    """
    versions = blueprint_versions()
    chosen = version or versions[-1]
    if chosen not in versions:
        msg = f"blueprint {chosen}: no such version (have {', '.join(versions)})"
        raise InvalidBlueprintError(msg)
    folder = resources.files(_PACKAGE).joinpath("blueprints", chosen)
    files = {
        entry.name.removesuffix(".cedar"): entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".cedar")
    }
    return build_blueprint(chosen, files)


def build_blueprint(version: str, files: Mapping[str, str], schema: str | None = None) -> Blueprint:
    """Parse and validate policy ``files`` (name → Cedar text) as blueprint ``version``.

    Raises
    ------
    InvalidBlueprintError
        A file does not parse, a policy has no ``@id`` or shares one, or the set does not
        validate against the schema; the message names the file or policy.

    Examples
    --------
    >>> build_blueprint("x", {"bad": '@id("bad") permit(principal, action, resource) when { 1 };'})
    Traceback (most recent call last):
    ...
    pixellift.core.errors.InvalidBlueprintError: blueprint x: bad: does not validate ...
    """
    schema_source = schema if schema is not None else schema_text()
    seen: dict[str, str] = {}
    for name, text in sorted(files.items()):
        ids = _ID.findall(text)
        if not ids:
            msg = f"blueprint {version}: {name}: every policy needs an @id"
            raise InvalidBlueprintError(msg)
        for policy_id in ids:
            if policy_id in seen:
                msg = (
                    f"blueprint {version}: {name}: @id {policy_id} is used in {seen[policy_id]} too"
                )
                raise InvalidBlueprintError(msg)
            seen[policy_id] = name
        result = cedarpy.validate_policies(text, schema_source)
        if not result.validation_passed:
            first = "; ".join(str(e) for e in result.errors[:3])
            msg = f"blueprint {version}: {name}: does not validate against the schema ({first})"
            raise InvalidBlueprintError(msg)
    text = "\n".join(files[name] for name in sorted(files))
    return Blueprint(
        version=version,
        files=dict(files),
        schema_text=schema_source,
        policies=cedarpy.PolicySet.from_str(text),
        schema=cedarpy.Schema.from_str(schema_source),
    )


@dataclass(frozen=True)
class BlueprintDiff:
    """What changes from one blueprint version to another."""

    old: str
    new: str
    added_files: tuple[str, ...]
    removed_files: tuple[str, ...]
    text: str
    """Unified diff of the policy files that changed."""
    gained: Mapping[Role, tuple[Action, ...]]
    """Actions each role may do in ``new`` but not in ``old``."""
    lost: Mapping[Role, tuple[Action, ...]]
    """Actions each role may do in ``old`` but not in ``new``."""

    @property
    def changed(self) -> bool:
        """Whether anything differs."""
        return bool(self.text or self.gained or self.lost)


def diff_blueprints(old: Blueprint, new: Blueprint) -> BlueprintDiff:
    """The textual and the effective difference between two versions.

    The effective difference is computed by deciding every role × action in both versions, so
    a rewrite that changes no decision shows no gained or lost actions.

    Examples
    --------
    >>> v1 = load_blueprint("1")
    >>> files = dict(v1.files, viewer=v1.files["viewer"].replace(
    ...     '"view_preset"', '"view_preset", PixelLift::Action::"annotate_image"'))
    >>> d = diff_blueprints(v1, build_blueprint("2", files))
    >>> dict(d.gained), dict(d.lost)
    ({<Role.VIEWER: 'viewer'>: (<Action.ANNOTATE_IMAGE: 'annotate_image'>,)}, {})
    """
    from pixellift.core.access.authorizer import role_actions  # noqa: PLC0415 - cycle

    lines: list[str] = []
    for name in sorted(set(old.files) | set(new.files)):
        before = old.files.get(name, "").splitlines(keepends=True)
        after = new.files.get(name, "").splitlines(keepends=True)
        lines.extend(
            difflib.unified_diff(before, after, f"{old.version}/{name}", f"{new.version}/{name}")
        )
    old_actions, new_actions = role_actions(old), role_actions(new)
    gained = {r: tuple(a for a in Action if a in new_actions[r] - old_actions[r]) for r in Role}
    lost = {r: tuple(a for a in Action if a in old_actions[r] - new_actions[r]) for r in Role}
    return BlueprintDiff(
        old=old.version,
        new=new.version,
        added_files=tuple(sorted(set(new.files) - set(old.files))),
        removed_files=tuple(sorted(set(old.files) - set(new.files))),
        text="".join(lines),
        gained={r: a for r, a in gained.items() if a},
        lost={r: a for r, a in lost.items() if a},
    )
