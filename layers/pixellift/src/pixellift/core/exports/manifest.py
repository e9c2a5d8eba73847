"""The QuickSet manifest: every source mapped to its outputs, with settings and compliance.

Written next to the pack as ``manifest.json`` (the full record, read back on re-export so names stay
the same) and ``manifest.csv`` (one row per output, for spreadsheets).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ValidationError

from pixellift.core.errors import InvalidManifestError
from pixellift.core.exports.variants import VariantParams

MANIFEST_VERSION: Final = 1
CSV_COLUMNS: Final = (
    "run_id",
    "sku",
    "source",
    "channel",
    "slot",
    "role",
    "ab_tag",
    "weight",
    "path",
    "action",
    "passed",
    "blocking",
    "waived",
    "fill",
    "width",
    "height",
    "bytes",
    "preset",
    "preset_version",
    "ruleset",
    "ruleset_version",
    "ruleset_digest",
    "settings",
)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ManifestEntry(_Record):
    """One output of a pack (written, skipped or blocked by the gate)."""

    key: str
    sku: str
    source: str
    channel: str
    slot: str
    role: str
    ab_tag: str = ""
    weight: int | None = None
    path: str
    action: str
    passed: bool
    blocking: tuple[str, ...] = ()
    waived: tuple[str, ...] = ()
    fill: float
    width: int
    height: int
    bytes: int
    preset: str
    preset_version: str
    ruleset: str
    ruleset_version: str
    ruleset_digest: str
    settings: dict[str, Any]


class ManifestFailure(_Record):
    """A source (or one channel of it) that produced nothing, and why."""

    sku: str
    source: str
    error: str
    kind: str


class ManifestSkip(_Record):
    """A slot a channel's rules rule out."""

    channel: str
    slot: str
    reason: str


class QuickSetManifest(_Record):
    """The whole pack."""

    manifest_version: int = MANIFEST_VERSION
    run_id: str
    created: datetime
    destination: str
    channels: tuple[str, ...]
    name_template: str
    folder_template: str
    variants: tuple[VariantParams, ...] = ()
    entries: tuple[ManifestEntry, ...] = ()
    failures: tuple[ManifestFailure, ...] = ()
    skipped: tuple[ManifestSkip, ...] = ()
    unused_sources: tuple[str, ...] = ()

    @property
    def exported(self) -> tuple[ManifestEntry, ...]:
        """Entries whose file is at the destination (written now or before)."""
        return tuple(e for e in self.entries if e.path and e.action != "blocked")

    def owners(self) -> dict[str, str | None]:
        """Path to output key, for idempotent names on the next export."""
        return {e.path: e.key for e in self.exported}

    def to_json(self) -> str:
        """The manifest as indented JSON."""
        return self.model_dump_json(indent=2) + "\n"

    def to_csv(self) -> str:
        """One row per output with the columns of :data:`CSV_COLUMNS`."""
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for e in self.entries:
            row = e.model_dump(mode="json", exclude={"key"})
            row |= {
                "run_id": self.run_id,
                "blocking": " ".join(e.blocking),
                "waived": " ".join(e.waived),
                "weight": "" if e.weight is None else e.weight,
                "settings": json.dumps(e.settings, sort_keys=True),
            }
            writer.writerow(row)
        return buf.getvalue()


def parse_manifest(text: str | bytes, source: str) -> QuickSetManifest:
    """Read a ``manifest.json`` back; errors name the file and the field.

    Examples
    --------
    >>> parse_manifest("{}", "m.json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pixellift.core.errors.InvalidManifestError: m.json: not a QuickSet manifest (run_id: ...)
    """
    try:
        manifest = QuickSetManifest.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "(manifest)"
        msg = f"{source}: not a QuickSet manifest ({where}: {first['msg']})"
        raise InvalidManifestError(msg) from exc
    if manifest.manifest_version != MANIFEST_VERSION:
        msg = f"{source}: manifest version {manifest.manifest_version} is not {MANIFEST_VERSION}"
        raise InvalidManifestError(msg)
    return manifest
