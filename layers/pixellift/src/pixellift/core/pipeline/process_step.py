"""Process Photo: run Auto-Fix on one item, or reuse the output its content key already names.

An item that is past processing (a retried task, a resumed run), deferred to a continuation
batch, or held back by a paused batch is returned as it is; an output whose content key is in the
index is reused without decoding the photo again.
"""

from __future__ import annotations

import hashlib
import json

from pixellift.core.contracts.records import ItemRecord, ItemStatus, OutputRecord, RunPlan
from pixellift.core.contracts.tasks import ItemTask, ProcessOutput
from pixellift.core.pipeline.autofix import fix_photo
from pixellift.core.pipeline.deps import (
    PipelineDeps,
    load_batch,
    load_item,
    load_plan,
    save_item,
)
from pixellift.core.pipeline.item_state import advance
from pixellift.core.pipeline.keys import content_key, output_object_key, steps_object_key
from pixellift.core.pipeline.overrun_step import held_back
from pixellift.core.pipeline.preset_schema import Preset

CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


def _result(item: ItemRecord, *, skipped: bool) -> ProcessOutput:
    return ProcessOutput(
        batch_id=item.batch_id,
        item_id=item.item_id,
        status=item.status,
        content_key=item.content_key,
        reused=item.reused,
        skipped=skipped,
        seconds=item.timings.get("process_s", 0.0),
    )


def _make_output(
    source: bytes, item: ItemRecord, plan: RunPlan, deps: PipelineDeps, *, key: str, sha: str
) -> OutputRecord:
    preset = Preset.model_validate(plan.preset)
    result = fix_photo(source, item.name, preset, deps.fix_services())
    output_key = output_object_key(key, result.extension)
    deps.outputs.put(output_key, result.output.data, content_type=CONTENT_TYPES[result.extension])
    log = result.step_log.to_dict() | {"preset": result.preset_key, "content_key": key}
    steps_key = steps_object_key(key)
    deps.outputs.put(steps_key, json.dumps(log, indent=2).encode(), content_type="application/json")
    # The index is written last: a record in it promises that both objects exist.
    return deps.results.add(
        OutputRecord(
            workspace_id=item.workspace_id,
            content_key=key,
            output_key=output_key,
            steps_key=steps_key,
            output_bytes=result.output.size_bytes,
            extension=result.extension,
            input_sha256=sha,
            preset_digest=plan.preset_digest,
            ruleset_digest=plan.ruleset_digest,
            seconds=round(result.step_log.total_seconds, 4),
            flags=tuple(result.step_log.flags),
            created_at=deps.clock.now(),
        )
    )


def process_item(task: ItemTask, deps: PipelineDeps) -> ProcessOutput:
    """Process one item (an attempt is counted before the work starts).

    Raises
    ------
    ImageDecodeError, SubjectNotFoundError, ImageEncodeError
        From the Auto-Fix pipeline, naming the file.
    TransientError
        A store is unavailable, or the item changed concurrently.
    """
    plan = load_plan(deps, task.workspace_id, task.batch_id)
    item = load_item(deps, task.workspace_id, task.batch_id, task.item_id)
    if item.status not in {ItemStatus.PENDING, ItemStatus.PROCESSING}:
        return _result(item, skipped=True)
    pending = item.status is ItemStatus.PENDING
    if pending and held_back(load_batch(deps, task.workspace_id, task.batch_id), item):
        # The Overrun Shield paused the batch before this item: it waits for a resumed run.
        return _result(item, skipped=True)
    started = deps.clock.now()
    item = save_item(
        deps, advance(item, ItemStatus.PROCESSING, attempts=item.attempts + 1, updated_at=started)
    )
    source = deps.drop.get(item.source_key)
    sha = hashlib.sha256(source).hexdigest()
    key = content_key(task.workspace_id, sha, plan.preset_digest, plan.ruleset_digest)
    record = deps.results.get(task.workspace_id, key)
    reused = record is not None and deps.outputs.head(record.output_key) is not None
    if record is None or not reused:
        record = _make_output(source, item, plan, deps, key=key, sha=sha)
    finished = deps.clock.now()
    seconds = round((finished - started).total_seconds(), 4)
    item = save_item(
        deps,
        advance(
            item,
            ItemStatus.PROCESSED,
            input_sha256=sha,
            content_key=key,
            output_key=record.output_key,
            steps_key=record.steps_key,
            output_bytes=record.output_bytes,
            extension=record.extension,
            reused=reused,
            flags=record.flags,
            timings={**item.timings, "process_s": seconds},
            updated_at=finished,
        ),
    )
    return _result(item, skipped=False)
