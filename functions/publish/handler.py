"""Publish Outputs: bulk-upload folder, manifest and report of a batch in the output bucket."""

from __future__ import annotations

from pixellift.adapters.lambda_task import task_handler
from pixellift.core.contracts.tasks import PublishTask
from pixellift.core.pipeline.publish_step import publish_batch

# Publish the batch and record its final status (partial success included).
handler = task_handler("publish", PublishTask, publish_batch)
