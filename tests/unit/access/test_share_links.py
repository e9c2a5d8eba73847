"""Safe Share links: signature, expiry, revocation, password, scope, and the audit of each use."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from pixellift.core.access.credentials import HmacSigner
from pixellift.core.access.model import Action, Resource, ResourceKind
from pixellift.core.access.records import ShareScope
from pixellift.core.access.share_links import (
    CreatedLink,
    ShareServices,
    create_share_link,
    link_view,
    open_share_link,
    revoke_share_link,
)
from pixellift.core.errors import (
    InvalidShareLinkError,
    ShareLinkExpiredError,
    ShareLinkNotFoundError,
    ShareLinkRevokedError,
    SharePasswordError,
)

from tests.unit.access.memory import MemoryAudit, MemoryLinks, SetClock

BATCH = Resource(kind=ResourceKind.BATCH, id="b-1", workspace_id="acme")


@pytest.fixture
def services() -> ShareServices:
    ids = iter(f"l{i}" for i in range(100))
    return ShareServices(
        links=MemoryLinks(),
        signer=HmacSigner(b"s" * 32, key_id="k1"),
        audit=MemoryAudit(),
        clock=SetClock(),
        new_id=lambda: next(ids),
    )


def _share(services: ShareServices, password: str | None = None) -> CreatedLink:
    return create_share_link(
        BATCH,
        [ShareScope.VIEW, ShareScope.ANNOTATE],
        timedelta(days=2),
        actor="key:abc",
        services=services,
        password=password,
    )


def test_opened_link_grants_its_scopes_on_its_target_only(services: ShareServices) -> None:
    # GIVEN a view+annotate link to batch b-1
    created = _share(services)
    # WHEN it is opened
    grant = open_share_link(created.token, services=services)
    # THEN images of b-1 can be viewed and annotated, not approved; other batches not at all
    image = Resource(kind=ResourceKind.IMAGE, id="b-1/i00000", workspace_id="acme")
    elsewhere = Resource(kind=ResourceKind.IMAGE, id="b-2/i00000", workspace_id="acme")
    rival = Resource(kind=ResourceKind.IMAGE, id="b-1/i00000", workspace_id="rival")
    assert grant.allows(Action.VIEW_IMAGE, image)
    assert grant.allows(Action.ANNOTATE_IMAGE, BATCH)
    assert not grant.allows(Action.APPROVE_IMAGE, image)
    assert not grant.allows(Action.VIEW_IMAGE, elsewhere)
    assert not grant.allows(Action.VIEW_IMAGE, rival)


def test_link_expires(services: ShareServices) -> None:
    # GIVEN a two-day link, two days later
    created = _share(services)
    clock = services.clock
    assert isinstance(clock, SetClock)
    clock.advance(timedelta(days=2))
    # WHEN it is opened
    # THEN it is refused as expired
    with pytest.raises(ShareLinkExpiredError, match="expired at"):
        open_share_link(created.token, services=services)


def test_revoked_link_is_refused(services: ShareServices) -> None:
    # GIVEN a revoked link
    created = _share(services)
    revoke_share_link("acme", created.record.link_id, actor="user:ana", services=services)
    # WHEN it is opened
    # THEN it is refused as revoked
    with pytest.raises(ShareLinkRevokedError, match="revoked"):
        open_share_link(created.token, services=services)


def test_another_workspace_cannot_revoke_a_link(services: ShareServices) -> None:
    # GIVEN acme's link
    created = _share(services)
    # WHEN rival revokes it by id
    # THEN it does not exist for rival, and the link still opens
    with pytest.raises(ShareLinkNotFoundError, match="in workspace rival"):
        revoke_share_link("rival", created.record.link_id, actor="user:x", services=services)
    assert open_share_link(created.token, services=services).link.link_id == "l0"


@pytest.mark.parametrize("given", [None, "", "wrong"])
def test_password_protected_link_refuses_a_missing_or_wrong_password(
    services: ShareServices, given: str | None
) -> None:
    # GIVEN a link with a password
    created = _share(services, password="correct horse")
    # WHEN it is opened without it or with a wrong one
    # THEN it is refused
    with pytest.raises(SharePasswordError, match="password missing or wrong"):
        open_share_link(created.token, services=services, password=given)


def test_password_is_stored_as_an_scrypt_hash(services: ShareServices) -> None:
    # GIVEN a link with a password
    created = _share(services, password="correct horse")
    # THEN the right password opens it and the record holds no plain password
    assert open_share_link(created.token, services=services, password="correct horse")
    stored = created.record.model_dump_json()
    assert "correct horse" not in stored
    assert created.record.password is not None and created.record.password.n == 2**14
    assert link_view(created.record)["password"] is True


def _tamper(token: str) -> str:
    body, _, signature = token.partition(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["exp"] += 86_400 * 365
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode() + "." + signature


@pytest.mark.parametrize(
    "mangle",
    [
        _tamper,
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.partition(".")[0],
        lambda _: "garbage",
        lambda t: t.replace(".", ".!!"),
    ],
    ids=["extended-expiry", "altered-signature", "no-signature", "garbage", "bad-base64"],
)
def test_tampered_token_is_refused(services: ShareServices, mangle: object) -> None:
    # GIVEN a genuine token, altered
    created = _share(services)
    token = mangle(created.token)  # type: ignore[operator]
    # WHEN it is opened
    # THEN the signature check refuses it
    with pytest.raises(InvalidShareLinkError, match="signature does not match"):
        open_share_link(token, services=services)


def test_token_signed_with_another_key_is_refused(services: ShareServices) -> None:
    # GIVEN a token made by a signer with another secret
    created = _share(services)
    other = ShareServices(
        links=services.links,
        signer=HmacSigner(b"t" * 32, key_id="k1"),
        audit=services.audit,
        clock=services.clock,
    )
    # WHEN it is opened there
    # THEN it is refused
    with pytest.raises(InvalidShareLinkError):
        open_share_link(created.token, services=other)


def test_every_use_is_audited(services: ShareServices) -> None:
    # GIVEN a password link: created, opened, refused once, revoked, refused again
    created = _share(services, password="pw")
    open_share_link(created.token, services=services, password="pw")
    with pytest.raises(SharePasswordError):
        open_share_link(created.token, services=services, password="nope")
    revoke_share_link("acme", "l0", actor="user:ana", services=services)
    with pytest.raises(ShareLinkRevokedError):
        open_share_link(created.token, services=services, password="pw")
    # THEN each is an acme event about the link
    audit = services.audit
    assert isinstance(audit, MemoryAudit)
    assert audit.types() == [
        "share.created",
        "share.opened",
        "share.refused",
        "share.revoked",
        "share.refused",
    ]
    assert {e.subject["share_link"] for e in audit.events} == {"l0"}
    assert audit.events[2].after == {"reason": "share link l0: password missing or wrong"}


@pytest.mark.parametrize(
    ("target", "scopes", "lifetime", "message"),
    [
        (Resource.workspace("acme"), [ShareScope.VIEW], timedelta(days=1), "only images"),
        (BATCH, [], timedelta(days=1), "at least one of view"),
        (BATCH, [ShareScope.VIEW], timedelta(days=91), "at most 90 days"),
        (BATCH, [ShareScope.VIEW], timedelta(0), "more than 0"),
    ],
)
def test_create_refuses_bad_requests(
    services: ShareServices,
    target: Resource,
    scopes: list[ShareScope],
    lifetime: timedelta,
    message: str,
) -> None:
    # GIVEN an unshareable target, no scopes, or a lifetime out of range
    # WHEN a link is created
    # THEN it is refused, saying why
    with pytest.raises(InvalidShareLinkError, match=message):
        create_share_link(target, scopes, lifetime, actor="user:ana", services=services)


def test_signer_needs_a_long_secret() -> None:
    # GIVEN a 16-byte secret
    # WHEN a signer is made
    # THEN it is refused
    with pytest.raises(ValueError, match="at least 32 bytes"):
        HmacSigner(b"short" * 3)
