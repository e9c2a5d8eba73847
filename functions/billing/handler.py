"""Settle Item: debit a finished item once (flat placeholder price), or record its failure."""

from __future__ import annotations

from pixellift.adapters.lambda_task import task_handler
from pixellift.core.contracts.tasks import SettleTask
from pixellift.core.pipeline.billing_step import settle_item

# Charge the item through the Billing port, or record why it failed.
handler = task_handler("billing", SettleTask, settle_item)
