"""Check Compliance: measure one item's real output and decide it with the Compliance Gate."""

from __future__ import annotations

from pixellift.adapters.lambda_task import task_handler
from pixellift.core.contracts.tasks import ItemTask
from pixellift.core.pipeline.gate_step import check_compliance

# Decide one processed item against the batch's rule set.
handler = task_handler("compliance_gate", ItemTask, check_compliance)
