"""Ingest: an S3 drop-folder notification or an API call → batch, items, named execution."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pixellift.adapters.bootstrap import build_pipeline_deps
from pixellift.adapters.settings import Settings
from pixellift.core.contracts.events import S3Notification
from pixellift.core.contracts.parsing import parse_payload
from pixellift.core.contracts.tasks import IngestRequest
from pixellift.core.pipeline.deps import PipelineDeps
from pixellift.core.pipeline.ingest import ingest
from pydantic import TypeAdapter

logger, tracer = Logger(service="ingest"), Tracer(service="ingest")
metrics = EphemeralMetrics(namespace="PixelLift", service="ingest")
EVENT: TypeAdapter[S3Notification | IngestRequest] = TypeAdapter(S3Notification | IngestRequest)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, deps: PipelineDeps | None = None
) -> dict[str, Any]:
    """Create or find the batches the event names and start their runs."""
    metrics.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
    request = parse_payload(EVENT, event, "ingest event")
    response = ingest(request, deps or build_pipeline_deps(Settings.from_env(os.environ)))
    metrics.add_metric(name="BatchesIngested", unit=MetricUnit.Count, value=len(response.batches))
    return response.model_dump(mode="json")
