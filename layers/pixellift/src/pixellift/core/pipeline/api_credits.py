"""Merchant API use cases for credits: the balance, recorded top-ups and pre-flight estimates.

Top-ups record funding that was paid elsewhere (payment providers come later); each carries an
idempotency id, so a retried request never credits twice. Estimates price a batch of ``photos``
before it is created, with the marketplace deciding whether text reading may be needed.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from pixellift.core.billing.money import Money
from pixellift.core.billing.pricing import CORE_OPERATIONS, ItemPlan, Operation, PriceBook, estimate
from pixellift.core.billing.service import LedgerService
from pixellift.core.billing.views import balance_view
from pixellift.core.policy.loader import load_pack
from pixellift.core.policy.schema import Rule

MAX_ESTIMATE_PHOTOS = 100_000


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TopUp(_Request):
    """Funding recorded for the workspace: an amount in major units and its idempotency id."""

    amount: Annotated[str, Field(pattern=r"^\d{1,9}(\.\d{1,4})?$")]
    id: Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9._:-]+$")]
    memo: Annotated[str, Field(max_length=500)] = ""


class EstimateRequest(_Request):
    """A batch to price before it runs."""

    photos: Annotated[int, Field(ge=1, le=MAX_ESTIMATE_PHOTOS)]
    marketplace: Annotated[str, Field(min_length=1, max_length=60)]
    variants: Annotated[int, Field(ge=0, le=26)] = 0


def record_top_up(
    workspace_id: str, request: TopUp, ledger: LedgerService, currency: str
) -> dict[str, Any]:
    """Credit the workspace's main account once per id; the answer says if it was new."""
    done = ledger.top_up(
        workspace_id, f"top-up:{request.id}", Money.parse(request.amount, currency),
        memo=request.memo,
    )  # fmt: skip
    return {
        "transfer_id": done.transfer.transfer_id,
        "amount": str(done.amount),
        "created": done.created,
        "balance": balance_view(ledger, workspace_id),
    }


def _reads_text(marketplace: str) -> bool:
    pack = load_pack(marketplace)
    return any(isinstance(r, Rule) and "text" in str(r.check.metric) for r in pack.rules)


def price_batch(  # noqa: PLR0913 - the batch, the price book and the balance it is held against
    photos: int,
    marketplace: str,
    *,
    variants: int,
    prices: PriceBook,
    plan: str,
    on: date,
    available_minor: int,
) -> dict[str, Any]:
    """The batch's cost range on the plan's price table, and whether credits cover its top.

    Raises
    ------
    RulePackNotFoundError
        No rule pack for the marketplace.
    """
    ocr = (Operation.OCR,) if _reads_text(marketplace) else ()
    item = ItemPlan(certain=CORE_OPERATIONS, possible=ocr, variants=variants)
    found = estimate(prices.at(on), plan, [item] * photos)
    return {
        "photos": photos,
        "marketplace": marketplace,
        "plan": found.plan,
        "price_table": found.table_version,
        "low": str(found.low),
        "high": str(found.high),
        "covered": available_minor >= found.high.minor,
    }
