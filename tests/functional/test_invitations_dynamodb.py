"""Invitations on DynamoDB (moto): the full flow, single use under a race, scoped reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from moto import mock_aws
from pixellift.adapters.aws.access_invitations import DynamoInvitations
from pixellift.adapters.aws.access_models import AccessTableNames, AccessTables
from pixellift.adapters.aws.access_repos import DynamoMemberships
from pixellift.core.access.authorizer import Authorizer
from pixellift.core.access.blueprints import load_blueprint
from pixellift.core.access.invitations import InvitationServices, accept_invitation, invite
from pixellift.core.access.memberships import user_principal
from pixellift.core.access.model import Principal, PrincipalKind, Role
from pixellift.core.errors import InvitationUsedError

from tests.unit.access.memory import MemoryAudit, SetClock

T0 = datetime(2026, 11, 26, 9, tzinfo=UTC)
OWNER = Principal(kind=PrincipalKind.USER, id="olu", roles={"acme": frozenset({Role.OWNER})})


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch) -> Iterator[InvitationServices]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        tables = AccessTables.bound(AccessTableNames.with_prefix("t-inv-"), "us-east-1")
        tables.create_missing()
        audit, clock = MemoryAudit(), SetClock(T0)
        yield InvitationServices(
            invitations=DynamoInvitations(tables),
            memberships=DynamoMemberships(tables),
            authorizer=Authorizer(load_blueprint(), audit=audit, clock=clock),
            audit=audit,
            clock=clock,
        )


def test_invitation_round_trips_and_grants_the_role(services: InvitationServices) -> None:
    # GIVEN an invitation stored in DynamoDB
    issued = invite("acme", Role.PUBLISHER, inviter=OWNER, services=services, email="Bo@X.io")
    # WHEN it is read back and accepted
    stored = services.invitations.get("acme", issued.record.invitation_id)
    accept_invitation(issued.token, "bo", services=services)
    # THEN the record matches, only its digest is kept, and bo holds the role
    assert stored == issued.record
    assert stored is not None and issued.token not in stored.model_dump_json()
    assert user_principal("bo", "acme", services.memberships).roles_in("acme") == {Role.PUBLISHER}
    [after] = services.invitations.list("acme")
    assert after.accepted_by == "bo" and after.version == 1


def test_a_stale_acceptance_loses_the_conditional_write(services: InvitationServices) -> None:
    # GIVEN two readers of the same pending invitation
    issued = invite("acme", Role.VIEWER, inviter=OWNER, services=services, user_id="bo")
    first = issued.record.model_copy(update={"accepted_at": T0, "accepted_by": "bo"})
    second = issued.record.model_copy(update={"revoked_at": T0, "revoked_by": "user:olu"})
    # WHEN both write / THEN only the first wins; the token then counts as used
    assert services.invitations.replace(first) is not None
    assert services.invitations.replace(second) is None
    with pytest.raises(InvitationUsedError):
        accept_invitation(issued.token, "bo", services=services)


def test_reads_are_scoped_to_the_workspace(services: InvitationServices) -> None:
    # GIVEN an invitation of acme
    issued = invite("acme", Role.VIEWER, inviter=OWNER, services=services, user_id="bo")
    # WHEN rival's rows are read with the same id / THEN nothing is found
    assert services.invitations.get("rival", issued.record.invitation_id) is None
    assert list(services.invitations.list("rival")) == []
    assert not services.invitations.add(issued.record)
