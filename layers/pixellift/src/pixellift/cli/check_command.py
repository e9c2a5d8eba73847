"""``pixellift check``: measure finished images and run them through the Compliance Gate."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from pixellift.cli.guard_command import GuardRuntime, build_runtime, inspect_file
from pixellift.cli.inputs import collect_inputs
from pixellift.cli.progress import batch_progress, stderr
from pixellift.core.errors import (
    GuardProfileError,
    ImageDecodeError,
    InvalidPresetError,
    PhotoPipelineError,
)
from pixellift.core.guard.gate import evaluate_with_guard
from pixellift.core.guard.profiles import GuardPolicy, guard_policy
from pixellift.core.policy.engine import CompiledRuleSet
from pixellift.core.policy.findings import format_value
from pixellift.core.policy.gate import (
    BatchDecision,
    DecidedFinding,
    Decision,
    ItemRef,
    PolicyException,
    decide,
    decide_batch,
    failed_item,
)
from pixellift.core.policy.loader import PackRef, load_pack
from pixellift.core.policy.measure import measure_image
from pixellift.core.policy.metrics import Metric
from pixellift.core.policy.reports import report_csv, report_json, summary_by_marketplace
from pixellift.core.policy.resolution import resolve
from pixellift.core.policy.schema import Role, RulePack, Severity
from pixellift.core.policy.taxonomy import CategoryAssignment, assign_category


@dataclass(frozen=True)
class CheckOptions:
    """What to check the images against."""

    packs: tuple[RulePack, ...]
    role: Role
    on: date
    category: str | None = None
    region: str | None = None
    exceptions: tuple[PolicyException, ...] = ()
    require_checked: bool = False
    batch_id: str | None = None
    content: GuardRuntime | None = None
    """Run the Text Guard on each image so content rules are decided, not left unchecked."""


def load_exceptions(path: Path) -> tuple[PolicyException, ...]:
    """Read documented exceptions from a YAML list; errors name the file and the entry."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        msg = f"{path}: cannot read exceptions ({exc})"
        raise InvalidPresetError(msg) from exc
    if not isinstance(data, list):
        msg = f"{path}: exceptions must be a list"
        raise InvalidPresetError(msg)
    found = []
    for i, entry in enumerate(data):
        try:
            found.append(PolicyException.model_validate(entry))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or '(entry)'}: {e['msg']}" for e in exc.errors()
            )
            msg = f"{path}: exception [{i}]: {problems}"
            raise InvalidPresetError(msg) from exc
    return tuple(found)


def load_packs(refs: list[str]) -> tuple[RulePack, ...]:
    """Packs for ``marketplace`` or ``marketplace@version`` references."""
    packs = []
    for text in refs:
        ref = PackRef.parse(text)
        packs.append(load_pack(ref.marketplace, ref.version))
    return tuple(packs)


class _Rules:
    """Resolved and compiled rule sets, one per marketplace and category."""

    def __init__(self, options: CheckOptions) -> None:
        self.options = options
        self._cache: dict[tuple[str, str | None], CompiledRuleSet] = {}

    def get(self, pack: RulePack, category: str | None) -> CompiledRuleSet:
        key = (pack.marketplace, category)
        if key not in self._cache:
            o = self.options
            resolved = resolve(pack, role=o.role, on=o.on, category=category, region=o.region)
            self._cache[key] = CompiledRuleSet(resolved)
        return self._cache[key]


def _check_one(
    path: Path, options: CheckOptions, rules: _Rules, batch_id: str | None
) -> list[Decision]:
    item = ItemRef(name=str(path), batch_id=batch_id)
    assignment: CategoryAssignment = assign_category(
        explicit=options.category, folder=path.parent.name or None
    )
    compiled = [rules.get(pack, assignment.category) for pack in options.packs]
    specs = {s.key: s for c in compiled for s in c.rules.background_specs()}
    try:
        data = path.read_bytes()
        measurement = measure_image(data, path.name, backgrounds=specs.values())
        report = (
            None if options.content is None else inspect_file(data, path.name, options.content)[2]
        )
    except (ImageDecodeError, OSError) as exc:
        error = str(exc) if isinstance(exc, ImageDecodeError) else f"{path}: {exc}"
        return [failed_item(item, c.rules, error, options.on) for c in compiled]
    return [
        decide(
            c.evaluate(measurement)
            if report is None
            else evaluate_with_guard(c, measurement, report, _guard_policy(c, options.role)),
            item=item,
            role=options.role,
            today=options.on,
            category=assignment,
            exceptions=options.exceptions,
            require_checked=options.require_checked,
        )
        for c in compiled
    ]


def _guard_policy(compiled: CompiledRuleSet, role: Role) -> GuardPolicy:
    """The guard profile of the rule set's marketplace (the default profile if it has none)."""
    try:
        return guard_policy(compiled.rules.marketplace, role)
    except GuardProfileError:
        return guard_policy("default", role)


def run_check(inputs: list[Path], options: CheckOptions) -> BatchDecision:
    """Measure every input once and decide it for every marketplace; bad files fail alone."""
    files, missing = collect_inputs(inputs)
    rules = _Rules(options)
    decisions: list[Decision] = []
    for path, cause in missing:
        for pack in options.packs:
            resolved = rules.get(pack, None).rules
            item = ItemRef(name=str(path), batch_id=options.batch_id)
            decisions.append(failed_item(item, resolved, f"{path}: {cause}", options.on))
    if files:
        with batch_progress() as progress:
            task = progress.add_task("check", total=len(files), current="")
            for path in files:
                progress.update(task, current=path.name)
                decisions.extend(_check_one(path, options, rules, options.batch_id))
                progress.advance(task)
    return decide_batch(decisions, options.batch_id)


_ORDER = {"blocking": 0, "waived": 1, "reported": 2}


def _finding_lines(judged: DecidedFinding) -> list[str]:
    f = judged.finding
    colour = {"blocking": "red", "waived": "cyan", "reported": "yellow"}[judged.status]
    label = str(f.severity) if judged.status == "reported" else judged.status
    head = f"  [{colour}]{label:8}[/] {f.rule_id}"
    if f.severity is Severity.ADVICE and judged.status == "reported":
        return [f"{head}  {escape(f.title)}"]
    metric = f.metric.split("[")[0]
    known = {str(m) for m in Metric}
    shown = format_value(Metric(metric), f.measured) if metric in known else f.measured
    lines = [
        f"{head}  {escape(metric.replace('_', ' '))} {escape(str(shown))}, "
        f"required {escape(f.required)}"
    ]
    lines.append(f"      {escape(f.reason.split(' Measured ')[0])}")
    if f.fix is not None:
        lines.append(f"      fix: {escape(f.fix.summary)}")
    if judged.note:
        lines.append(f"      note: {escape(judged.note)}")
    return lines


def print_check(batch: BatchDecision, *, as_json: bool, console: Console | None = None) -> None:
    """Print the JSON report on stdout, or a readable fail list."""
    if as_json:
        print(json.dumps(report_json(batch), indent=2))  # noqa: T201
        return
    out = console or Console()
    for d in batch.decisions:
        status = "[green]PASS[/]" if d.passed else "[red]FAIL[/]"
        where = f"{d.marketplace}, {d.role}" + (f", {d.category}" if d.category else "")
        out.print(f"{status} {escape(d.item.name)} ({escape(where)})")
        if d.error:
            out.print(f"  [red]error[/]    {escape(d.error)}")
        ranked = sorted(d.findings, key=lambda j: (_ORDER[j.status], -j.finding.severity.rank))
        for judged in ranked:
            for line in _finding_lines(judged):
                out.print(line)
    for s in summary_by_marketplace(batch.decisions):
        counts = f"{s.passed} passed, {s.failed} failed ({s.blocking_findings} blocking findings)"
        out.print(f"{s.marketplace}: {counts}")
    unchecked = {u.rule_id for d in batch.decisions for u in d.unchecked}
    if unchecked:
        out.print(f"{len(unchecked)} rules not checked (need a content detector or listing data)")
    for ruleset in batch.rulesets:
        out.print(f"rules: {escape(ruleset)}")


def _fail(exc: Exception) -> typer.Exit:
    stderr.print(f"[red]error[/] {escape(str(exc))}")
    return typer.Exit(2)


def check(
    inputs: Annotated[list[Path], typer.Argument(help="Finished images, or folders of them.")],
    *,
    marketplace: Annotated[
        list[str],
        typer.Option(
            "--marketplace", "-m", help="Rule pack: amazon, or amazon@1.0.0 (repeat for several)."
        ),
    ],
    role: Annotated[Role, typer.Option(help="The images' role in the listing.")] = Role.MAIN,
    category: Annotated[
        str | None,
        typer.Option(help="Product category, free text (default: each file's folder name)."),
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="Marketplace region, e.g. US, UK, DE (default: the pack's).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Use the rules in effect on YYYY-MM-DD.")
    ] = None,
    exceptions: Annotated[
        Path | None, typer.Option(help="YAML list of documented exceptions.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Also write report.json and report.csv here.")
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Fail when a blocker rule could not be checked.")
    ] = False,
    content: Annotated[
        bool,
        typer.Option(
            help="Run the Text Guard on each image to decide the content rules "
            "(overlay text, watermarks, badges, borders, insets, people)."
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the JSON report on stdout.")
    ] = False,
) -> None:
    """Check finished images against marketplace rules; exit 1 while a blocker remains."""
    try:
        options = CheckOptions(
            packs=load_packs(marketplace),
            role=role,
            on=date.fromisoformat(as_of) if as_of else date.today(),
            category=category,
            region=region.upper() if region else None,
            exceptions=load_exceptions(exceptions) if exceptions else (),
            require_checked=strict,
            content=build_runtime() if content else None,
        )
    except (PhotoPipelineError, ValueError) as exc:
        raise _fail(exc) from exc
    batch = run_check(inputs, options)
    if report is not None:
        report.mkdir(parents=True, exist_ok=True)
        (report / "report.json").write_text(
            json.dumps(report_json(batch), indent=2), encoding="utf-8"
        )
        (report / "report.csv").write_text(report_csv(batch), encoding="utf-8")
    print_check(batch, as_json=as_json)
    if not batch.passed:
        raise typer.Exit(1)
