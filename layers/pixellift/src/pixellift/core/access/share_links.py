"""Safe Share links: signed, expiring, scoped, revocable, optionally password-protected.

A token is ``<payload>.<signature>``, both base64url: the payload names the workspace, the link
and the expiry; the signature (HMAC-SHA256 through the :class:`Signer` port) makes any edit
detectable. The stored link is the authority for scope, target, password and revocation, so a
link can be revoked before it expires. Every opening, and every refusal of a genuine token, is
recorded in the workspace's audit log.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any, Final

from pixellift.core.access.credentials import check_password, hash_password
from pixellift.core.access.model import Action, Resource, ResourceKind
from pixellift.core.access.ports import ShareLinkRepository, Signer
from pixellift.core.access.records import ShareLinkRecord, ShareScope
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import (
    ConcurrentUpdateError,
    InvalidShareLinkError,
    ShareLinkExpiredError,
    ShareLinkNotFoundError,
    ShareLinkRevokedError,
    SharePasswordError,
)
from pixellift.core.ports import AuditSink, WallClock

_TOKEN: Final = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
SHAREABLE: Final = frozenset({ResourceKind.IMAGE, ResourceKind.BATCH, ResourceKind.COLLECTION})
MAX_LIFETIME: Final = timedelta(days=90)
SCOPE_ACTIONS: Final = {
    ShareScope.VIEW: Action.VIEW_IMAGE,
    ShareScope.ANNOTATE: Action.ANNOTATE_IMAGE,
    ShareScope.APPROVE: Action.APPROVE_IMAGE,
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class ShareServices:
    """What the share-link use cases need."""

    links: ShareLinkRepository
    signer: Signer
    audit: AuditSink
    clock: WallClock
    new_id: Callable[[], str] = lambda: secrets.token_hex(8)
    salt: Callable[[int], bytes] = secrets.token_bytes


@dataclass(frozen=True)
class CreatedLink:
    """A new link: its token (to hand out) and what is stored."""

    token: str
    record: ShareLinkRecord


@dataclass(frozen=True)
class ShareGrant:
    """What an opened link allows."""

    link: ShareLinkRecord

    @property
    def target(self) -> Resource:
        """The shared asset, batch or collection."""
        link = self.link
        return Resource(kind=link.target_kind, id=link.target_id, workspace_id=link.workspace_id)

    def allows(self, action: Action, resource: Resource) -> bool:
        """Whether the link's scopes cover ``action`` on ``resource``.

        The resource is the target itself or, for a batch or collection, an image inside it
        (``<target id>/<image id>``).

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> t = datetime(2026, 11, 26, tzinfo=UTC)
        >>> g = ShareGrant(ShareLinkRecord(workspace_id="acme", link_id="l1",
        ...     target_kind=ResourceKind.BATCH, target_id="b-1",
        ...     scopes=frozenset({ShareScope.VIEW}),
        ...     created_at=t, created_by="user:ana", expires_at=t))
        >>> image = Resource(kind=ResourceKind.IMAGE, id="b-1/i00001", workspace_id="acme")
        >>> g.allows(Action.VIEW_IMAGE, image), g.allows(Action.APPROVE_IMAGE, image)
        (True, False)
        >>> other = Resource(kind=ResourceKind.IMAGE, id="b-2/i1", workspace_id="acme")
        >>> g.allows(Action.VIEW_IMAGE, other)
        False
        """
        if action not in {SCOPE_ACTIONS[s] for s in self.link.scopes}:
            return False
        target = self.target
        if resource.workspace_id != target.workspace_id:
            return False
        if (resource.kind, resource.id) == (target.kind, target.id):
            return True
        inside = target.kind is not ResourceKind.IMAGE and resource.kind is ResourceKind.IMAGE
        return inside and resource.id.startswith(f"{target.id}/")


def create_share_link(
    target: Resource,
    scopes: Iterable[ShareScope],
    lifetime: timedelta,
    *,
    actor: str,
    services: ShareServices,
    password: str | None = None,
) -> CreatedLink:
    """Store a link to ``target`` and sign its token.

    Raises
    ------
    InvalidShareLinkError
        The target is not shareable, no scope was given, or the lifetime is not within 90 days.
    """
    granted = frozenset(scopes)
    if target.kind not in SHAREABLE:
        msg = f"share {target.kind} {target.id}: only images, batches and collections are shared"
        raise InvalidShareLinkError(msg)
    if not granted:
        msg = "scopes: give at least one of view, annotate, approve"
        raise InvalidShareLinkError(msg)
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        msg = f"expires_in: must be more than 0 and at most {MAX_LIFETIME.days} days"
        raise InvalidShareLinkError(msg)
    now = services.clock.now()
    record = ShareLinkRecord(
        workspace_id=target.workspace_id,
        link_id=services.new_id(),
        target_kind=target.kind,
        target_id=target.id,
        scopes=granted,
        created_at=now,
        created_by=actor,
        expires_at=now + lifetime,
        password=None if not password else hash_password(password, services.salt(16)),
    )
    if not services.links.add(record):
        msg = f"share link {record.link_id}: id taken; retry"
        raise ConcurrentUpdateError(msg)
    _record(services, record, actor, "share.created", {"scopes": sorted(granted)})
    return CreatedLink(sign_token(record, services.signer), record)


def sign_token(record: ShareLinkRecord, signer: Signer) -> str:
    """The token of a stored link."""
    payload = {
        "v": 1,
        "ws": record.workspace_id,
        "id": record.link_id,
        "exp": int(record.expires_at.timestamp()),
        "kid": signer.key_id,
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(signer.sign(body.encode()))}"


def read_token(token: str, signer: Signer) -> dict[str, Any]:
    """The payload of a token whose signature checks out.

    Raises
    ------
    InvalidShareLinkError
        Malformed, signed by another key, or altered.
    """
    body, _, signature = token.partition(".")
    try:
        valid = bool(_TOKEN.match(token)) and signer.verify(body.encode(), _unb64(signature))
        payload = json.loads(_unb64(body)) if valid else None
    except (binascii.Error, ValueError):
        valid, payload = False, None
    if not valid or not isinstance(payload, dict) or payload.get("kid") != signer.key_id:
        msg = "share token: malformed or its signature does not match"
        raise InvalidShareLinkError(msg)
    return payload


def open_share_link(
    token: str, *, services: ShareServices, password: str | None = None
) -> ShareGrant:
    """Check the token, the stored link and the password; record the opening.

    Raises
    ------
    InvalidShareLinkError
        The token is malformed or tampered with.
    ShareLinkExpiredError, ShareLinkRevokedError, SharePasswordError
        The link has expired or was revoked, or the password is missing or wrong (each refusal
        of a genuine token is audited as ``share.refused``).
    """
    payload = read_token(token, services.signer)
    record = services.links.get(str(payload["ws"]), str(payload["id"]))
    if record is None:
        msg = f"share link {payload['id']}: no such link"
        raise InvalidShareLinkError(msg)
    now = services.clock.now()
    refusal: InvalidShareLinkError | None = None
    if record.revoked_at is not None:
        refusal = ShareLinkRevokedError(f"share link {record.link_id}: revoked")
    elif now >= record.expires_at or now.timestamp() >= int(payload["exp"]) + 1:
        refusal = ShareLinkExpiredError(
            f"share link {record.link_id}: expired at {record.expires_at.isoformat()}"
        )
    elif record.password is not None and not check_password(password or "", record.password):
        refusal = SharePasswordError(f"share link {record.link_id}: password missing or wrong")
    if refusal is not None:
        _record(
            services, record, f"share:{record.link_id}", "share.refused", {"reason": str(refusal)}
        )
        raise refusal
    _record(
        services,
        record,
        f"share:{record.link_id}",
        "share.opened",
        {"scopes": sorted(record.scopes)},
    )
    return ShareGrant(record)


def revoke_share_link(
    workspace_id: str, link_id: str, *, actor: str, services: ShareServices
) -> ShareLinkRecord:
    """Refuse the link from now on (revoking twice keeps the first time).

    Raises
    ------
    ShareLinkNotFoundError
        The workspace has no such link.
    """
    record = services.links.get(workspace_id, link_id)
    if record is None:
        msg = f"share link {link_id} does not exist in workspace {workspace_id}"
        raise ShareLinkNotFoundError(msg)
    if record.revoked_at is not None:
        return record
    stored = services.links.replace(record.model_copy(update={"revoked_at": services.clock.now()}))
    if stored is None:
        msg = f"share link {link_id}: changed while being revoked; retry"
        raise ConcurrentUpdateError(msg)
    _record(services, stored, actor, "share.revoked", {})
    return stored


def link_view(record: ShareLinkRecord) -> dict[str, Any]:
    """What the API shows of a link (never the password hash)."""
    return {
        "link_id": record.link_id,
        "workspace_id": record.workspace_id,
        "target": {"kind": record.target_kind.value, "id": record.target_id},
        "scopes": sorted(record.scopes),
        "expires_at": record.expires_at.astimezone(UTC).isoformat(),
        "password": record.password is not None,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
    }


def _record(
    services: ShareServices, record: ShareLinkRecord, actor: str, kind: str, after: dict[str, Any]
) -> None:
    services.audit.record(
        AuditEvent(
            workspace_id=record.workspace_id,
            actor=actor,
            type=kind,
            at=services.clock.now(),
            subject={
                "share_link": record.link_id,
                "target_kind": record.target_kind.value,
                "target": record.target_id,
            },
            after=after or None,
        )
    )
