"""The HTTP edge of invitations: their stores from the environment, and the accept answer.

The routes reuse the API's access services (authoriser, audit sink, clock), so invitations are
decided by the same blueprints and recorded in the same ledger as keys and share links.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pixellift.adapters.aws.access_http import GoneError
from pixellift.adapters.aws.access_invitations import DynamoInvitations
from pixellift.adapters.aws.access_models import AccessTableNames, AccessTables
from pixellift.adapters.aws.access_repos import DynamoMemberships
from pixellift.core.access.invitation_api import AcceptInvitation, accept
from pixellift.core.access.invitation_records import InvitationRepository
from pixellift.core.access.invitations import InvitationServices
from pixellift.core.access.ports import MembershipRepository
from pixellift.core.errors import (
    AccessDeniedError,
    InvalidInvitationError,
    InvitationExpiredError,
    InvitationRevokedError,
    InvitationUsedError,
)
from pixellift.core.pipeline.api_access import AccessServices

InvitationStores = tuple[InvitationRepository, MembershipRepository]


def dynamo_invitation_stores(
    env: Mapping[str, str], region: str, endpoint_url: str | None
) -> InvitationStores:
    """The invitations and memberships tables named in ``env``."""
    tables = AccessTables.bound(AccessTableNames.from_env(env), region, endpoint_url)
    return DynamoInvitations(tables), DynamoMemberships(tables)


def invitation_services(access: AccessServices, stores: InvitationStores) -> InvitationServices:
    """Invitation services on ``stores``, deciding and auditing as ``access`` does."""
    invitations, memberships = stores
    return InvitationServices(
        invitations=invitations,
        memberships=memberships,
        authorizer=access.authorizer,
        audit=access.keys.audit,
        clock=access.keys.clock,
    )


def accept_answer(body: dict[str, Any], services: InvitationServices) -> dict[str, Any]:
    """Accept the invitation in ``body``; a spent token is gone (410), a wrong one denied (403).

    Raises
    ------
    GoneError
        The invitation was used, revoked, or has expired.
    AccessDeniedError
        The token is malformed, unknown, of another workspace, or addressed to another user.
    ValidationError
        The body is not an :class:`AcceptInvitation`.
    """
    request = AcceptInvitation.model_validate(body)
    try:
        return accept(request, services)
    except (InvitationUsedError, InvitationRevokedError, InvitationExpiredError) as exc:
        raise GoneError(str(exc)) from exc
    except InvalidInvitationError as exc:
        raise AccessDeniedError(str(exc)) from exc
