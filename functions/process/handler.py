"""Process Photo: the Auto-Fix pipeline on one item (models through the segmentation port)."""

from __future__ import annotations

from pixellift.adapters.lambda_task import task_handler
from pixellift.core.contracts.tasks import ItemTask
from pixellift.core.pipeline.process_step import process_item

# Process one item, or reuse the output its content key names.
handler = task_handler("process", ItemTask, process_item)
