"""``pixellift run``: the whole serverless chain on one machine, resumable after an interruption.

The photos are mirrored into the local drop bucket, the ingest function starts the batch's
execution of the photo-pipeline state machine, the progress bar follows the items' records, and
the published batch is mirrored into ``--out``. Interrupted (Ctrl-C, ``kill -9``), the same
command finds the same batch and resumes it: finished items are neither redone nor charged again.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress, TaskID

from pixellift.adapters.local.mirror import download, upload
from pixellift.adapters.local.runtime import LocalRuntime
from pixellift.adapters.settings import Settings
from pixellift.cli.inputs import collect_inputs
from pixellift.cli.operator import authorize_operator
from pixellift.cli.progress import batch_progress, stderr
from pixellift.core.access.model import Action
from pixellift.core.contracts.records import ItemRecord, ItemStatus, Workspace
from pixellift.core.contracts.tasks import IngestedBatch, IngestRequest
from pixellift.core.errors import PhotoPipelineError
from pixellift.core.pipeline.keys import batch_prefix, digest_of
from pixellift.core.policy.schema import Role

POLL_SECONDS = 0.5
ITEMS_PER_POLL_SECOND = 250
"""Larger batches are polled less often, so following progress costs the workers little."""
_DONE = {ItemStatus.CHARGED, ItemStatus.FAILED, ItemStatus.DEFERRED}


@dataclass
class Watch:
    """What the progress display has shown so far."""

    shown: set[str]
    done_at_start: int
    started: float


def _item_line(item: ItemRecord) -> str:
    if item.status is ItemStatus.FAILED:
        return f"  [red]x[/] {item.name}: {item.error_kind}: {item.error_message}"
    seconds = sum(item.timings.values())
    how = "reused" if item.reused else f"{seconds:.1f}s"
    if item.passed:
        return f"  [green]✓[/] {item.name} → {item.stem}{item.extension} ({how})"
    return f"  [yellow]![/] {item.name} blocked: {', '.join(item.blocking)} ({how})"


def _refresh(
    runtime: LocalRuntime, batch: IngestedBatch, progress: Progress, task: TaskID, w: Watch
) -> None:
    items = list(runtime.deps.items.list(batch.workspace_id, batch.batch_id))
    counts = Counter(i.status for i in items)
    done = counts[ItemStatus.CHARGED] + counts[ItemStatus.FAILED]
    for item in items:
        if item.status in _DONE and item.item_id not in w.shown:
            w.shown.add(item.item_id)
            progress.console.print(_item_line(item))
    fresh = done - w.done_at_start
    rate = fresh / max(time.perf_counter() - w.started, 1e-6)
    busy = [i.name for i in items if i.status is ItemStatus.PROCESSING][:2]
    status = (
        f"{rate:.2f}/s · {counts[ItemStatus.PROCESSING]} processing · "
        f"{counts[ItemStatus.FAILED]} failed {' '.join(busy)}"
    )
    progress.update(task, completed=done, current=status)


def follow(runtime: LocalRuntime, batch: IngestedBatch) -> None:
    """Show per-item progress until the batch's execution ends."""
    items = list(runtime.deps.items.list(batch.workspace_id, batch.batch_id))
    already = {i.item_id for i in items if i.status in _DONE}
    watch = Watch(already, len(already), time.perf_counter())
    with batch_progress() as progress:
        task = progress.add_task("run", total=batch.item_count, completed=len(already), current="")
        arn = batch.execution_arn
        pause = max(POLL_SECONDS, batch.item_count / ITEMS_PER_POLL_SECOND)
        while arn is not None and runtime.execution(arn).status == "RUNNING":
            _refresh(runtime, batch, progress, task, watch)
            time.sleep(pause)
        _refresh(runtime, batch, progress, task, watch)


def _start(runtime: LocalRuntime, photos: Path, request: dict[str, Any]) -> IngestedBatch:
    settings = runtime.settings
    files, _ = collect_inputs([photos])
    if not files:
        msg = f"{photos}: no image files"
        raise PhotoPipelineError(msg)
    now = datetime.now(UTC)
    runtime.deps.workspaces.create(
        Workspace(workspace_id=settings.workspace, name=settings.workspace, created_at=now)
    )
    prefix = f"{settings.workspace}/runs/{digest_of({'folder': str(photos.resolve())})}/"
    upload(runtime.deps.drop, photos, files, prefix)
    ingest = IngestRequest.model_validate(
        request | {"workspace_id": settings.workspace, "prefix": prefix, "resume": True}
    )
    return runtime.ingest(ingest).batches[0]


def run_batch(
    photos: Path,
    out: Path,
    request: dict[str, Any],
    settings: Settings,
    *,
    worker_processes: int = 0,
) -> dict[str, Any]:
    """Run (or resume) the batch for ``photos`` and mirror it into ``out``; return the manifest.

    ``worker_processes`` processes photos in that many worker processes instead of threads.
    """
    with LocalRuntime(settings, worker_processes=worker_processes) as runtime:
        runtime.fire_due_schedules()
        batch = _start(runtime, photos, request)
        stderr.print(f"batch {batch.batch_id}: {batch.item_count} photos")
        try:
            follow(runtime, batch)
        except KeyboardInterrupt:
            if batch.execution_arn is not None:
                runtime.stop(batch.execution_arn)
            stderr.print("[yellow]interrupted[/]: run the same command again to resume")
            raise
        out.mkdir(parents=True, exist_ok=True)
        download(runtime.deps.outputs, batch_prefix(batch.workspace_id, batch.batch_id), out)
    manifest: dict[str, Any] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return manifest


def print_summary(manifest: dict[str, Any], out: Path) -> None:
    """The batch's outcome on stderr: counts, charge, failures and blocked images."""
    s = manifest["summary"]
    amount = f"{s['charged_minor'] / 100:.2f} {s['currency']}"
    stderr.print(
        f"[bold]{s['status']}[/] {manifest['preset']} · {manifest['ruleset']}: "
        f"[green]{s['succeeded']} passed[/], [yellow]{s['blocked']} blocked[/], "
        f"[red]{s['failed']} failed[/] of {s['total']} · charged {amount} · {out}"
    )
    for item in manifest["items"]:
        if item["status"] == "FAILED":
            stderr.print(f"  [red]x[/] {item['name']}: {item['error_kind']}: {item['error']}")
        elif item["status"] in {"DEFERRED", "PENDING"}:
            why = item["error"] or "paused at the spend limit"
            stderr.print(f"  [cyan]waiting[/] {item['name']}: {why}")
        elif not item["passed"]:
            stderr.print(f"  [yellow]blocked[/] {item['name']}: {', '.join(item['blocking'])}")
    if s.get("paused"):
        stderr.print(
            f"[cyan]paused[/]: {s['paused']} photos wait; top up and run the same command again"
        )
    if s.get("deferred"):
        stderr.print(
            f"[cyan]split[/]: {s['deferred']} photos continue in batch {s['continuation_batch_id']}"
        )


def run(
    photos: Annotated[Path, typer.Argument(help="Folder of photos (the drop folder).")],
    *,
    marketplace: Annotated[str, typer.Option("--marketplace", "-m", help="Rule pack.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    preset: Annotated[str, typer.Option(help="Base preset, fitted to the rules.")] = "amazon-main",
    role: Annotated[Role, typer.Option(help="Image role.")] = Role.MAIN,
    category: Annotated[str | None, typer.Option(help="Product category.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Photos processed at once.")] = 2,
    processes: Annotated[
        bool,
        typer.Option(
            "--processes/--threads",
            help="Process photos in separate worker processes (each loads the model once).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest on stdout.")] = False,
    fail_on_blocked: Annotated[
        bool, typer.Option(help="Exit 1 when the Compliance Gate blocked any image.")
    ] = False,
) -> None:
    """Run the whole serverless chain locally on a folder of photos (resumable).

    Exits 1 when a photo failed (and, with --fail-on-blocked, when one was blocked), 2 on a
    usage error, 130 when interrupted; run the same command again to resume.
    """
    authorize_operator(Action.RUN_BATCH)
    request: dict[str, Any] = {"marketplace": marketplace, "preset": preset, "role": str(role)}
    request |= {"category": category, "max_concurrency": workers}
    try:
        settings = Settings.from_env(os.environ)
        manifest = run_batch(
            photos, out, request, settings, worker_processes=workers if processes else 0
        )
    except KeyboardInterrupt as exc:
        raise typer.Exit(130) from exc
    except PhotoPipelineError as exc:
        stderr.print(f"[red]error[/] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        print(json.dumps(manifest, indent=2))  # noqa: T201
    else:
        print_summary(manifest, out)
    summary = manifest["summary"]
    if summary["failed"] or (fail_on_blocked and summary["blocked"]):
        raise typer.Exit(1)
