"""Collision-safe, idempotent names: suffixes from stable keys, earlier names given again.

Names that would collide get a suffix derived from the output's stable key (not from the order of
work), and a name already given to the same output in an earlier export is given again, so
re-exports never duplicate files. Overwrite, append and skip policies decide what happens to a
file of another origin at the wanted name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

CollisionPolicy = Literal["overwrite", "append", "skip"]
Action = Literal["write", "overwrite", "skip"]


@dataclass(frozen=True)
class NameRequest:
    """One output asking for a name: ``key`` identifies the output across exports."""

    key: str
    name: str


@dataclass(frozen=True)
class NameAssignment:
    """The name an output gets, and what to do with the file already there, if any."""

    key: str
    name: str
    action: Action
    note: str = ""


def _suffixed(name: str, key: str, length: int) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot or "/" in ext:
        stem, ext = name, ""
    digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:length]
    return f"{stem}-{digest}" + (f".{ext}" if ext else "")


def assign_names(
    requests: Iterable[NameRequest],
    existing: Mapping[str, str | None],
    policy: CollisionPolicy = "append",
    *,
    taken: Mapping[str, str] | None = None,
) -> tuple[NameAssignment, ...]:
    """Give every output a unique name, deterministically and idempotently.

    Parameters
    ----------
    requests
        The wanted names; ``key`` is the output's stable identity (for example
        ``"SKU1/amazon/main/A"``).
    existing
        Names already at the destination, each with the key that wrote it (from the previous
        manifest), or ``None`` when the file's origin is unknown.
    policy
        What to do when a wanted name is taken by another file: ``overwrite`` it, ``append`` a
        suffix derived from the key, or ``skip`` the output. Outputs of the same export never
        overwrite each other; they always get suffixes.
    taken
        Names already given in this export (by earlier calls), each with its key.

    Examples
    --------
    >>> reqs = [NameRequest("k1", "a.jpg"), NameRequest("k2", "a.jpg")]
    >>> [(a.name, a.action) for a in assign_names(reqs, {})]
    [('a.jpg', 'write'), ('a-bfeb73.jpg', 'write')]
    >>> [(a.name, a.action) for a in assign_names(reqs[1:], {"a.jpg": "k1", "a-bfeb73.jpg": "k2"})]
    [('a-bfeb73.jpg', 'overwrite')]
    """
    wanted = list(requests)
    owners: dict[str, str | None] = dict(existing) | dict(taken or {})
    previous = {key: name for name, key in existing.items() if key is not None}
    claimed: set[str] = set(taken or {})
    out: list[NameAssignment] = []
    for req in sorted(wanted, key=lambda r: (r.name, r.key)):
        earlier = previous.get(req.key)
        if earlier is not None and earlier not in claimed and _derives(earlier, req.name):
            action: Action = "skip" if policy == "skip" else "overwrite"
            claimed.add(earlier)
            out.append(NameAssignment(req.key, earlier, action, "same output as before"))
            continue
        name = req.name
        if name in owners and name not in claimed and policy != "append":
            claimed.add(name)
            note = f"{name} exists (written by {owners[name] or 'an unknown source'})"
            out.append(
                NameAssignment(req.key, name, "skip" if policy == "skip" else "overwrite", note)
            )
            continue
        length = 6
        while name in owners or name in claimed:
            name = _suffixed(req.name, req.key, length)
            length += 2
        claimed.add(name)
        owners[name] = req.key
        out.append(NameAssignment(req.key, name, "write"))
    order = {r.key: i for i, r in enumerate(wanted)}
    return tuple(sorted(out, key=lambda a: order[a.key]))


def _derives(earlier: str, wanted: str) -> bool:
    """Whether ``earlier`` is ``wanted`` or ``wanted`` with a collision suffix."""
    if earlier == wanted:
        return True
    stem, _, ext = wanted.rpartition(".")
    pattern = rf"{re.escape(stem or wanted)}-[0-9a-f]{{6,40}}" + (
        rf"\.{re.escape(ext)}" if stem else ""
    )
    return re.fullmatch(pattern, earlier) is not None
