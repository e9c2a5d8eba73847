"""Publish Audit Heads: fired hourly by EventBridge; signs every workspace's grown audit log."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pixellift.adapters.aws.audit_publishing import publisher_services
from pixellift.adapters.settings import Settings
from pixellift.core.audit.publishing import PublisherServices, publish_all_heads
from pixellift.core.contracts.events import ScheduledEvent
from pixellift.core.contracts.parsing import parse_payload
from pydantic import TypeAdapter

logger, tracer = Logger(service="audit_publish"), Tracer(service="audit_publish")
metrics = EphemeralMetrics(namespace="PixelLift", service="audit_publish")
SCHEDULE: TypeAdapter[ScheduledEvent] = TypeAdapter(ScheduledEvent)
COUNT = MetricUnit.Count


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, deps: PublisherServices | None = None
) -> dict[str, Any]:
    """Sign and publish the tree head of each workspace whose log grew; report broken logs."""
    metrics.add_metric(name="Invocations", unit=COUNT, value=1)
    parse_payload(SCHEDULE, event, "audit publish event")
    report = publish_all_heads(deps or publisher_services(Settings.from_env(os.environ)))
    metrics.add_metric(name="TreeHeadsPublished", unit=COUNT, value=report.published_count)
    metrics.add_metric(name="AuditPublishFailures", unit=COUNT, value=report.failed_count)
    for failure in report.failed:
        logger.error(f"{failure.workspace_id}: no tree head: {failure.error}: {failure.message}")
    return report.model_dump(mode="json")
