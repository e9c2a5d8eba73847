"""Batch routes: create a batch, start it, read its status and its items."""

from __future__ import annotations

from typing import Any

from chalice.app import Response
from pixellift.core.access.model import Action
from pixellift.core.pipeline.api_batches import (
    CreateBatch,
    batch_summary,
    create_batch,
    find_batch,
    start_batch,
)
from pixellift.core.pipeline.api_status import item_statuses

from chalicelib.context import ApiContext
from chalicelib.routing import Routes, on_batch, on_workspace

routes = Routes()


@routes.merchant(
    "/workspaces/{ws}/batches", ["POST"], on_workspace(Action.RUN_BATCH), body=CreateBatch
)
def create_batch_route(api: ApiContext, ws: str) -> Response:
    """Create a batch.

    Give ``files`` to get one pre-signed PUT URL per photo, or ``inline`` base64 photos (6 MB in
    all) stored at once. Then call ``start``.
    """
    request = CreateBatch.model_validate(api.json_body())
    return Response(body=create_batch(ws, request, api.services().deps), status_code=201)


@routes.merchant("/workspaces/{ws}/batches/{batch_id}/start", ["POST"], on_batch(Action.RUN_BATCH))
def start_batch_route(api: ApiContext, ws: str, batch_id: str) -> dict[str, Any]:
    """Start processing a batch whose photos are all uploaded.

    Starting again returns the run under way (``started`` false).
    """
    return start_batch(ws, batch_id, api.services().deps)


@routes.merchant("/workspaces/{ws}/batches/{batch_id}", ["GET"], on_batch(Action.VIEW_IMAGE))
def get_batch_route(api: ApiContext, ws: str, batch_id: str) -> dict[str, Any]:
    """Get a batch's status and item counts."""
    return batch_summary(find_batch(ws, batch_id, api.services().deps))


@routes.merchant("/workspaces/{ws}/batches/{batch_id}/items", ["GET"], on_batch(Action.VIEW_IMAGE))
def list_items_route(api: ApiContext, ws: str, batch_id: str) -> dict[str, Any]:
    """List the status, findings and outcome of every item of a batch."""
    items = item_statuses(ws, batch_id, api.services().deps)
    return {"batch_id": batch_id, "items": list(items)}
