"""``pixellift credits``: top-ups, balance, estimates, spend caps, client buckets, usage export.

Locally the ledger lives in the runtime's persisted state (``PIXELLIFT_STATE_DIR``), so these
commands show and change the balance ``pixellift run`` debits. Every movement is also recorded in
the workspace's audit log. Funding is recorded, not collected: payment providers come later.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from uuid import uuid4

import typer
from rich.markup import escape

from pixellift.adapters.aws.billing_local import local_billing, write_xlsx
from pixellift.adapters.aws.ledger import DynamoLedgerBilling
from pixellift.adapters.settings import Settings
from pixellift.adapters.system import UtcClock
from pixellift.cli.inputs import collect_inputs
from pixellift.cli.operator import authorize_operator
from pixellift.cli.progress import stderr
from pixellift.core.access.model import Action
from pixellift.core.billing.buckets import Bucket, BucketService
from pixellift.core.billing.caps import Cap, Period
from pixellift.core.billing.ledger import MAIN
from pixellift.core.billing.money import Money
from pixellift.core.billing.shield import OVERRUN_DOCUMENT, OverrunPolicy, ShieldPolicy, set_policy
from pixellift.core.billing.usage import period_bounds, to_csv, usage_rows
from pixellift.core.billing.views import balance_view, bucket_rows
from pixellift.core.errors import PhotoPipelineError
from pixellift.core.pipeline.api_credits import price_batch

credits_app = typer.Typer(no_args_is_help=True, help="Prepaid credits, caps, buckets, usage.")
caps_app = typer.Typer(no_args_is_help=True, help="Spend caps per workspace, client or user.")
buckets_app = typer.Typer(no_args_is_help=True, help="Prepaid client buckets and funding lots.")
usage_app = typer.Typer(no_args_is_help=True, help="Usage exports.")
credits_app.add_typer(caps_app, name="caps")
credits_app.add_typer(buckets_app, name="buckets")
credits_app.add_typer(usage_app, name="usage")

Workspace = Annotated[str | None, typer.Option(help="Workspace (default PIXELLIFT_WORKSPACE).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]


@contextmanager
def _session(workspace: str | None) -> Iterator[tuple[DynamoLedgerBilling, str]]:
    # The local state lives in moto; an endpoint in the environment must not redirect it.
    settings = replace(Settings.from_env(os.environ), endpoint_url=None)
    chosen = workspace or settings.workspace
    authorize_operator(Action.MANAGE_CREDITS, chosen)
    try:
        with local_billing(settings) as billing:
            billing.open_workspace(chosen)
            yield billing, chosen
    except PhotoPipelineError as exc:
        stderr.print(f"[red]error[/] {escape(str(exc))}")
        raise typer.Exit(1) from exc


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))  # noqa: T201


def _balance(billing: DynamoLedgerBilling, workspace: str) -> dict[str, Any]:
    return balance_view(billing.ledger, workspace)


@credits_app.command("top-up")
def top_up(
    amount: Annotated[str, typer.Argument(help="Amount in major units, e.g. 25.00.")],
    *,
    transfer_id: Annotated[
        str | None, typer.Option("--id", help="Idempotency key: the same id never pays twice.")
    ] = None,
    memo: Annotated[str, typer.Option(help="Note kept with the entry.")] = "",
    workspace: Workspace = None,
) -> None:
    """Record funding of the workspace's prepaid balance."""
    with _session(workspace) as (billing, ws):
        key = transfer_id or f"top-up:{uuid4().hex}"
        done = billing.ledger.top_up(ws, key, Money.parse(amount, billing.currency), memo=memo)
        state = "recorded" if done.created else "already recorded"
        stderr.print(f"{state}: {done.amount} as {key}")
        _print(_balance(billing, ws))


@credits_app.command("balance")
def balance(*, as_json: AsJson = False, workspace: Workspace = None) -> None:
    """Show the balance, what holds reserve, what is available, and the buckets."""
    with _session(workspace) as (billing, ws):
        data = _balance(billing, ws)
    if as_json:
        _print(data)
        return
    print(f"{ws}: balance {data['balance']}, held {data['held']}, available {data['available']}")  # noqa: T201
    for bucket in data["buckets"]:
        print(f"  {bucket['bucket']}: {bucket['balance']}")  # noqa: T201


@credits_app.command("estimate")
def estimate_command(
    folder: Annotated[Path, typer.Argument(help="Folder of photos (or photo files).")],
    *,
    marketplace: Annotated[str, typer.Option("--marketplace", "-m", help="Rule pack.")],
    variants: Annotated[int, typer.Option(min=0, help="A/B variants per photo.")] = 0,
    as_json: AsJson = False,
    workspace: Workspace = None,
) -> None:
    """Estimate a batch before running it: photos × operations × price, as a range."""
    files, missing = collect_inputs([folder])
    for path, cause in missing:
        stderr.print(f"[yellow]skipped[/] {escape(str(path))}: {cause}")
    with _session(workspace) as (billing, ws):
        available = billing.ledger.account(ws, MAIN).available
        priced = price_batch(
            len(files),
            marketplace,
            variants=variants,
            prices=billing.prices,
            plan=billing.plan,
            on=date.today(),
            available_minor=available,
        )
        data = priced | {"available": _balance(billing, ws)["available"]}
    if as_json:
        _print(data)
        return
    print(  # noqa: T201
        f"{len(files)} photos for {marketplace}: {data['low']} to {data['high']} "
        f"(plan {data['plan']}, prices {data['price_table']}); available {data['available']}"
        + ("" if data["covered"] else " - not enough for the top of the range")
    )


@caps_app.command("set")
def caps_set(
    *,
    limit: Annotated[str, typer.Option(help="Limit per period in major units.")],
    period: Annotated[Period, typer.Option(help="When the cap resets.")] = Period.MONTHLY,
    scope: Annotated[
        str, typer.Option(help="workspace, client:<code> or user:<id>.")
    ] = "workspace",
    timezone: Annotated[str, typer.Option("--tz", help="Time zone of the resets.")] = "UTC",
    warn: Annotated[str, typer.Option(help="Warning thresholds in percent.")] = "50,80,100",
    hard: Annotated[bool, typer.Option("--hard/--soft", help="Refuse what passes it.")] = True,
    workspace: Workspace = None,
) -> None:
    """Add or replace a spend cap."""
    with _session(workspace) as (billing, ws):
        try:
            cap = Cap(
                scope=scope,
                period=period,
                limit_minor=Money.parse(limit, billing.currency).minor,
                currency=billing.currency,
                timezone=timezone,
                thresholds=tuple(int(t) for t in warn.split(",") if t.strip()),
                hard=hard,
            )
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
        billing.guard.set_cap(ws, cap)
        stderr.print(f"set: {cap.name}")


@caps_app.command("show")
def caps_show(*, as_json: AsJson = False, workspace: Workspace = None) -> None:
    """List the workspace's caps."""
    with _session(workspace) as (billing, ws):
        caps = billing.guard.caps(ws).caps
    if as_json:
        _print([c.model_dump(mode="json") for c in caps])
        return
    for cap in caps:
        kind = "hard" if cap.hard else "soft"
        print(f"{cap.name} ({kind}, {cap.timezone}, warn at {cap.thresholds})")  # noqa: T201


@caps_app.command("overrun")
def caps_overrun(
    policy: Annotated[
        ShieldPolicy | None,
        typer.Argument(help="grace, split or pause; leave out to show the current policy."),
    ] = None,
    *,
    grace: Annotated[
        str, typer.Option(help="Grace allowance in major units (the grace policy only).")
    ] = "0",
    workspace: Workspace = None,
) -> None:
    """Choose what a batch does when it reaches a cap or the balance part-way."""
    with _session(workspace) as (billing, ws):
        if policy is None:
            stored = OverrunPolicy.parse(billing.settings.get(ws, OVERRUN_DOCUMENT))
            _print(stored.model_dump(mode="json") if stored else None)
            return
        try:
            chosen = OverrunPolicy(
                policy=policy, grace_minor=Money.parse(grace, billing.currency).minor
            )
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
        at = UtcClock().now()
        set_policy(
            billing.settings, billing.ledger, billing.audit, ws, chosen, at=at, actor="user:cli"
        )
        extra = f" with a grace of {Money(chosen.grace_minor, billing.currency)}"
        stderr.print(f"overrun policy: {policy}" + (extra if chosen.grace_minor else ""))


def _buckets(billing: DynamoLedgerBilling) -> BucketService:
    return billing.buckets


@buckets_app.command("create")
def buckets_create(
    bucket_id: Annotated[str, typer.Argument(help="Bucket id.")],
    *,
    client: Annotated[str, typer.Option(help="Client code on every entry.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    preset: Annotated[list[str] | None, typer.Option(help="Preset bound to it.")] = None,
    queue: Annotated[
        list[str] | None, typer.Option(help="Drop folder (queue) bound to it, e.g. acme/eu/.")
    ] = None,
    workspace: Workspace = None,
) -> None:
    """Create a client bucket (or change its settings); bound batches spend from it."""
    with _session(workspace) as (billing, ws):
        bucket = Bucket(
            bucket_id=bucket_id,
            client_code=client,
            name=name,
            presets=tuple(preset or ()),
            queues=tuple(queue or ()),
        )
        _buckets(billing).create(ws, bucket)
        stderr.print(f"bucket {bucket_id} for client {client}")


@buckets_app.command("fund")
def buckets_fund(
    bucket_id: Annotated[str, typer.Argument(help="Bucket id.")],
    amount: Annotated[str, typer.Argument(help="Amount in major units.")],
    *,
    lot: Annotated[str, typer.Option(help="Lot id (idempotency key within the bucket).")],
    po: Annotated[str, typer.Option(help="Purchase-order number.")] = "",
    expires: Annotated[str | None, typer.Option(help="Last day of use, YYYY-MM-DD.")] = None,
    granted: Annotated[
        bool, typer.Option(help="Granted credits (spent before purchased).")
    ] = False,
    workspace: Workspace = None,
) -> None:
    """Record a funding lot of a bucket."""
    with _session(workspace) as (billing, ws):
        done = _buckets(billing).fund(
            ws, bucket_id, lot, Money.parse(amount, billing.currency), po_number=po,
            expires_on=date.fromisoformat(expires) if expires else None,
            kind="granted" if granted else "purchased",
        )  # fmt: skip
        stderr.print(f"{'funded' if done.created else 'already funded'}: {done.amount}")


@buckets_app.command("show")
def buckets_show(*, as_json: AsJson = False, workspace: Workspace = None) -> None:
    """Each bucket's balance, lots, burn rate and days to empty."""
    with _session(workspace) as (billing, ws):
        rows = bucket_rows(_buckets(billing), ws, billing.ledger.today())
    if as_json:
        _print(rows)
        return
    for row in rows:
        print(
            f"{row['bucket']} ({row['client']}): {row['balance']}, {row['days_to_empty']} days left"
        )  # noqa: T201


@usage_app.command("export")
def usage_export(
    *,
    period: Annotated[str, typer.Option(help="YYYY-MM or YYYY-MM-DD..YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or xlsx.")] = "csv",
    timezone: Annotated[str, typer.Option("--tz", help="Time zone of the period.")] = "UTC",
    workspace: Workspace = None,
) -> None:
    """Export the period's ledger movements as CSV or XLSX."""
    if fmt not in {"csv", "xlsx"}:
        raise typer.BadParameter(f"{fmt!r}: use csv or xlsx", param_hint="--format")
    with _session(workspace) as (billing, ws):
        start, end = period_bounds(period, timezone)
        rows = usage_rows(billing.ledger.store.transfers(ws), start, end)
    if fmt == "csv":
        out.write_text(to_csv(rows), encoding="utf-8")
    else:
        write_xlsx(rows, out, f"usage {period}")
    stderr.print(f"{len(rows)} rows for {period} written to {escape(str(out))}")
