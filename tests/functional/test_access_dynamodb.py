"""The access repositories on DynamoDB (moto): conditional writes and workspace-scoped reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from moto import mock_aws
from pixellift.adapters.aws.access_models import AccessTableNames, AccessTables
from pixellift.adapters.aws.access_repos import DynamoApiKeys, DynamoMemberships, DynamoShareLinks
from pixellift.core.access.api_keys import KeyServices, authenticate, issue_key, revoke_key
from pixellift.core.access.memberships import MembershipServices, grant_role, user_principal
from pixellift.core.access.model import ResourceKind, Role
from pixellift.core.access.records import ShareLinkRecord, ShareScope
from pixellift.core.errors import InvalidApiKeyError

from tests.unit.access.memory import MemoryAudit, SetClock

T0 = datetime(2026, 11, 26, 9, tzinfo=UTC)


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch) -> Iterator[AccessTables]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        bound = AccessTables.bound(AccessTableNames.with_prefix("t-access-"), "us-east-1")
        bound.create_missing()
        yield bound


def test_keys_round_trip_and_revocation_is_seen_by_the_next_read(tables: AccessTables) -> None:
    # GIVEN a key issued into DynamoDB
    services = KeyServices(DynamoApiKeys(tables), MemoryAudit(), SetClock(T0))
    issued = issue_key("acme", [Role.VIEWER], actor="system:test", services=services)
    # WHEN it is authenticated, revoked and authenticated again
    principal = authenticate(issued.key, services.keys, services.clock)
    revoke_key("acme", issued.record.prefix, actor="user:ana", services=services)
    # THEN the first succeeds and the second is refused
    assert principal.roles_in("acme") == {Role.VIEWER}
    with pytest.raises(InvalidApiKeyError, match="revoked"):
        authenticate(issued.key, services.keys, services.clock)
    assert [k.prefix for k in services.keys.list("acme")] == [issued.record.prefix]
    assert list(services.keys.list("rival")) == []


def test_stale_key_update_loses(tables: AccessTables) -> None:
    # GIVEN a stored key and two copies of its record
    services = KeyServices(DynamoApiKeys(tables), MemoryAudit(), SetClock(T0))
    record = issue_key("acme", [Role.OWNER], actor="system:test", services=services).record
    # WHEN both copies are written
    first = services.keys.replace(record.model_copy(update={"name": "one"}))
    second = services.keys.replace(record.model_copy(update={"name": "two"}))
    # THEN only the first lands
    assert first is not None and second is None
    stored = services.keys.get("acme", record.prefix)
    assert stored is not None and stored.name == "one"


def test_memberships_are_per_workspace_and_versioned(tables: AccessTables) -> None:
    # GIVEN ana granted roles in two workspaces
    repo = DynamoMemberships(tables)
    services = MembershipServices(repo, MemoryAudit(), SetClock(T0))
    grant_role("acme", "ana", Role.VIEWER, actor="user:olu", services=services)
    grant_role("acme", "ana", Role.REVIEWER, actor="user:olu", services=services)
    grant_role("rival", "ana", Role.OWNER, actor="user:olu", services=services)
    # THEN each workspace sees only its own roles
    assert user_principal("ana", "acme", repo).roles_in("acme") == {Role.VIEWER, Role.REVIEWER}
    assert user_principal("ana", "rival", repo).roles_in("rival") == {Role.OWNER}
    assert [m.user_id for m in repo.list("acme")] == ["ana"]
    stale = repo.get("acme", "ana")
    assert stale is not None and stale.version == 1
    assert not repo.put(stale.model_copy(update={"version": 1}))


def test_share_links_are_found_only_in_their_workspace(tables: AccessTables) -> None:
    # GIVEN a link of acme
    repo = DynamoShareLinks(tables)
    link = ShareLinkRecord(
        workspace_id="acme",
        link_id="l1",
        target_kind=ResourceKind.BATCH,
        target_id="b-1",
        scopes=frozenset({ShareScope.VIEW}),
        created_at=T0,
        created_by="user:ana",
        expires_at=T0 + timedelta(days=1),
    )
    # WHEN it is stored twice and read from acme and rival
    assert repo.add(link)
    assert not repo.add(link)
    # THEN acme has it and rival does not
    assert repo.get("acme", "l1") == link
    assert repo.get("rival", "l1") is None
    revoked = repo.replace(link.model_copy(update={"revoked_at": T0}))
    assert revoked is not None and revoked.version == 1
