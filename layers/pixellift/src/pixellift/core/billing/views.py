"""What the credits commands and the API show of a workspace's ledger."""

from __future__ import annotations

from datetime import date
from typing import Any

from pixellift.core.billing.buckets import BucketService
from pixellift.core.billing.ledger import MAIN, AccountKind
from pixellift.core.billing.money import Money
from pixellift.core.billing.service import LedgerService


def balance_view(ledger: LedgerService, workspace_id: str) -> dict[str, Any]:
    """The workspace's balance, holds, batches (estimate against actual) and client buckets.

    Amounts are text in major units (``"12.50 USD"``).

    Raises
    ------
    AccountNotFoundError
        The workspace has no main account yet.
    """
    main = ledger.account(workspace_id, MAIN)
    currency = main.currency
    holds = ledger.store.holds(workspace_id)
    batches = [
        {
            "batch": h.refs.get("batch_id", h.hold_id),
            "status": str(h.status),
            "estimate": str(Money(h.amount, currency)),
            "actual": str(Money(h.posted, currency)),
            "variance": str(Money(h.posted - h.amount, currency)),
        }
        for h in holds
    ]
    buckets = [
        {"bucket": a.account_id, "balance": str(Money(a.available, currency)), **a.labels}
        for a in ledger.store.accounts(workspace_id)
        if a.kind is AccountKind.BUCKET
    ]
    return {
        "workspace": workspace_id,
        "currency": currency,
        "balance": str(Money(main.posted, currency)),
        "held": str(Money(main.pending_out, currency)),
        "available": str(Money(main.available, currency)),
        "allowance": None if main.allowance is None else str(Money(main.allowance, currency)),
        "open_holds": sum(1 for h in holds if h.status == "pending"),
        "batches": batches,
        "buckets": buckets,
    }


def bucket_rows(service: BucketService, workspace_id: str, today: date) -> list[dict[str, Any]]:
    """Each client bucket's balance, lots, burn rate and days to empty (expired lots out first)."""
    buckets = service.buckets(workspace_id).buckets
    for bucket in buckets:
        service.expire(workspace_id, bucket.bucket_id, today)
    rows = []
    for bucket in buckets:
        s = service.status(workspace_id, bucket.bucket_id, today)
        rows.append(
            {
                "bucket": s.bucket.bucket_id,
                "client": s.bucket.client_code,
                "presets": list(s.bucket.presets),
                "balance": str(s.balance),
                "burn_per_day": str(Money(int(s.burn_per_day), s.balance.currency)),
                "days_to_empty": None if s.days_to_empty is None else str(s.days_to_empty),
                "lots": [
                    {
                        "lot": x.lot_id,
                        "remaining": x.remaining,
                        "expires": x.expires_on,
                        "po": x.po_number,
                    }  # fmt: skip
                    for x in s.lots
                ],
            }
        )
    return rows
