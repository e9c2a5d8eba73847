"""Credit routes: balance, top-ups, estimates, spend caps, client buckets and usage exports."""

from __future__ import annotations

from typing import Any

from chalice.app import Response
from pixellift.adapters.aws.ledger import DynamoLedgerBilling
from pixellift.core.access.model import Action
from pixellift.core.billing.caps import Cap
from pixellift.core.billing.ledger import MAIN
from pixellift.core.billing.usage import period_bounds, to_csv, usage_rows
from pixellift.core.billing.views import balance_view, bucket_rows
from pixellift.core.errors import StoreUnavailableError
from pixellift.core.pipeline.api_credits import (
    EstimateRequest,
    TopUp,
    price_batch,
    record_top_up,
)

from chalicelib.context import ApiContext
from chalicelib.routing import Routes, on_workspace

routes = Routes()
_MANAGE = on_workspace(Action.MANAGE_CREDITS)


def _billing(api: ApiContext) -> DynamoLedgerBilling:
    billing = api.services().billing
    if billing is None:
        msg = "credits are not configured for this deployment"
        raise StoreUnavailableError(msg)
    return billing


def _opened(api: ApiContext, ws: str) -> DynamoLedgerBilling:
    """The ledger, with the workspace's accounts opened."""
    billing = _billing(api)
    billing.open_workspace(ws)
    return billing


@routes.merchant("/workspaces/{ws}/credits", ["GET"], _MANAGE)
def credits_route(api: ApiContext, ws: str) -> dict[str, Any]:
    """The workspace's balance, holds, each batch's estimate against its actual cost, buckets."""
    return balance_view(_opened(api, ws).ledger, ws)


@routes.merchant("/workspaces/{ws}/credits/top-ups", ["POST"], _MANAGE, body=TopUp)
def top_up_route(api: ApiContext, ws: str) -> Response:
    """Record funding paid elsewhere; the same ``id`` never credits twice (then 200, not 201)."""
    billing = _opened(api, ws)
    request = TopUp.model_validate(api.json_body())
    answer = record_top_up(ws, request, billing.ledger, billing.currency)
    return Response(body=answer, status_code=201 if answer["created"] else 200)


@routes.merchant("/workspaces/{ws}/credits/estimate", ["POST"], _MANAGE, body=EstimateRequest)
def estimate_route(api: ApiContext, ws: str) -> dict[str, Any]:
    """Price a batch before creating it: photos × operations × price, as a range."""
    billing = _opened(api, ws)
    request = EstimateRequest.model_validate(api.json_body())
    today = api.services().deps.clock.now().date()
    available = billing.ledger.account(ws, MAIN).available
    return price_batch(
        request.photos,
        request.marketplace,
        variants=request.variants,
        prices=billing.prices,
        plan=billing.plan,
        on=today,
        available_minor=available,
    )


@routes.merchant("/workspaces/{ws}/credits/caps", ["GET"], _MANAGE)
def caps_route(api: ApiContext, ws: str) -> dict[str, Any]:
    """The workspace's spend caps (scope, period, limit in minor units, time zone, thresholds)."""
    return {"caps": [c.model_dump(mode="json") for c in _billing(api).guard.caps(ws).caps]}


@routes.merchant("/workspaces/{ws}/credits/caps", ["PUT"], _MANAGE, body=Cap)
def put_cap_route(api: ApiContext, ws: str) -> dict[str, Any]:
    """Add or replace the cap of a scope and period (a hard cap refuses what would pass it)."""
    billing = _opened(api, ws)
    cap = Cap.model_validate(api.json_body())
    billing.guard.set_cap(ws, cap)
    return {"caps": [c.model_dump(mode="json") for c in billing.guard.caps(ws).caps]}


@routes.merchant("/workspaces/{ws}/credits/buckets", ["GET"], _MANAGE)
def buckets_route(api: ApiContext, ws: str) -> dict[str, Any]:
    """Each client bucket's balance, funding lots, burn rate and days to empty."""
    billing = _opened(api, ws)
    return {"buckets": bucket_rows(billing.buckets, ws, billing.ledger.today())}


@routes.merchant("/workspaces/{ws}/credits/usage", ["GET"], _MANAGE)
def usage_route(api: ApiContext, ws: str) -> dict[str, Any]:
    """The ledger movements of ``?period=YYYY-MM`` (or ``YYYY-MM-DD..YYYY-MM-DD``) as CSV text.

    ``?tz=`` sets the time zone the period is read in (default UTC).
    """
    params = api.query()
    start, end = period_bounds(params.get("period", ""), params.get("tz", "UTC"))
    rows = usage_rows(_billing(api).ledger.store.transfers(ws), start, end)
    return {"period": params.get("period"), "rows": len(rows), "csv": to_csv(rows)}
