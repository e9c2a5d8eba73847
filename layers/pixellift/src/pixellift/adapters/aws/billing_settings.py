"""Billing settings documents (caps, buckets) as ``cfg#<name>`` rows of the ledger table."""

from __future__ import annotations

from pixellift.adapters.aws.billing_models import SETTING, BillingRow
from pixellift.adapters.aws.dynamodb_repos import get_row
from pixellift.adapters.aws.errors import translated


class DynamoSettingsStore:
    """``SettingsStore`` on ``cfg#<name>`` rows of the same table."""

    def __init__(self, model: type[BillingRow]) -> None:
        self._model = model

    def get(self, workspace_id: str, name: str) -> str | None:
        """The document, or ``None``."""
        row = get_row(self._model, f"setting {name}", workspace_id, SETTING + name)
        return None if row is None else row.body

    def put(self, workspace_id: str, name: str, document: str) -> None:
        """Store (replace) the document."""
        with translated(f"setting {name}"):
            self._model(workspace_id, SETTING + name, body=document).save()
