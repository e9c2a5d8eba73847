"""``pixellift guard``: find overlay text, watermarks, badges, borders, insets, people and codes.

Each photo gets a report (or one JSON record per line with ``--json``), an annotated copy with
every finding boxed and labelled, and with ``--clean`` a cleaned variant beside it. Exit codes:
0 when every photo passes, 1 when any needs review, fails or could not be read, 2 on bad usage.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import cv2
import numpy as np
import typer
from rich.console import Console
from rich.markup import escape

from pixellift.cli.inputs import collect_inputs, output_stems
from pixellift.cli.progress import stderr
from pixellift.core.errors import GuardProfileError, PhotoPipelineError
from pixellift.core.guard.inspect import GuardReport, GuardServices, inspect_photo
from pixellift.core.guard.profiles import (
    Action,
    AllowList,
    GuardDecision,
    GuardPolicy,
    Strictness,
    decide,
    guard_policy,
)
from pixellift.core.imaging.decode import decode_image
from pixellift.core.pipeline.segment import segment_subject
from pixellift.core.policy.schema import Role
from pixellift.core.ports import Segmenter
from pixellift.core.types import Alpha, RgbImage

_COLOURS = {Action.FAIL: (220, 30, 30), Action.REVIEW: (240, 150, 0), Action.PASS: (30, 160, 60)}
_IGNORED = (140, 140, 140)
stdout = Console(highlight=False, soft_wrap=True)


@dataclass(frozen=True)
class GuardRuntime:
    """The detectors and the segmenter a guard run uses."""

    services: GuardServices
    segmenter: Segmenter | None
    max_pixels: int


def build_runtime() -> GuardRuntime:
    """The configured detectors and segmenter (see ``build_guard_services``)."""
    from pixellift.adapters.bootstrap import build_fix_services, build_guard_services
    from pixellift.adapters.settings import Settings

    settings = Settings.from_env(os.environ)
    fix = build_fix_services(settings)
    services = build_guard_services(settings)
    for reason in services.missing:
        stderr.print(f"[yellow]warning[/] {escape(reason)}")
    return GuardRuntime(services, fix.segmenter, fix.max_pixels)


def parse_region(text: str) -> tuple[float, float, float, float]:
    """``x0,y0,x1,y1`` as fractions of the width and height.

    Examples
    --------
    >>> parse_region("0,0.8,1,1")
    (0.0, 0.8, 1.0, 1.0)
    """
    try:
        x0, y0, x1, y1 = (float(v) for v in text.split(","))
    except ValueError as exc:
        msg = f"allowed region {text!r} must be x0,y0,x1,y1 (fractions of width and height)"
        raise GuardProfileError(msg) from exc
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        msg = f"allowed region {text!r} must have 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1"
        raise GuardProfileError(msg)
    return (x0, y0, x1, y1)


def annotate(rgb: RgbImage, report: GuardReport, decision: GuardDecision) -> RgbImage:
    """A copy with every finding boxed and labelled, coloured by what it means."""
    out = np.ascontiguousarray(rgb.copy())
    outcome = {id(r.finding): r.outcome for r in decision.reasons}
    thickness = max(2, round(max(rgb.shape[:2]) / 400))
    scale = max(0.5, max(rgb.shape[:2]) / 1600)
    for f in report.findings:
        action = outcome.get(id(f))
        colour = _COLOURS[action] if action is not None else _IGNORED
        x0, y0, x1, y1 = f.box
        cv2.rectangle(out, (x0, y0), (x1 - 1, y1 - 1), colour, thickness)
        label = f"{f.cls.value} {f.confidence:.2f}"
        (w, h), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
        top = max(0, y0 - h - base - 2)
        cv2.rectangle(out, (x0, top), (x0 + w + 4, top + h + base + 2), colour, -1)
        cv2.putText(out, label, (x0 + 2, top + h + 1), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (255, 255, 255), thickness, cv2.LINE_AA)  # fmt: skip
    return out


def _write(path: Path, rgb: RgbImage) -> None:
    if not cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1])):
        msg = f"could not write {path}"
        raise PhotoPipelineError(msg)


def record(name: str, report: GuardReport, decision: GuardDecision) -> dict[str, Any]:
    """The ``--json`` record of one photo."""
    return {
        "file": name,
        "findings": [
            {
                "class": f.cls.value,
                "box": list(f.box),
                "confidence": f.confidence,
                "text": f.text,
                "detector": f.detector,
            }
            for f in report.findings
        ],
        "decision": decision.decision.value,
        "reasons": [
            {"class": r.finding.cls.value, "outcome": r.outcome.value, "why": r.why}
            for r in decision.reasons
        ],
        "unchecked": list(report.unchecked),
    }


def _print(name: str, report: GuardReport, decision: GuardDecision) -> None:
    colour = {Action.PASS: "green", Action.REVIEW: "yellow", Action.FAIL: "red"}
    verdict = decision.decision
    stdout.print(f"[bold]{escape(name)}[/]: [{colour[verdict]}]{verdict.value.upper()}[/]")
    why = {id(r.finding): r for r in decision.reasons}
    for f in report.findings:
        reason = why.get(id(f))
        text = f" {escape(repr(f.text))}" if f.text else ""
        tail = (
            f" [{colour[reason.outcome]}]{reason.outcome.value}[/]: {escape(reason.why)}"
            if reason
            else ""
        )
        stdout.print(f"  {f.cls.value:14} {list(f.box)} {f.confidence:.2f}{text}{tail}")
    if report.unchecked:
        stdout.print(f"  [dim]not checked: {', '.join(report.unchecked)}[/]")


def _clean(rgb: RgbImage, alpha: Alpha, report: GuardReport, target: Path) -> str:
    from pixellift.core.guard.cleanup import RepairStatus, clean_overlays

    result = clean_overlays(rgb, alpha, report.findings)
    _write(target, result.rgb)
    cleaned = len(result.with_status(RepairStatus.CLEANED))
    rolled = len(result.with_status(RepairStatus.ROLLED_BACK))
    return f"{target} ({cleaned} cleaned, {rolled} rolled back)"


def inspect_file(
    data: bytes, name: str, runtime: GuardRuntime
) -> tuple[RgbImage, Alpha, GuardReport]:
    """Decode a photo, take its alpha (its own, else segmentation's) and run every detector.

    Raises
    ------
    ImageDecodeError
        The file is not a readable image (the message names it).
    """
    decoded = decode_image(data, name, max_pixels=runtime.max_pixels)
    alpha = decoded.alpha
    if alpha is None:
        alpha = segment_subject(decoded.rgb, runtime.segmenter).alpha
    return decoded.rgb, alpha, inspect_photo(decoded.rgb, alpha, runtime.services)


def run_guard(
    inputs: list[Path],
    policy: GuardPolicy,
    out: Path,
    *,
    clean: bool = False,
    as_json: bool = False,
    runtime: GuardRuntime | None = None,
) -> list[Action | None]:
    """Guard every input; one decision per file (``None`` for a file that could not be read)."""
    files, missing = collect_inputs(inputs)
    results: list[Action | None] = []
    for path, cause in missing:
        _failed(str(path), cause, as_json=as_json)
        results.append(None)
    if not files:
        return results
    out.mkdir(parents=True, exist_ok=True)
    runtime = runtime or build_runtime()
    stems = output_stems(files)
    for path in files:
        try:
            rgb, alpha, report = inspect_file(path.read_bytes(), path.name, runtime)
            decision = decide(report, policy)
            _write(out / f"{stems[path]}-guard.jpg", annotate(rgb, report, decision))
            if clean:
                done = _clean(rgb, alpha, report, out / f"{stems[path]}-clean.png")
                stderr.print(f"  [cyan]cleaned[/] {escape(done)}")
        except PhotoPipelineError as exc:
            _failed(str(path), str(exc), as_json=as_json)
            results.append(None)
            continue
        except OSError as exc:
            _failed(str(path), exc.strerror or str(exc), as_json=as_json)
            results.append(None)
            continue
        if as_json:
            print(json.dumps(record(str(path), report, decision)), flush=True)  # noqa: T201
        else:
            _print(str(path), report, decision)
        results.append(decision.decision)
    return results


def _failed(name: str, cause: str, *, as_json: bool) -> None:
    stderr.print(f"[red]error[/] {escape(name)}: {escape(cause)}")
    if as_json:
        print(json.dumps({"file": name, "error": cause, "decision": "error"}), flush=True)  # noqa: T201


def guard(
    inputs: Annotated[list[Path], typer.Argument(help="Photos or folders of photos.")],
    *,
    marketplace: Annotated[
        str, typer.Option("--marketplace", "-m", help="Guard profile to decide with.")
    ] = "default",
    role: Annotated[Role, typer.Option(help="Image role.")] = Role.MAIN,
    profile: Annotated[
        Strictness, typer.Option(help="Confidence preset: strict, balanced or lenient.")
    ] = Strictness.BALANCED,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for annotated and cleaned images.")
    ] = Path("guard-out"),
    clean: Annotated[
        bool, typer.Option(help="Also write a cleaned variant of each photo.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON record per input on stdout.")
    ] = False,
    allow_text: Annotated[
        list[str] | None, typer.Option(help="Text that must remain (repeatable).")
    ] = None,
    allow_region: Annotated[
        list[str] | None,
        typer.Option(help="Area to leave alone, x0,y0,x1,y1 as fractions (repeatable)."),
    ] = None,
) -> None:
    """Find text, overlays and scene elements a marketplace rejects, and decide per photo."""
    try:
        allow = AllowList(
            phrases=tuple(allow_text or ()),
            regions=tuple(parse_region(r) for r in allow_region or ()),
        )
        policy = guard_policy(marketplace, role, profile, allow)
    except GuardProfileError as exc:
        stderr.print(f"[red]error[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    results = run_guard(inputs, policy, out, clean=clean, as_json=as_json)
    if not results or any(r is not Action.PASS for r in results):
        raise typer.Exit(1)
