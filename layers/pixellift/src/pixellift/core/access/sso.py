"""Room for single sign-on: mapping identity-provider groups to workspace roles.

Today principals are API keys and users whose roles are stored memberships. An OIDC or SAML
login will present a user and the groups the identity provider asserts (an ``groups`` claim, or
a SAML attribute). A :class:`GroupRoleMapper` turns those groups into roles per workspace; the
result is merged with the stored memberships into the same :class:`~pixellift.core.access.model.
Principal`, so the blueprints, walls and simulator apply unchanged and the policy count stays
constant. Mappings are per workspace (an agency maps ``acme-designers`` to Contributor in Acme
only), and every change of a mapping is a role change to be audited like a grant.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pixellift.core.access.model import Role


class GroupRoleMapper(Protocol):
    """Roles that identity-provider groups confer in a workspace (not implemented yet)."""

    def roles_for(self, workspace_id: str, groups: Iterable[str]) -> frozenset[Role]:
        """The roles members of ``groups`` hold in the workspace (empty: none)."""
        ...
