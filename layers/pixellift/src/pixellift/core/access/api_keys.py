"""Per-workspace API keys: issued once, stored hashed, rotatable with a grace period, revocable.

A key reads ``plk_<workspace>_<prefix>_<secret>``: the workspace and the 12-hex-digit prefix
find the stored record (so even the lookup is scoped to the key's own workspace), and the SHA-256
digest of the whole key (which holds 256 random bits, so a plain hash suffices) is
compared in constant time. The plain key is returned once, at issue or rotation, and never
stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from pixellift.core.access.model import Principal, PrincipalKind, Role
from pixellift.core.access.ports import ApiKeyRepository
from pixellift.core.access.records import ApiKeyRecord
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import ApiKeyNotFoundError, ConcurrentUpdateError, InvalidApiKeyError
from pixellift.core.ports import AuditSink, WallClock

KEY_PATTERN: Final = re.compile(
    r"^plk_([A-Za-z0-9.:@-]{1,200})_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$"
)
"""Workspace ids never hold ``_``, so the parts split unambiguously."""
DEFAULT_GRACE: Final = timedelta(hours=24)


@dataclass(frozen=True)
class IssuedKey:
    """A new key: the plain text (shown once) and what is stored."""

    key: str
    record: ApiKeyRecord


@dataclass(frozen=True)
class KeyServices:
    """What the key use cases need."""

    keys: ApiKeyRepository
    audit: AuditSink
    clock: WallClock
    token: Callable[[int], str] = secrets.token_urlsafe
    prefix: Callable[[int], str] = secrets.token_hex


def key_digest(api_key: str) -> str:
    """The stored digest of a key.

    Examples
    --------
    >>> key_digest("plk_acme_000000000000_" + "a" * 43)[:12]
    '2ca8a87d4913'
    """
    return hashlib.sha256(api_key.encode()).hexdigest()


def parse_key(api_key: str) -> tuple[str, str]:
    """The workspace and the lookup prefix of a well-formed key.

    Raises
    ------
    InvalidApiKeyError
        The text is not a PixelLift API key.

    Examples
    --------
    >>> parse_key("plk_acme_0123456789ab_" + "x" * 43)
    ('acme', '0123456789ab')
    >>> parse_key("secret")
    Traceback (most recent call last):
    ...
    pixellift.core.errors.InvalidApiKeyError: x-api-key: not a PixelLift API key ...
    """
    match = KEY_PATTERN.match(api_key)
    if match is None:
        msg = "x-api-key: not a PixelLift API key (plk_<workspace>_<prefix>_<secret>)"
        raise InvalidApiKeyError(msg)
    return match.group(1), match.group(2)


def _event(
    services: KeyServices, record: ApiKeyRecord, actor: str, kind: str, **after: str
) -> None:
    services.audit.record(
        AuditEvent(
            workspace_id=record.workspace_id,
            actor=actor,
            type=f"access.key_{kind}",
            at=services.clock.now(),
            subject={"key": record.prefix},
            after={"roles": sorted(record.roles), "name": record.name} | after,
        )
    )


def issue_key(
    workspace_id: str,
    roles: Iterable[Role],
    *,
    actor: str,
    services: KeyServices,
    name: str = "",
) -> IssuedKey:
    """Make a key holding ``roles`` in the workspace; the plain key is in the answer only.

    Raises
    ------
    InvalidApiKeyError
        No role was given.
    """
    held = frozenset(roles)
    if not held:
        msg = f"key for workspace {workspace_id}: give at least one role"
        raise InvalidApiKeyError(msg)
    for _ in range(5):
        prefix = services.prefix(6)
        key = f"plk_{workspace_id}_{prefix}_{services.token(32)}"
        record = ApiKeyRecord(
            workspace_id=workspace_id,
            prefix=prefix,
            digest=key_digest(key),
            roles=held,
            name=name,
            created_at=services.clock.now(),
            created_by=actor,
        )
        if services.keys.add(record):
            _event(services, record, actor, "issued")
            return IssuedKey(key, record)
    msg = f"key for workspace {workspace_id}: no free prefix after 5 tries"
    raise ConcurrentUpdateError(msg)


def authenticate(api_key: str | None, keys: ApiKeyRepository, clock: WallClock) -> Principal:
    """The principal a presented key stands for.

    Raises
    ------
    InvalidApiKeyError
        Missing, malformed, unknown, revoked, or rotated and past its grace period.
    """
    if not api_key:
        msg = "x-api-key: header is missing"
        raise InvalidApiKeyError(msg)
    workspace_id, prefix = parse_key(api_key)
    record = keys.get(workspace_id, prefix)
    presented = key_digest(api_key).encode()
    stored = record.digest.encode() if record is not None else b"0" * 64
    if not hmac.compare_digest(presented, stored) or record is None:
        msg = "x-api-key: unknown key"
        raise InvalidApiKeyError(msg)
    refusal = record.refusal(clock.now())
    if refusal is not None:
        msg = f"x-api-key: {refusal}"
        raise InvalidApiKeyError(msg)
    return Principal(
        kind=PrincipalKind.API_KEY,
        id=record.prefix,
        home_workspace=record.workspace_id,
        roles={record.workspace_id: record.roles},
    )


def find_key(workspace_id: str, prefix: str, keys: ApiKeyRepository) -> ApiKeyRecord:
    """The workspace's key with this prefix (another workspace's key is not found).

    Raises
    ------
    ApiKeyNotFoundError
        The workspace has no such key.
    """
    record = keys.get(workspace_id, prefix)
    if record is None:
        msg = f"key {prefix} does not exist in workspace {workspace_id}"
        raise ApiKeyNotFoundError(msg)
    return record


def rotate_key(
    workspace_id: str,
    prefix: str,
    *,
    actor: str,
    services: KeyServices,
    grace: timedelta = DEFAULT_GRACE,
) -> IssuedKey:
    """Issue a successor with the same roles; the old key works for ``grace`` more, then not.

    Raises
    ------
    ApiKeyNotFoundError
        No such key in the workspace.
    InvalidApiKeyError
        The key is revoked or expired already.
    """
    old = find_key(workspace_id, prefix, services.keys)
    now = services.clock.now()
    refusal = old.refusal(now)
    if refusal is not None:
        raise InvalidApiKeyError(f"rotate: {refusal}")
    new = issue_key(workspace_id, old.roles, actor=actor, services=services, name=old.name)
    ends = now + grace
    if old.expires_at is not None:
        ends = min(ends, old.expires_at)
    updated = old.model_copy(update={"expires_at": ends, "replaced_by": new.record.prefix})
    if services.keys.replace(updated) is None:
        msg = f"key {prefix}: changed while being rotated; retry"
        raise ConcurrentUpdateError(msg)
    _event(
        services,
        updated,
        actor,
        "rotated",
        grace_ends=ends.isoformat(),
        replaced_by=new.record.prefix,
    )
    return new


def revoke_key(
    workspace_id: str, prefix: str, *, actor: str, services: KeyServices
) -> ApiKeyRecord:
    """Refuse the key from now on (revoking twice keeps the first time).

    Raises
    ------
    ApiKeyNotFoundError
        No such key in the workspace.
    """
    old = find_key(workspace_id, prefix, services.keys)
    if old.revoked_at is not None:
        return old
    updated = old.model_copy(update={"revoked_at": services.clock.now()})
    stored = services.keys.replace(updated)
    if stored is None:
        msg = f"key {prefix}: changed while being revoked; retry"
        raise ConcurrentUpdateError(msg)
    _event(services, stored, actor, "revoked")
    return stored


def key_view(record: ApiKeyRecord) -> dict[str, object]:
    """What listing a key shows: never the digest."""
    return {
        "prefix": record.prefix,
        "name": record.name,
        "roles": sorted(record.roles),
        "created_at": record.created_at.isoformat(),
        "created_by": record.created_by,
        "expires_at": record.expires_at.isoformat() if record.expires_at else None,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
        "replaced_by": record.replaced_by,
    }
