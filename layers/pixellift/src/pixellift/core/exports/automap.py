"""CSV AutoMap: read SKU, colour, size and image role out of file names and folders.

Sellers name files in their own ways (``MUG-001_red_L_main.jpg``, ``MUG-001/back.jpg``,
``shoots/_main/MUG-001.png``). A :class:`MappingProfile` says how: the delimiters, the colour,
size and role words, or one regular expression with named groups; folders named ``_main`` mark
main images and ``_ignore`` hides a folder. Every field comes with a confidence: a regex or folder
directive is certain, a word from the vocabulary nearly so, a guess (first image is the main one,
the SKU taken from the folder) less so. Profiles are versioned and saved as YAML or JSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from pixellift.core.exports.automap_profile import (
    ImageRole,
    MappingProfile,
    dump_profile,
    load_profile,
)

__all__ = [
    "AutoMapResult",
    "MappedImage",
    "MappingProfile",
    "dump_profile",
    "load_profile",
    "map_paths",
]

_SIZE_UNITS: Final = re.compile(
    r"^\d+(?:\.\d+)?(?:ml|l|cm|mm|m|in|oz|g|kg|gb|tb)$|^\d{2,3}x\d{2,3}$"
)

# Confidence of each way of knowing a field.
CERTAIN: Final = 1.0
VOCABULARY: Final = 0.95
FOLDER_SKU: Final = 0.85
FILENAME_SKU: Final = 0.9
GUESSED_ROLE: Final = 0.6
UNKNOWN_TOKEN_PENALTY: Final = 0.15


@dataclass(frozen=True)
class MappedImage:
    """What AutoMap read from one path, with a confidence per field and notes on doubts."""

    path: str
    sku: str
    colour: str | None
    size: str | None
    role: ImageRole
    index: int | None
    confidence: dict[str, float]
    notes: tuple[str, ...] = ()

    @property
    def overall(self) -> float:
        """The lowest field confidence: the mapping is as sure as its weakest part."""
        return min(self.confidence.values())


@dataclass(frozen=True)
class AutoMapResult:
    """Mapped images, grouped per SKU, plus ignored and unmapped paths with the cause."""

    images: tuple[MappedImage, ...]
    ignored: tuple[str, ...] = ()
    unmapped: tuple[tuple[str, str], ...] = ()
    by_sku: dict[str, tuple[MappedImage, ...]] = field(default_factory=dict)


class _Parser:
    def __init__(self, profile: MappingProfile) -> None:
        self.p = profile
        self.split = re.compile(f"[{re.escape(profile.delimiters)}]+")
        self.regex = re.compile(profile.regex) if profile.regex else None
        self.colours = {c.lower() for c in profile.colours}
        self.sizes = {s.lower() for s in profile.sizes}
        self.roles = {w.lower(): role for role, words in profile.roles.items() for w in words}

    def kind(self, token: str) -> str | None:
        low = token.lower()
        if low in self.roles:
            return "role"
        if low in self.colours:
            return "colour"
        if low in self.sizes or _SIZE_UNITS.match(low):
            return "size"
        if low.isdigit() and len(low) <= 2:  # noqa: PLR2004
            return "index"
        return None

    def words(self, stem: str) -> tuple[dict[str, str], dict[str, float], list[str]]:
        """SKU, attributes and role from the words of a file name, with confidences and notes."""
        found: dict[str, str] = {}
        conf: dict[str, float] = {}
        notes: list[str] = []
        tokens = [t for t in self.split.split(stem) if t]
        kinds = [self.kind(t) for t in tokens]
        # Digits count as an image index only at the end ("MUG_2"); before other words they
        # belong to the SKU ("BOTTLE-7_main").
        final = len(tokens) - 1
        first_attr = next(
            (i for i, k in enumerate(kinds) if k not in {None, "index"} or (i == final and k)),
            len(tokens),
        )
        if first_attr > 0:
            last = tokens[first_attr - 1]
            end = stem.find(last, sum(len(t) for t in tokens[: first_attr - 1])) + len(last)
            found["sku"] = stem[:end].strip(self.p.delimiters)
            conf["sku"] = FILENAME_SKU
        for token, kind in zip(tokens[first_attr:], kinds[first_attr:], strict=True):
            if kind is None:
                notes.append(f"unrecognised word {token!r}")
            elif kind in found:
                notes.append(f"second {kind} word {token!r} ignored")
            else:
                found[kind] = token
                conf[kind] = VOCABULARY
        if notes and "sku" in conf:
            conf["sku"] = max(0.1, conf["sku"] - UNKNOWN_TOKEN_PENALTY)
        return found, conf, notes

    def parse(self, path: str) -> MappedImage | str | None:
        """A mapped image, ``None`` for an ignored path, or the reason it cannot be mapped."""
        parts = [p for p in path.replace("\\", "/").split("/") if p]
        folders, filename = parts[:-1], parts[-1]
        if self.p.ignore_folder in folders:
            return None
        stem = filename.rsplit(".", 1)[0] if "." in filename else filename
        directive_main = self.p.main_folder in folders
        plain = [f for f in folders if not f.startswith("_")]
        parent = plain[-1] if plain else None
        conf: dict[str, float] = {}
        notes: list[str] = []
        found: dict[str, str] = {}
        if self.regex is not None:
            m = self.regex.fullmatch(stem)
            if m is None:
                return f"{path}: the name does not match the profile's pattern {self.p.regex!r}"
            found = {k: v for k, v in m.groupdict().items() if v}
            conf = dict.fromkeys(found, CERTAIN)
        else:
            found, conf, notes = self.words(stem)
        if "sku" not in found:
            if not (self.p.sku_from_folder and parent):
                return f"{path}: no SKU in the file name and no folder to take it from"
            found["sku"], conf["sku"] = parent, FOLDER_SKU
            notes.append(f"SKU taken from the folder {parent!r}")
        elif parent is not None and parent == found["sku"]:
            conf["sku"] = CERTAIN
        role: ImageRole = "alternate"
        if directive_main:
            role, conf["role"] = "main", CERTAIN
        elif "role" in found:
            word = found["role"].lower()
            role = self.roles.get(word, "alternate")
            if self.regex is not None and word in {"main", "alternate", "swatch", "lifestyle"}:
                role = word  # type: ignore[assignment]
        index = int(found["index"]) if found.get("index", "").isdigit() else None
        return MappedImage(
            path=path,
            sku=found["sku"],
            colour=found["colour"].lower() if "colour" in found else None,
            size=found["size"].upper() if "size" in found else None,
            role=role,
            index=index,
            confidence=conf,
            notes=tuple(notes),
        )


def _settle_roles(images: list[MappedImage]) -> tuple[MappedImage, ...]:
    """One main per SKU: the named one, else the first by index and name (a guess)."""
    ordered = sorted(images, key=lambda m: (m.index if m.index is not None else 0, m.path))
    named = [m for m in ordered if m.role == "main" and "role" in m.confidence]
    out: list[MappedImage] = []
    main_path = named[0].path if named else None
    for m in ordered:
        if main_path is None and m.role == "alternate" and "role" not in m.confidence:
            main_path = m.path
            conf = m.confidence | {"role": GUESSED_ROLE}
            out.append(_replace(m, role="main", confidence=conf, note="main image guessed: first"))
            continue
        if m.role == "main" and m.path != main_path:
            out.append(_replace(m, role="alternate", note=f"second main image; {main_path} kept"))
            continue
        if "role" not in m.confidence:
            out.append(_replace(m, confidence=m.confidence | {"role": GUESSED_ROLE}))
            continue
        out.append(m)
    return tuple(out)


def _replace(
    m: MappedImage,
    *,
    role: ImageRole | None = None,
    confidence: dict[str, float] | None = None,
    note: str | None = None,
) -> MappedImage:
    return MappedImage(
        m.path,
        m.sku,
        m.colour,
        m.size,
        role or m.role,
        m.index,
        confidence if confidence is not None else m.confidence,
        (*m.notes, note) if note else m.notes,
    )


def map_paths(paths: Iterable[str], profile: MappingProfile | None = None) -> AutoMapResult:
    """Map every path; group per SKU and settle one main image per SKU.

    Examples
    --------
    >>> r = map_paths(["MUG-001_red_L_main.jpg", "MUG-001_red_L_2.jpg", "TEE/1.png"])
    >>> [(m.sku, m.colour, m.size, m.role) for m in r.by_sku["MUG-001"]]
    [('MUG-001', 'red', 'L', 'main'), ('MUG-001', 'red', 'L', 'alternate')]
    >>> m = r.by_sku["TEE"][0]; m.role, m.confidence["sku"], m.confidence["role"]
    ('main', 0.85, 0.6)
    """
    parser = _Parser(profile or MappingProfile())
    ignored: list[str] = []
    unmapped: list[tuple[str, str]] = []
    groups: dict[str, list[MappedImage]] = {}
    for path in paths:
        result = parser.parse(path)
        if result is None:
            ignored.append(path)
        elif isinstance(result, str):
            unmapped.append((path, result))
        else:
            groups.setdefault(result.sku, []).append(result)
    by_sku = {sku: _settle_roles(group) for sku, group in sorted(groups.items())}
    images = tuple(m for group in by_sku.values() for m in group)
    return AutoMapResult(images, tuple(ignored), tuple(unmapped), by_sku)
