"""``pixellift segment``: alpha mattes at the input's size."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from pixellift.adapters.bootstrap import build_fix_services
from pixellift.adapters.settings import Settings
from pixellift.cli.inputs import collect_inputs, output_stems
from pixellift.cli.progress import batch_progress, stderr
from pixellift.core.errors import PhotoPipelineError
from pixellift.core.imaging.decode import decode_image
from pixellift.core.pipeline.autofix import FixServices
from pixellift.core.pipeline.cutout import cut_out


@dataclass
class SegmentReport:
    """Outcome of one ``segment`` run."""

    succeeded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def run_segment(
    inputs: list[Path], out: Path, services: FixServices | None = None
) -> SegmentReport:
    """Write ``<stem>.png`` (8-bit, one channel) per input; failures are listed, not fatal."""
    files, missing = collect_inputs(inputs)
    report = SegmentReport(failed=[f"{p}: {cause}" for p, cause in missing])
    if not files:
        return report
    out.mkdir(parents=True, exist_ok=True)
    services = services or build_fix_services(Settings.from_env(os.environ))
    stems = output_stems(files)
    with batch_progress() as progress:
        task = progress.add_task("segment", total=len(files), current="")
        for path in files:
            progress.update(task, current=path.name)
            try:
                decoded = decode_image(path.read_bytes(), path.name, max_pixels=services.max_pixels)
                alpha = (
                    decoded.alpha
                    if decoded.alpha is not None
                    else cut_out(decoded.rgb, services.segmenter).alpha
                )
                matte = np.clip(alpha * 255.0 + 0.5, 0, 255).astype(np.uint8)
                target = out / f"{stems[path]}.png"
                if not cv2.imwrite(str(target), matte):
                    msg = f"{path}: could not write {target}"
                    raise PhotoPipelineError(msg)
                report.succeeded.append(str(target))
            except PhotoPipelineError as exc:
                report.failed.append(str(exc))
            except OSError as exc:
                report.failed.append(f"{path}: {exc.strerror or exc}")
            progress.advance(task)
    return report


def print_segment_report(report: SegmentReport) -> None:
    """Summary on stderr."""
    stderr.print(f"[green]{len(report.succeeded)} mattes written[/]")
    for failure in report.failed:
        stderr.print(f"  [red]x[/] {failure}")
