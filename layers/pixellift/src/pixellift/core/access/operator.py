"""The person at the command line, as a principal the role blueprints decide for.

Every CLI action is authorised like an API request: the operator (``PIXELLIFT_USER``) asks with
the roles they hold in the workspace. A workspace nobody belongs to yet — a fresh installation —
makes its first operator its Owner, recorded in the audit log like any grant; from then on only
the roles decide.
"""

from __future__ import annotations

from typing import Final

from pixellift.core.access.memberships import MembershipServices, grant_role, user_principal
from pixellift.core.access.model import Principal, Role

BOOTSTRAP_ACTOR: Final = "system:cli"


def operator_principal(user_id: str, workspace_id: str, services: MembershipServices) -> Principal:
    """The operator with their roles in the workspace, its Owner if it had no member at all."""
    if next(iter(services.memberships.list(workspace_id)), None) is None:
        grant_role(
            workspace_id,
            user_id,
            Role.OWNER,
            actor=BOOTSTRAP_ACTOR,
            services=services,
            justification="first operator of a workspace without members",
        )
    return user_principal(user_id, workspace_id, services.memberships)
