"""``pixellift state``: operator actions on a deployment's stored state.

``pixellift state rescope`` copies the batches, items and outputs tables a deployment kept from
before workspace keys into the workspace-keyed ``-v2`` tables
(docs/adr/0008-workspace-scoped-state.md). It uses the configured tables
(``PIXELLIFT_TABLE_PREFIX`` or ``PIXELLIFT_<TABLE>_TABLE``), region and endpoint, and the AWS
credentials of whoever runs it: it touches every workspace, which no workspace role can allow,
so IAM on the tables is what authorises it.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Annotated

import boto3
import typer
from rich.markup import escape

from pixellift.adapters.aws.rescope_tables import (
    RescopeReport,
    check_tables,
    legacy_tables,
    rescope_tables,
)
from pixellift.adapters.settings import Settings
from pixellift.cli.progress import batch_progress, stderr
from pixellift.core.errors import MissingConfigurationError, PhotoPipelineError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

state_app = typer.Typer(no_args_is_help=True)


@state_app.callback()
def state() -> None:
    """Operator actions on a deployment's stored state (AWS credentials authorise them)."""


_SHOWN_DROPS = 20


def _print_report(report: RescopeReport) -> None:
    verb = "would copy" if report.dry_run else "copied"
    summary = report.as_dict()
    for kind, row in summary["tables"].items():
        print(  # noqa: T201
            f"{kind}: {row['from']} -> {row['to']}: {row['scanned']} scanned,"
            f" {row['copied']} {verb}, {row['present']} already present"
        )
    print(f"dropped: {len(report.dropped)}")  # noqa: T201
    for dropped in report.dropped[:_SHOWN_DROPS]:
        print(f"  {dropped}")  # noqa: T201
    if len(report.dropped) > _SHOWN_DROPS:
        print(f"  … and {len(report.dropped) - _SHOWN_DROPS} more (--json lists all)")  # noqa: T201
    if report.retries:
        print(f"retried requests: {report.retries}")  # noqa: T201


@state_app.command("rescope")
def rescope(
    *,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would be copied; write nothing.")
    ] = False,
    legacy_prefix: Annotated[
        str | None,
        typer.Option(
            "--legacy-prefix",
            help="The old tables are PREFIX + batches|items|outputs (default:"
            " the configured names without -v2).",
        ),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Writes in flight at once.")] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Copy the pre-workspace batches, items and outputs tables into the workspace-keyed ones.

    Rows already in the new tables are kept; the old tables are only read. Safe to run again.
    """
    settings = Settings.from_env(os.environ)
    try:
        tables = legacy_tables(settings.tables, legacy_prefix)
        client: DynamoDBClient = boto3.client(
            "dynamodb", region_name=settings.region, endpoint_url=settings.endpoint_url
        )
        estimates = check_tables(client, tables)
        with batch_progress() as progress:
            tasks = {
                kind: progress.add_task(f"{old} ->", total=estimates[kind] or None, current="")
                for kind, (old, _) in tables.pairs().items()
            }
            report = rescope_tables(
                client,
                tables,
                dry_run=dry_run,
                workers=workers,
                on_page=lambda kind, rows: progress.advance(tasks[kind], rows),
            )
    except MissingConfigurationError as exc:
        stderr.print(f"[red]error[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    except PhotoPipelineError as exc:
        stderr.print(f"[red]error[/] {escape(str(exc))}; running it again resumes the copy")
        raise typer.Exit(1) from exc
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))  # noqa: T201
    else:
        _print_report(report)
