"""The one shape of every Step Functions task handler: Powertools around parse → use case → dump.

Each ``functions/<name>/handler.py`` calls :func:`task_handler` once at import, so every Lambda
(and every warm copy the local runtime loads) gets its own Logger, Tracer and metrics.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, TypeAdapter

from pixellift.adapters.bootstrap import build_pipeline_deps
from pixellift.adapters.settings import Settings
from pixellift.core.contracts.parsing import parse_payload
from pixellift.core.pipeline.deps import PipelineDeps

TaskT = TypeVar("TaskT")


class TaskHandler(Protocol):
    """A Lambda handler; ``deps`` lets the local runtime and tests pass their own ports."""

    def __call__(
        self, event: dict[str, Any], context: LambdaContext, deps: PipelineDeps | None = None
    ) -> dict[str, Any]:
        """Handle one Step Functions task."""
        ...


def task_handler(
    service: str, task: type[TaskT], use_case: Callable[[TaskT, PipelineDeps], BaseModel]
) -> TaskHandler:
    """Build the handler of one pipeline step.

    Parameters
    ----------
    service
        The function's name (Powertools service, metric dimension, error context).
    task
        The contract model of the step's input.
    use_case
        The core use case the handler calls with the parsed task and the pipeline's ports.
    """
    logger, tracer = Logger(service=service), Tracer(service=service)
    metrics = EphemeralMetrics(namespace="PixelLift", service=service)
    adapter: TypeAdapter[TaskT] = TypeAdapter(task)

    @logger.inject_lambda_context(correlation_id_path="batch_id")
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def handler(
        event: dict[str, Any], context: LambdaContext, deps: PipelineDeps | None = None
    ) -> dict[str, Any]:
        metrics.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
        parsed = parse_payload(adapter, event, f"{service} input")
        result = use_case(parsed, deps or build_pipeline_deps(Settings.from_env(os.environ)))
        return result.model_dump(mode="json")

    return handler
