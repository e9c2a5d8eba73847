"""``pixellift rules``: list, show and diff the marketplace rule packs."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pixellift.cli.progress import stderr
from pixellift.core.errors import PhotoPipelineError
from pixellift.core.policy.diff import diff_packs, render_diff
from pixellift.core.policy.findings import describe_check
from pixellift.core.policy.loader import PackRef, available_packs, load_pack, parse_pack
from pixellift.core.policy.resolution import resolve
from pixellift.core.policy.schema import Role, RulePack, pack_json_schema
from pixellift.core.policy.taxonomy import normalise_category

rules_app = typer.Typer(
    no_args_is_help=True, help="Marketplace rule packs: list, show, diff, schema."
)


def load_ref(text: str) -> tuple[RulePack, date | None]:
    """Load a pack from ``marketplace[@version|@date]`` or from a pack YAML file."""
    path = Path(text)
    if path.suffix in {".yaml", ".yml"} and path.is_file():
        return parse_pack(path.read_text(encoding="utf-8"), str(path)), None
    ref = PackRef.parse(text)
    return load_pack(ref.marketplace, ref.version), ref.on


def _fail(exc: Exception) -> typer.Exit:
    stderr.print(f"[red]error[/] {escape(str(exc))}")
    return typer.Exit(2)


@rules_app.command("list")
def list_packs() -> None:
    """List the marketplaces with rule packs and their versions."""
    for market, versions in available_packs().items():
        pack = load_pack(market)
        print(f"{market:24} {', '.join(versions):10} {len(pack.rules):3} rules  {pack.name}")  # noqa: T201


@rules_app.command("show")
def show(
    pack_ref: Annotated[
        str,
        typer.Argument(metavar="MARKETPLACE", help="amazon, amazon@1.0.0 or amazon@2027-02-01."),
    ],
    role: Annotated[
        Role | None, typer.Option(help="Resolve for this image role (with provenance).")
    ] = None,
    category: Annotated[
        str | None, typer.Option(help="Resolve for this category (free text).")
    ] = None,
    region: Annotated[str | None, typer.Option(help="Resolve for this region.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show a pack's rules, or (with --role) the rules resolved for one kind of item."""
    try:
        pack, on = load_ref(pack_ref)
    except PhotoPipelineError as exc:
        raise _fail(exc) from exc
    console = Console()
    if role is None:
        if as_json:
            print(pack.model_dump_json(indent=2))  # noqa: T201
            return
        table = Table(title=f"{pack.name} {pack.key}", show_lines=False)
        table.add_column("rule", no_wrap=True)
        for column in ("severity", "roles", "requirement", "source (as of)"):
            table.add_column(column)
        for rule in pack.rules:
            if on is None or rule.active_on(on):
                table.add_row(
                    rule.id,
                    str(rule.severity),
                    "/".join(rule.scope.roles),
                    describe_check(rule.check),
                    f"{rule.source.confidence} ({rule.source.as_of})",
                )
        console.print(table)
        console.print(f"categories: {', '.join(sorted(pack.categories)) or 'none'}")
        return
    canonical = normalise_category(category)[0] if category else None
    try:
        resolved = resolve(
            pack, role=role, on=on or date.today(), category=canonical, region=region
        )
    except PhotoPipelineError as exc:
        raise _fail(exc) from exc
    if as_json:
        rows = [
            {
                "rule": r.rule.model_dump(mode="json", exclude={"examples"}),
                "layer": r.layer,
                "history": [h.__dict__ | {"changed": list(h.changed)} for h in r.history],
            }
            for r in resolved.rules
        ]
        print(
            json.dumps(
                {
                    "ruleset": resolved.label,
                    "digest": resolved.digest,
                    "notes": list(resolved.notes),  # noqa: T201
                    "rules": rows,
                },
                indent=2,
            )
        )
        return
    table = Table(title=f"{resolved.label} #{resolved.digest}")
    table.add_column("rule", no_wrap=True)
    for column in ("severity", "requirement", "layer", "why"):
        table.add_column(column)
    for r in resolved.rules:
        last, source = r.history[-1], r.rule.source
        why = (
            f"{source.confidence}, as of {source.as_of}"
            if last.layer == "marketplace"
            else last.why
        )
        table.add_row(
            r.rule.id, str(r.rule.severity), describe_check(r.rule.check), last.name, escape(why)
        )
    console.print(table)
    for note in resolved.notes:
        console.print(f"note: {escape(note)}")


@rules_app.command("diff")
def diff(
    old: Annotated[str, typer.Argument(help="amazon@1.0.0, amazon@2026-12-31 or a pack file.")],
    new: Annotated[str, typer.Argument(help="amazon@1.1.0, amazon@2027-02-01 or a pack file.")],
) -> None:
    """Print a human-readable diff between two pack versions (or one pack on two dates)."""
    try:
        (a, a_on), (b, b_on) = load_ref(old), load_ref(new)
    except PhotoPipelineError as exc:
        raise _fail(exc) from exc
    print(render_diff(diff_packs(a, b, old_on=a_on, new_on=b_on)))  # noqa: T201


@rules_app.command("schema")
def schema() -> None:
    """Print the JSON Schema of a rule pack file."""
    print(json.dumps(pack_json_schema(), indent=2))  # noqa: T201
