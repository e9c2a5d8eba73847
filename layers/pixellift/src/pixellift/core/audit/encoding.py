"""Canonical entry bytes: the exact bytes each Merkle leaf hashes.

An entry is a JSON object with four members, written with sorted keys, no whitespace
(separators ``,`` and ``:``), UTF-8 without escaping non-ASCII characters, and no NaN or
infinity; numbers are integers or the shortest decimal that reads back as the same float::

    {"event":{...},"format":"pixellift.audit/1","index":<leaf index>,"prev":"<hex>"}

``event`` holds the :class:`~pixellift.core.contracts.audit.AuditEvent` fields (``actor``,
``after``, ``at``, ``before``, ``justification``, ``subject``, ``taxonomy_version``, ``type``,
``workspace_id``); ``at`` is UTC with microseconds, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``. ``prev`` is
the leaf hash of the entry before (64 zeros for the first), so entries chain as in CloudTrail's
digests and a rewritten entry is named by its successor. The same event always gives the same
bytes, so anyone can re-encode a decoded entry and compare.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from pydantic import ValidationError

from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import InvalidAuditEventError

FORMAT: Final = "pixellift.audit/1"
NO_PREVIOUS: Final = bytes(32)
"""``prev`` of the first entry of a log."""
_ENCODER: Final = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
_DECODER: Final = json.JSONDecoder()


def canonical_json(value: Any) -> bytes:
    r"""The canonical bytes of a JSON value (sorted keys, no whitespace, UTF-8).

    Examples
    --------
    >>> canonical_json({"b": [1, 2.5, None], "a": "é"})
    b'{"a":"\xc3\xa9","b":[1,2.5,null]}'
    """
    try:
        text = _ENCODER.encode(value)
    except (TypeError, ValueError) as exc:
        msg = f"not canonical JSON: {exc}"
        raise InvalidAuditEventError(msg) from exc
    return text.encode("utf-8")


def format_time(at: datetime) -> str:
    """An aware time as UTC with microseconds.

    Examples
    --------
    >>> from datetime import timedelta, timezone
    >>> format_time(datetime(2026, 11, 26, 10, 0, tzinfo=timezone(timedelta(hours=2))))
    '2026-11-26T08:00:00.000000Z'
    """
    if at.tzinfo is None:
        msg = f"event time {at.isoformat()} has no time zone"
        raise InvalidAuditEventError(msg)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_finite(v) for v in value)
    return True


def event_fields(event: AuditEvent) -> dict[str, Any]:
    """The event as the JSON object stored in an entry."""
    if not (_finite(event.before) and _finite(event.after)):
        msg = f"{event.type}: not canonical JSON: NaN or infinity in the before/after diff"
        raise InvalidAuditEventError(msg)
    fields = event.model_dump(mode="json")
    fields["at"] = format_time(event.at)
    return fields


def encode_entry(index: int, prev: bytes, event: AuditEvent) -> bytes:
    """The canonical bytes of the entry at leaf ``index`` whose predecessor's leaf hash is ``prev``.

    Examples
    --------
    >>> e = AuditEvent(workspace_id="acme", actor="user:ana", type="preset.changed",
    ...     at=datetime(2026, 11, 26, tzinfo=UTC), subject={"preset": "amazon-main"})
    >>> encode_entry(0, NO_PREVIOUS, e)[:60]
    b'{"event":{"actor":"user:ana","after":null,"at":"2026-11-26T0'
    """
    body = {"event": event_fields(event), "format": FORMAT, "index": index, "prev": prev.hex()}
    return canonical_json(body)


@dataclass(frozen=True)
class DecodedEntry:
    """What an entry's bytes say: its index, its predecessor's leaf hash and the event fields."""

    index: int
    prev: bytes
    event: dict[str, Any]

    def to_event(self) -> AuditEvent:
        """The event as a validated record."""
        try:
            return AuditEvent.model_validate(self.event)
        except ValidationError as exc:
            msg = f"entry {self.index}: the event does not match its contract: {exc}"
            raise InvalidAuditEventError(msg) from exc


def decode_entry(data: bytes) -> DecodedEntry:
    """Read an entry's bytes, checking that they are canonical.

    Raises
    ------
    InvalidAuditEventError
        The bytes are not JSON, lack a member, or are not the canonical form of what they hold.

    Examples
    --------
    >>> decode_entry(b'{"event":{},"format":"pixellift.audit/1","index":3,"prev":"00"}').index
    3
    >>> decode_entry(b'{"index": 3}')
    Traceback (most recent call last):
    ...
    pixellift.core.errors.InvalidAuditEventError: not an entry: expected the members event, ...
    """
    try:
        body = _DECODER.decode(data.decode("utf-8"))
    except ValueError as exc:
        msg = f"not JSON (truncated or corrupted): {exc}"
        raise InvalidAuditEventError(msg) from exc
    if not isinstance(body, dict) or set(body) != {"event", "format", "index", "prev"}:
        msg = "not an entry: expected the members event, format, index and prev"
        raise InvalidAuditEventError(msg)
    if body["format"] != FORMAT or not isinstance(body["index"], int):
        msg = f"not an entry of format {FORMAT}"
        raise InvalidAuditEventError(msg)
    if canonical_json(body) != data:
        msg = "the bytes are not in canonical form"
        raise InvalidAuditEventError(msg)
    try:
        prev = bytes.fromhex(body["prev"])
    except (TypeError, ValueError) as exc:
        msg = "prev is not a hex hash"
        raise InvalidAuditEventError(msg) from exc
    event = body["event"]
    if not isinstance(event, dict):
        msg = "event is not an object"
        raise InvalidAuditEventError(msg)
    return DecodedEntry(index=body["index"], prev=prev, event=event)
