"""API keys: issued once, stored hashed, rotated with a grace period, revoked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pixellift.core.access.api_keys import (
    KeyServices,
    authenticate,
    issue_key,
    key_digest,
    key_view,
    revoke_key,
    rotate_key,
)
from pixellift.core.access.model import PrincipalKind, Role
from pixellift.core.errors import ApiKeyNotFoundError, InvalidApiKeyError

from tests.unit.access.memory import MemoryAudit, MemoryKeys, SetClock


@pytest.fixture
def services() -> KeyServices:
    return KeyServices(keys=MemoryKeys(), audit=MemoryAudit(), clock=SetClock())


def test_issued_key_is_stored_only_as_its_digest(services: KeyServices) -> None:
    # GIVEN a new owner key for acme
    issued = issue_key("acme", [Role.OWNER], actor="system:cli", services=services)
    # WHEN the stored record is read
    stored = services.keys.get("acme", issued.record.prefix)
    # THEN it holds the digest and prefix, never the key, and the listing hides the digest
    assert stored is not None
    assert issued.key.startswith(f"plk_acme_{stored.prefix}_")
    assert stored.digest == key_digest(issued.key)
    assert issued.key not in stored.model_dump_json()
    assert "digest" not in key_view(stored)


def test_two_issued_keys_differ(services: KeyServices) -> None:
    # GIVEN two keys issued with the same roles
    one = issue_key("acme", [Role.VIEWER], actor="system:cli", services=services)
    two = issue_key("acme", [Role.VIEWER], actor="system:cli", services=services)
    # THEN neither the key nor the prefix repeats
    assert one.key != two.key
    assert one.record.prefix != two.record.prefix


def test_authenticate_maps_a_key_to_its_workspace_and_roles(services: KeyServices) -> None:
    # GIVEN a contributor key for acme
    issued = issue_key("acme", [Role.CONTRIBUTOR], actor="system:cli", services=services)
    # WHEN it is presented
    principal = authenticate(issued.key, services.keys, services.clock)
    # THEN it is that key in acme with that role
    assert principal.kind is PrincipalKind.API_KEY
    assert principal.home_workspace == "acme"
    assert principal.roles_in("acme") == {Role.CONTRIBUTOR}


@pytest.mark.parametrize(
    ("presented", "message"),
    [
        (None, "header is missing"),
        ("not-a-key", "not a PixelLift API key"),
        ("plk_acme_0123456789ab_" + "A" * 43, "unknown key"),
    ],
)
def test_authenticate_refuses_missing_malformed_and_unknown_keys(
    services: KeyServices, presented: str | None, message: str
) -> None:
    # GIVEN no such key stored
    # WHEN it is presented
    # THEN it is refused, saying why
    with pytest.raises(InvalidApiKeyError, match=message):
        authenticate(presented, services.keys, services.clock)


def test_authenticate_refuses_a_key_with_a_known_prefix_but_wrong_secret(
    services: KeyServices,
) -> None:
    # GIVEN a stored key, and a forgery reusing its prefix
    issued = issue_key("acme", [Role.OWNER], actor="system:cli", services=services)
    forged = issued.key[:-1] + ("A" if issued.key[-1] != "A" else "B")
    # WHEN the forgery is presented
    # THEN it is unknown
    with pytest.raises(InvalidApiKeyError, match="unknown key"):
        authenticate(forged, services.keys, services.clock)


def test_rotated_key_works_through_the_grace_period_then_is_refused(
    services: KeyServices,
) -> None:
    # GIVEN a key rotated with a one-hour grace period
    clock = services.clock
    assert isinstance(clock, SetClock)
    old = issue_key("acme", [Role.PUBLISHER], actor="system:cli", services=services)
    new = rotate_key(
        "acme", old.record.prefix, actor="user:ana", services=services, grace=timedelta(hours=1)
    )
    # WHEN both are presented within the hour, and again after it
    assert authenticate(old.key, services.keys, clock).roles_in("acme") == {Role.PUBLISHER}
    assert authenticate(new.key, services.keys, clock).roles_in("acme") == {Role.PUBLISHER}
    clock.advance(timedelta(hours=1))
    # THEN the old key is refused as rotated and the new one still works
    with pytest.raises(InvalidApiKeyError, match="rotated; its grace period ended"):
        authenticate(old.key, services.keys, clock)
    assert authenticate(new.key, services.keys, clock).id == new.record.prefix
    stored_old = services.keys.get("acme", old.record.prefix)
    assert stored_old is not None and stored_old.replaced_by == new.record.prefix


def test_revoked_key_is_refused_at_once(services: KeyServices) -> None:
    # GIVEN a key that is revoked
    issued = issue_key("acme", [Role.OWNER], actor="system:cli", services=services)
    revoke_key("acme", issued.record.prefix, actor="user:ana", services=services)
    # WHEN it is presented
    # THEN it is refused as revoked
    with pytest.raises(InvalidApiKeyError, match="was revoked"):
        authenticate(issued.key, services.keys, services.clock)


def test_a_workspace_cannot_rotate_or_revoke_another_workspaces_key(
    services: KeyServices,
) -> None:
    # GIVEN a key of rival
    issued = issue_key("rival", [Role.OWNER], actor="system:cli", services=services)
    # WHEN acme tries to revoke or rotate it
    # THEN it does not exist for acme, and the key still works
    with pytest.raises(ApiKeyNotFoundError, match="does not exist in workspace acme"):
        revoke_key("acme", issued.record.prefix, actor="user:ana", services=services)
    with pytest.raises(ApiKeyNotFoundError):
        rotate_key("acme", issued.record.prefix, actor="user:ana", services=services)
    assert authenticate(issued.key, services.keys, services.clock).home_workspace == "rival"


def test_key_lifecycle_is_audited(services: KeyServices) -> None:
    # GIVEN a key issued, rotated and revoked
    old = issue_key("acme", [Role.ADMIN], actor="system:cli", services=services)
    new = rotate_key("acme", old.record.prefix, actor="user:ana", services=services)
    revoke_key("acme", new.record.prefix, actor="user:ana", services=services)
    # THEN each step is an audit event of acme naming the key, never the key itself
    audit = services.audit
    assert isinstance(audit, MemoryAudit)
    assert audit.types() == [
        "access.key_issued",
        "access.key_issued",
        "access.key_rotated",
        "access.key_revoked",
    ]
    assert {e.workspace_id for e in audit.events} == {"acme"}
    assert all(old.key not in e.model_dump_json() for e in audit.events)


def test_issue_needs_a_role(services: KeyServices) -> None:
    # GIVEN no roles
    # WHEN a key is issued
    # THEN it is refused, naming the workspace
    with pytest.raises(InvalidApiKeyError, match="key for workspace acme: give at least one role"):
        issue_key("acme", [], actor="system:cli", services=services)
