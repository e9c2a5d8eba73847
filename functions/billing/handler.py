"""Settle Item: debit a finished item once (flat placeholder price), or record its failure."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pixellift.adapters.bootstrap import build_pipeline_deps
from pixellift.adapters.settings import Settings
from pixellift.core.contracts.parsing import parse_payload
from pixellift.core.contracts.tasks import SettleTask
from pixellift.core.pipeline.billing_step import settle_item
from pixellift.core.pipeline.deps import PipelineDeps
from pydantic import TypeAdapter

logger, tracer = Logger(service="billing"), Tracer(service="billing")
metrics = EphemeralMetrics(namespace="PixelLift", service="billing")
TASK: TypeAdapter[SettleTask] = TypeAdapter(SettleTask)


@logger.inject_lambda_context(correlation_id_path="batch_id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, deps: PipelineDeps | None = None
) -> dict[str, Any]:
    """Charge the item through the Billing port, or record why it failed."""
    metrics.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
    task = parse_payload(TASK, event, "billing input")
    result = settle_item(task, deps or build_pipeline_deps(Settings.from_env(os.environ)))
    return result.model_dump(mode="json")
