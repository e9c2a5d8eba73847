"""Publish Outputs: bulk-upload folder, manifest and report of a batch in the output bucket."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pixellift.adapters.bootstrap import build_pipeline_deps
from pixellift.adapters.settings import Settings
from pixellift.core.contracts.parsing import parse_payload
from pixellift.core.contracts.tasks import PublishTask
from pixellift.core.pipeline.deps import PipelineDeps
from pixellift.core.pipeline.publish_step import publish_batch
from pydantic import TypeAdapter

logger, tracer = Logger(service="publish"), Tracer(service="publish")
metrics = EphemeralMetrics(namespace="PixelLift", service="publish")
TASK: TypeAdapter[PublishTask] = TypeAdapter(PublishTask)


@logger.inject_lambda_context(correlation_id_path="batch_id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, deps: PipelineDeps | None = None
) -> dict[str, Any]:
    """Publish the batch and record its final status (partial success included)."""
    metrics.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
    task = parse_payload(TASK, event, "publish input")
    result = publish_batch(task, deps or build_pipeline_deps(Settings.from_env(os.environ)))
    return result.model_dump(mode="json")
