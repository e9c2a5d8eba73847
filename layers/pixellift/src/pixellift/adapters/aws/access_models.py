"""pynamodb models of the access tables, bound to table names passed in at run time.

Every table is keyed by workspace first (memberships, API keys, share links, invitations), so
each read names the workspace it reads from. Revocations are not separate rows: a revoked key,
link or invitation keeps its row with ``revoked_at`` set, so a lookup finds it in the same read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from pixellift.adapters.aws.dynamodb_models import bind

ACCESS_TABLES = ("memberships", "api_keys", "share_links", "invitations")


class MembershipModel(Model):
    """``memberships``: one row per user per workspace (range key: user id)."""

    workspace_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)
    version = NumberAttribute(default=0)
    body = UnicodeAttribute()


class ApiKeyModel(Model):
    """``api_keys``: one row per key (range key: its lookup prefix); the digest, never the key."""

    workspace_id = UnicodeAttribute(hash_key=True)
    prefix = UnicodeAttribute(range_key=True)
    version = NumberAttribute(default=0)
    body = UnicodeAttribute()


class ShareLinkModel(Model):
    """``share_links``: one row per link (range key: link id)."""

    workspace_id = UnicodeAttribute(hash_key=True)
    link_id = UnicodeAttribute(range_key=True)
    version = NumberAttribute(default=0)
    body = UnicodeAttribute()


class InvitationModel(Model):
    """``invitations``: one row per invitation (range key: its id); the token's digest only."""

    workspace_id = UnicodeAttribute(hash_key=True)
    invitation_id = UnicodeAttribute(range_key=True)
    version = NumberAttribute(default=0)
    body = UnicodeAttribute()


@dataclass(frozen=True)
class AccessTableNames:
    """The access tables' names.

    Examples
    --------
    >>> AccessTableNames.with_prefix("pixellift-").api_keys
    'pixellift-api_keys'
    """

    memberships: str
    api_keys: str
    share_links: str
    invitations: str = "pixellift-invitations"

    @classmethod
    def with_prefix(cls, prefix: str) -> AccessTableNames:
        """``prefix`` + the table, the way the other tables are named."""
        return cls(*(prefix + t for t in ACCESS_TABLES))

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AccessTableNames:
        """``PIXELLIFT_TABLE_PREFIX`` + the table, unless ``PIXELLIFT_<TABLE>_TABLE`` names it.

        Examples
        --------
        >>> AccessTableNames.from_env({"PIXELLIFT_API_KEYS_TABLE": "Keys-1A2B"}).api_keys
        'Keys-1A2B'
        """
        prefix = env.get("PIXELLIFT_TABLE_PREFIX", "pixellift-")
        return cls(*(env.get(f"PIXELLIFT_{t.upper()}_TABLE", prefix + t) for t in ACCESS_TABLES))

    def all(self) -> tuple[str, ...]:
        """Every name."""
        return (self.memberships, self.api_keys, self.share_links, self.invitations)


@dataclass(frozen=True)
class AccessTables:
    """The access models bound to one deployment's tables."""

    memberships: type[MembershipModel]
    api_keys: type[ApiKeyModel]
    share_links: type[ShareLinkModel]
    invitations: type[InvitationModel]

    @classmethod
    def bound(cls, names: AccessTableNames, region: str, host: str | None = None) -> AccessTables:
        """Bind every model to its table (once per process and names, reusing connections)."""
        return _bound(names, region, host)

    def all(self) -> tuple[type[Model], ...]:
        """Every bound model."""
        return (self.memberships, self.api_keys, self.share_links, self.invitations)

    def create_missing(self) -> None:
        """Create the tables that do not exist (locally; CDK creates them on AWS)."""
        for model in self.all():
            if not model.exists():
                model.create_table(wait=False)


@cache
def _bound(names: AccessTableNames, region: str, host: str | None) -> AccessTables:
    return AccessTables(
        memberships=bind(MembershipModel, names.memberships, region, host),
        api_keys=bind(ApiKeyModel, names.api_keys, region, host),
        share_links=bind(ShareLinkModel, names.share_links, region, host),
        invitations=bind(InvitationModel, names.invitations, region, host),
    )
