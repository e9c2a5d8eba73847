"""pynamodb model of the billing rows, kept in the ledger table (key: workspace, entry id).

One table holds a workspace's whole ledger: ``acct#<id>`` accounts (the balances as numbers that
transactions ``ADD`` to and conditions compare), ``tx#<id>`` transfers (immutable; the id is the
idempotency key, kept for good), ``hold#<id>`` holds, and ``cfg#<name>`` settings documents.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from pixellift.adapters.aws.dynamodb_models import bind

ACCOUNT: Final = "acct#"
TRANSFER: Final = "tx#"
HOLD: Final = "hold#"
SETTING: Final = "cfg#"


class BillingRow(Model):
    """Any billing row; which attributes are set depends on the entry's prefix."""

    workspace_id = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)
    body = UnicodeAttribute()
    currency = UnicodeAttribute(null=True)
    limited = BooleanAttribute(null=True)
    allowance = NumberAttribute(null=True)
    posted = NumberAttribute(null=True)
    pending_out = NumberAttribute(null=True)
    pending_in = NumberAttribute(null=True)
    headroom = NumberAttribute(null=True)
    """``posted - pending_out + allowance``: what a condition compares a debit with."""
    status = UnicodeAttribute(null=True)
    remaining = NumberAttribute(null=True)


@cache
def billing_rows(table: str, region: str, host: str | None = None) -> type[BillingRow]:
    """The model bound to ``table`` (once per process, so its connection is reused)."""
    return bind(BillingRow, table, region, host)
