"""Resolve Rules: fix a batch's rule set and fitted preset once, before its items run."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pixellift.adapters.bootstrap import build_pipeline_deps
from pixellift.adapters.settings import Settings
from pixellift.core.contracts.parsing import parse_payload
from pixellift.core.contracts.tasks import BatchTask
from pixellift.core.pipeline.deps import PipelineDeps
from pixellift.core.pipeline.rules_step import resolve_rules
from pydantic import TypeAdapter

logger, tracer = Logger(service="resolve_rules"), Tracer(service="resolve_rules")
metrics = EphemeralMetrics(namespace="PixelLift", service="resolve_rules")
TASK: TypeAdapter[BatchTask] = TypeAdapter(BatchTask)


@logger.inject_lambda_context(correlation_id_path="batch_id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, deps: PipelineDeps | None = None
) -> dict[str, Any]:
    """Store the batch's plan (once) and summarise it."""
    metrics.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
    task = parse_payload(TASK, event, "resolve_rules input")
    result = resolve_rules(task, deps or build_pipeline_deps(Settings.from_env(os.environ)))
    return result.model_dump(mode="json")
