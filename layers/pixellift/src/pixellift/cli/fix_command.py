"""``pixellift fix``: the Auto-Fix pipeline over files and folders."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import cv2

from pixellift.adapters.bootstrap import build_fix_services
from pixellift.adapters.settings import Settings
from pixellift.cli.inputs import collect_inputs, output_stems
from pixellift.cli.progress import batch_progress, stderr
from pixellift.core.errors import PhotoPipelineError
from pixellift.core.pipeline.autofix import FixResult, FixServices, fix_photo
from pixellift.core.pipeline.preset_schema import Preset
from pixellift.core.pipeline.presets import load_preset, parse_preset
from pixellift.core.policy.engine import CompiledRuleSet
from pixellift.core.policy.fixes import fix_preset
from pixellift.core.policy.gate import Decision, ItemRef, decide
from pixellift.core.policy.loader import PackRef, load_pack
from pixellift.core.policy.measure import measure_image
from pixellift.core.policy.resolution import resolve
from pixellift.core.policy.schema import Role


@dataclass(frozen=True)
class FixAllPlan:
    """Fix All: the preset fitted to a marketplace's resolved rules, and the gate that re-checks."""

    preset: Preset
    rules: CompiledRuleSet
    changes: tuple[str, ...]
    conflicts: tuple[str, ...]
    today: date


def plan_fix_all(
    base: Preset, marketplace: str, role: Role, category: str | None, today: date
) -> FixAllPlan:
    """Resolve the marketplace's rules and fit ``base`` so its outputs satisfy them."""
    ref = PackRef.parse(marketplace)
    rules = resolve(load_pack(ref.marketplace, ref.version), role=role, on=today, category=category)
    plan = fix_preset(rules, base)
    return FixAllPlan(
        preset=plan.preset,
        rules=CompiledRuleSet(rules),
        changes=tuple(str(c) for c in plan.changes),
        conflicts=tuple(str(c) for c in plan.conflicts),
        today=today,
    )


def gate_output(result: FixResult, gate: FixAllPlan) -> Decision:
    """Measure the real output file and decide it (the re-check of Fix All)."""
    rules = gate.rules.rules
    name = f"{result.name}{result.extension}"
    measured = measure_image(result.output.data, name, backgrounds=rules.background_specs())
    return decide(
        gate.rules.evaluate(measured), item=ItemRef(name=name), role=rules.role, today=gate.today
    )


@dataclass
class BatchReport:
    """Outcome of one ``fix`` run."""

    preset: str
    rules: str | None = None
    succeeded: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "preset": self.preset,
            "rules": self.rules,
            "processed": len(self.succeeded),
            "failed": len(self.failed),
            "items": self.succeeded,
            "failures": self.failed,
        }


def resolve_preset(value: str) -> Preset:
    """A built-in preset name, or a path to a preset YAML file."""
    path = Path(value)
    if path.suffix in {".yaml", ".yml"} and path.is_file():
        return parse_preset(path.read_text(encoding="utf-8"), str(path))
    return load_preset(value)


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def _save(result: FixResult, source: Path, stem: str, out: Path) -> dict[str, Any]:
    target = out / f"{stem}{result.extension}"
    if target.resolve() == source.resolve():
        msg = f"{source}: refusing to overwrite the original; choose another --out folder"
        raise PhotoPipelineError(msg)
    _write(target, result.output.data)
    log = result.step_log.to_dict() | {"preset": result.preset_key, "output": target.name}
    _write(out / f"{stem}.steps.json", json.dumps(log, indent=2).encode())
    item: dict[str, Any] = {
        "file": str(source),
        "output": str(target),
        "bytes": result.output.size_bytes,
        "seconds": round(result.step_log.total_seconds, 3),
        "flags": result.step_log.flags,
    }
    if result.compare is not None:
        compare_dir = out / "compare"
        compare_dir.mkdir(exist_ok=True)
        ok, buf = cv2.imencode(".jpg", cv2.cvtColor(result.compare, cv2.COLOR_RGB2BGR))
        if ok:
            _write(compare_dir / f"{stem}.jpg", buf.tobytes())
            item["compare"] = str(compare_dir / f"{stem}.jpg")
    return item


def run_fix(
    inputs: list[Path],
    out: Path,
    preset: Preset,
    *,
    compare: bool,
    services: FixServices | None = None,
    gate: FixAllPlan | None = None,
) -> BatchReport:
    """Fix every input, re-checked when ``gate`` is given; one bad file never stops a batch."""
    files, missing = collect_inputs(inputs)
    report = BatchReport(preset=preset.key, rules=gate.rules.rules.key if gate else None)
    report.failed.extend({"file": str(p), "error": cause} for p, cause in missing)
    if not files:
        return report
    out.mkdir(parents=True, exist_ok=True)
    services = services or build_fix_services(Settings.from_env(os.environ))
    stems = output_stems(files)
    with batch_progress() as progress:
        task = progress.add_task("fix", total=len(files), current="")
        for path in files:
            progress.update(task, current=path.name)
            try:
                result = fix_photo(
                    path.read_bytes(), path.name, preset, services, with_compare=compare
                )
                item = _save(result, path, stems[path], out)
                if gate is not None:
                    decision = gate_output(result, gate)
                    item["passed"] = decision.passed
                    item["blocking"] = [f.rule_id for f in decision.blocking]
                report.succeeded.append(item)
            except PhotoPipelineError as exc:
                report.failed.append(
                    {"file": str(path), "error": str(exc), "kind": type(exc).__name__}
                )
            except OSError as exc:
                report.failed.append(
                    {
                        "file": str(path),
                        "error": f"{path}: {exc.strerror or exc}",
                        "kind": "OSError",
                    }
                )
            progress.advance(task)
    return report


def print_report(report: BatchReport, *, as_json: bool) -> None:
    """Human summary on stderr, or the JSON summary on stdout."""
    if as_json:
        print(json.dumps(report.to_dict(), indent=2))  # noqa: T201
        return
    stderr.print(f"[green]{len(report.succeeded)} fixed[/] with {report.preset}")
    if report.rules is not None:
        blocked = [i for i in report.succeeded if not i.get("passed", True)]
        stderr.print(
            f"compliance gate ({report.rules}): {len(report.succeeded) - len(blocked)} pass"
        )
        for item in blocked:
            stderr.print(f"  [red]blocked[/] {item['file']}: {', '.join(item['blocking'])}")
    for item in report.succeeded:
        for flag in item["flags"]:
            stderr.print(f"  [yellow]note[/] {item['file']}: {flag}")
    if report.failed:
        stderr.print(f"[red]{len(report.failed)} failed[/]")
        for failure in report.failed:
            stderr.print(f"  [red]x[/] {failure['error']}")
