"""Check Compliance: measure one item's real output and decide it with the Compliance Gate."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pixellift.adapters.bootstrap import build_pipeline_deps
from pixellift.adapters.settings import Settings
from pixellift.core.contracts.parsing import parse_payload
from pixellift.core.contracts.tasks import ItemTask
from pixellift.core.pipeline.deps import PipelineDeps
from pixellift.core.pipeline.gate_step import check_compliance
from pydantic import TypeAdapter

logger, tracer = Logger(service="compliance_gate"), Tracer(service="compliance_gate")
metrics = EphemeralMetrics(namespace="PixelLift", service="compliance_gate")
TASK: TypeAdapter[ItemTask] = TypeAdapter(ItemTask)


@logger.inject_lambda_context(correlation_id_path="batch_id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, deps: PipelineDeps | None = None
) -> dict[str, Any]:
    """Decide one processed item against the batch's rule set."""
    metrics.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
    task = parse_payload(TASK, event, "compliance_gate input")
    result = check_compliance(task, deps or build_pipeline_deps(Settings.from_env(os.environ)))
    return result.model_dump(mode="json")
