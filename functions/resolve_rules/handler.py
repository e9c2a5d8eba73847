"""Resolve Rules: fix a batch's rule set and fitted preset once, before its items run."""

from __future__ import annotations

from pixellift.adapters.lambda_task import task_handler
from pixellift.core.contracts.tasks import BatchTask
from pixellift.core.pipeline.rules_step import resolve_rules

# Store the batch's plan (once) and summarise it.
handler = task_handler("resolve_rules", BatchTask, resolve_rules)
