"""Output routes: a batch's published files, and marketplace bulk sheets of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pixellift.core.access.model import Action, Resource, ResourceKind
from pixellift.core.pipeline.api_export import batch_bulk_sheet
from pixellift.core.pipeline.api_status import batch_outputs

from chalicelib.context import ApiContext
from chalicelib.routing import Routes, on_batch

routes = Routes()


def _export_guard(_api: ApiContext, ws: str, params: Mapping[str, str]) -> tuple[Action, Resource]:
    destination = f"bulk:{params['template']}"
    return Action.EXPORT, Resource(kind=ResourceKind.DESTINATION, id=destination, workspace_id=ws)


@routes.merchant(
    "/workspaces/{ws}/batches/{batch_id}/outputs", ["GET"], on_batch(Action.VIEW_IMAGE)
)
def list_outputs_route(api: ApiContext, ws: str, batch_id: str) -> dict[str, Any]:
    """List a batch's published files and its manifest and report keys."""
    return batch_outputs(ws, batch_id, api.services().deps)


@routes.merchant("/workspaces/{ws}/batches/{batch_id}/export/{template}", ["GET"], _export_guard)
def export_batch_route(api: ApiContext, ws: str, batch_id: str, template: str) -> dict[str, Any]:
    """A marketplace bulk sheet (amazon, shopify, ebay, walmart, google) of a published batch.

    Lists the images that passed the Compliance Gate, by SKU and role from their names
    (CSV AutoMap), with URLs under ``?base_url=`` or paths relative to the batch folder; the
    answer holds the CSV text and its row-level issues.
    """
    base_url = api.query().get("base_url")
    return batch_bulk_sheet(ws, batch_id, template, base_url, api.services().deps)
