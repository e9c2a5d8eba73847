"""Sync Policies (Policy Pulse): fired by the EventBridge schedule through its state machine."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pixellift.adapters.bootstrap import build_policy_deps
from pixellift.adapters.settings import Settings
from pixellift.core.contracts.events import ScheduledEvent
from pixellift.core.contracts.parsing import parse_payload
from pixellift.core.pipeline.policy_sync import PolicyDeps, sync_policies
from pydantic import TypeAdapter

logger, tracer = Logger(service="policy_sync"), Tracer(service="policy_sync")
metrics = EphemeralMetrics(namespace="PixelLift", service="policy_sync")
SCHEDULE: TypeAdapter[ScheduledEvent] = TypeAdapter(ScheduledEvent)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, deps: PolicyDeps | None = None
) -> dict[str, Any]:
    """Record every shipped rule pack's digest and report the marketplaces that changed."""
    metrics.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
    schedule = parse_payload(SCHEDULE, event, "policy sync event")
    deps = deps or build_policy_deps(Settings.from_env(os.environ))
    result = sync_policies(deps, at=schedule.time)
    metrics.add_metric(name="PolicyChanges", unit=MetricUnit.Count, value=result.changed_count)
    return result.model_dump(mode="json")
