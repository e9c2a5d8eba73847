"""The ``pixellift`` command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from pixellift.cli.access_command import access_app
from pixellift.cli.audit_command import audit_app
from pixellift.cli.check_command import check
from pixellift.cli.credits_command import credits_app
from pixellift.cli.endpoint_command import endpoint_app
from pixellift.cli.export_command import export
from pixellift.cli.fix_command import plan_fix_all, print_report, resolve_preset, run_fix
from pixellift.cli.guard_command import guard
from pixellift.cli.progress import stderr
from pixellift.cli.quickset_command import quickset
from pixellift.cli.rules_command import rules_app
from pixellift.cli.run_command import run
from pixellift.cli.segment_command import print_segment_report, run_segment
from pixellift.cli.serve_command import serve
from pixellift.cli.state_command import state_app
from pixellift.core.errors import PhotoPipelineError
from pixellift.core.pipeline.presets import builtin_preset_names, load_preset
from pixellift.core.policy.schema import Role

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Marketplace-ready product photos."
)

Inputs = Annotated[list[Path], typer.Argument(help="Photos or folders of photos.")]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Output folder.")]


@app.command()
def fix(
    inputs: Inputs,
    *,
    out: OutDir,
    preset: Annotated[str, typer.Option(help="Preset name or a preset YAML file.")] = "amazon-main",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON summary on stdout.")
    ] = False,
    compare: Annotated[
        bool, typer.Option(help="Write before/after pictures to OUT/compare.")
    ] = True,
    marketplace: Annotated[
        str | None,
        typer.Option(
            "--marketplace", "-m", help="Fix All: fit the preset to this rule pack and re-check."
        ),
    ] = None,
    role: Annotated[Role, typer.Option(help="Image role for --marketplace.")] = Role.MAIN,
    category: Annotated[
        str | None, typer.Option(help="Product category for --marketplace.")
    ] = None,
) -> None:
    """Remove the background, frame, size and encode each photo for a marketplace preset.

    With --marketplace, Fix All adjusts the preset to the marketplace's resolved rules, and every
    output is measured and re-checked by the Compliance Gate; a remaining blocker fails the run.
    """
    try:
        chosen = resolve_preset(preset)
        gate = None
        if marketplace is not None:
            gate = plan_fix_all(chosen, marketplace, role, category, date.today())
            chosen = gate.preset
            for change in gate.changes:
                stderr.print(f"  [cyan]fix all[/] {change}")
    except PhotoPipelineError as exc:
        stderr.print(f"[red]error[/] {exc}")
        raise typer.Exit(2) from exc
    report = run_fix(inputs, out, chosen, compare=compare, gate=gate)
    print_report(report, as_json=as_json)
    blocked = any(not item.get("passed", True) for item in report.succeeded)
    if report.failed or not report.succeeded or blocked:
        raise typer.Exit(1)


app.command()(check)
app.command()(guard)
app.command()(run)
app.command()(serve)
app.command()(quickset)
app.command()(export)
app.add_typer(rules_app, name="rules")
app.add_typer(endpoint_app, name="endpoint")
app.add_typer(access_app, name="access")
app.add_typer(audit_app, name="audit")
app.add_typer(credits_app, name="credits")
app.add_typer(state_app, name="state")


@app.command()
def segment(inputs: Inputs, *, out: OutDir) -> None:
    """Write each photo's alpha matte as an 8-bit PNG named <input stem>.png at the input's size."""
    report = run_segment(inputs, out)
    print_segment_report(report)
    if report.failed or not report.succeeded:
        raise typer.Exit(1)


@app.command()
def presets(
    name: Annotated[str | None, typer.Argument(help="Show one preset in full.")] = None,
) -> None:
    """List the built-in presets, or show one."""
    if name is None:
        for preset_name in builtin_preset_names():
            p = load_preset(preset_name)
            print(f"{p.name:18} {p.version:8} {p.marketplace:12} {p.role:10} {p.output.format}")  # noqa: T201
        return
    try:
        print(load_preset(name).model_dump_json(indent=2))  # noqa: T201
    except PhotoPipelineError as exc:
        stderr.print(f"[red]error[/] {exc}")
        raise typer.Exit(2) from exc
