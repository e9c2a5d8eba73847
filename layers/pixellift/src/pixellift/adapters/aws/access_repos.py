"""DynamoDB repositories of the access ports: memberships, API keys and share links.

Writes are conditional: a new row on its key not existing, a change on the stored ``version``
being the one the change started from. Every read and query names the workspace.
"""

from __future__ import annotations

from collections.abc import Iterator

from pixellift.adapters.aws.access_models import AccessTables, ApiKeyModel, ShareLinkModel
from pixellift.adapters.aws.dynamodb_repos import conditional_put, get_row
from pixellift.adapters.aws.errors import translated
from pixellift.core.access.records import ApiKeyRecord, Membership, ShareLinkRecord


class DynamoMemberships:
    """``MembershipRepository`` on the memberships table."""

    def __init__(self, tables: AccessTables) -> None:
        self._model = tables.memberships

    def get(self, workspace_id: str, user_id: str) -> Membership | None:
        """The membership, or ``None``."""
        row = get_row(self._model, f"membership {workspace_id}/{user_id}", workspace_id, user_id)
        return None if row is None else Membership.model_validate_json(row.body)

    def put(self, membership: Membership) -> bool:
        """Write version ``n`` over ``n - 1`` (or a new row for version 0)."""
        row = self._model(
            membership.workspace_id,
            membership.user_id,
            version=membership.version,
            body=membership.model_dump_json(),
        )
        condition = (
            self._model.user_id.does_not_exist()
            if membership.version == 0
            else self._model.version == membership.version - 1
        )
        return conditional_put(row, condition, f"membership {membership.user_id}")

    def list(self, workspace_id: str) -> Iterator[Membership]:
        """The workspace's memberships, by user id."""
        with translated(f"memberships of {workspace_id}"):
            for row in self._model.query(workspace_id, consistent_read=True):
                yield Membership.model_validate_json(row.body)


class DynamoApiKeys:
    """``ApiKeyRepository`` on the api_keys table."""

    def __init__(self, tables: AccessTables) -> None:
        self._model = tables.api_keys

    def _row(self, record: ApiKeyRecord) -> ApiKeyModel:
        return self._model(
            record.workspace_id,
            record.prefix,
            version=record.version,
            body=record.model_dump_json(),
        )

    def add(self, record: ApiKeyRecord) -> bool:
        """Store a new key; ``False`` if the prefix is taken in the workspace."""
        return conditional_put(self._row(record), self._model.prefix.does_not_exist(), "api key")

    def get(self, workspace_id: str, prefix: str) -> ApiKeyRecord | None:
        """The key, or ``None``."""
        row = get_row(self._model, f"api key {workspace_id}/{prefix}", workspace_id, prefix)
        return None if row is None else ApiKeyRecord.model_validate_json(row.body)

    def replace(self, record: ApiKeyRecord) -> ApiKeyRecord | None:
        """Write the next version if nobody else did first."""
        updated = record.model_copy(update={"version": record.version + 1})
        condition = self._model.version == record.version
        ok = conditional_put(self._row(updated), condition, f"api key {record.prefix}")
        return updated if ok else None

    def list(self, workspace_id: str) -> Iterator[ApiKeyRecord]:
        """The workspace's keys, by prefix."""
        with translated(f"api keys of {workspace_id}"):
            for row in self._model.query(workspace_id, consistent_read=True):
                yield ApiKeyRecord.model_validate_json(row.body)


class DynamoShareLinks:
    """``ShareLinkRepository`` on the share_links table."""

    def __init__(self, tables: AccessTables) -> None:
        self._model = tables.share_links

    def _row(self, record: ShareLinkRecord) -> ShareLinkModel:
        return self._model(
            record.workspace_id,
            record.link_id,
            version=record.version,
            body=record.model_dump_json(),
        )

    def add(self, record: ShareLinkRecord) -> bool:
        """Store a new link; ``False`` if the id is taken."""
        condition = self._model.link_id.does_not_exist()
        return conditional_put(self._row(record), condition, "share link")

    def get(self, workspace_id: str, link_id: str) -> ShareLinkRecord | None:
        """The link, or ``None``."""
        row = get_row(self._model, f"share link {workspace_id}/{link_id}", workspace_id, link_id)
        return None if row is None else ShareLinkRecord.model_validate_json(row.body)

    def replace(self, record: ShareLinkRecord) -> ShareLinkRecord | None:
        """Write the next version if nobody else did first."""
        updated = record.model_copy(update={"version": record.version + 1})
        condition = self._model.version == record.version
        ok = conditional_put(self._row(updated), condition, f"share link {record.link_id}")
        return updated if ok else None
