"""``InvitationRepository`` on the invitations table (pynamodb), keyed by workspace first.

A new row is written only if its id is free in the workspace; a change (accepted, revoked) only
if the stored ``version`` is the one the change started from, so two acceptances of one token
cannot both win. Every read names the workspace.
"""

from __future__ import annotations

from collections.abc import Iterator

from pixellift.adapters.aws.access_models import AccessTables, InvitationModel
from pixellift.adapters.aws.dynamodb_repos import conditional_put, get_row
from pixellift.adapters.aws.errors import translated
from pixellift.core.access.invitation_records import InvitationRecord


class DynamoInvitations:
    """``InvitationRepository`` on the invitations table.

    Parameters
    ----------
    tables
        The access tables of one deployment (or of the local state).
    """

    def __init__(self, tables: AccessTables) -> None:
        self._model = tables.invitations

    def _row(self, record: InvitationRecord) -> InvitationModel:
        return self._model(
            record.workspace_id,
            record.invitation_id,
            version=record.version,
            body=record.model_dump_json(),
        )

    def add(self, record: InvitationRecord) -> bool:
        """Store a new invitation; ``False`` if the id is taken in the workspace."""
        condition = self._model.invitation_id.does_not_exist()
        return conditional_put(self._row(record), condition, "invitation")

    def get(self, workspace_id: str, invitation_id: str) -> InvitationRecord | None:
        """The invitation, or ``None``."""
        where = f"invitation {workspace_id}/{invitation_id}"
        row = get_row(self._model, where, workspace_id, invitation_id)
        return None if row is None else InvitationRecord.model_validate_json(row.body)

    def replace(self, record: InvitationRecord) -> InvitationRecord | None:
        """Write the next version if nobody else did first."""
        updated = record.model_copy(update={"version": record.version + 1})
        condition = self._model.version == record.version
        ok = conditional_put(self._row(updated), condition, f"invitation {record.invitation_id}")
        return updated if ok else None

    def list(self, workspace_id: str) -> Iterator[InvitationRecord]:
        """The workspace's invitations, by id."""
        with translated(f"invitations of {workspace_id}"):
            for row in self._model.query(workspace_id, consistent_read=True):
                yield InvitationRecord.model_validate_json(row.body)
