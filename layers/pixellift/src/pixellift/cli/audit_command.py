"""``pixellift audit``: record, browse, verify, publish and export a workspace's audit log.

Works on the local ledger under ``PIXELLIFT_STATE_DIR`` (see ``docs/audit-format.md``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from pixellift.adapters.aws.audit_local import local_ledger
from pixellift.adapters.aws.audit_signer import Ed25519Signer, install_local_key
from pixellift.adapters.settings import Settings
from pixellift.cli.operator import authorize_operator
from pixellift.cli.progress import stderr
from pixellift.core.access.model import Action
from pixellift.core.audit.export import export_csv, export_json
from pixellift.core.audit.ledger import (
    LedgerServices,
    head_for_export,
    publish_tree_head,
    verify_workspace,
)
from pixellift.core.audit.query import AuditQuery, read_events, select
from pixellift.core.audit.rotation import rotate_signing_key
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import AuditLogBrokenError, PhotoPipelineError

audit_app = typer.Typer(
    no_args_is_help=True,
    help="Tamper-evident audit log: record, log, verify, publish, export, rotate-key.",
)

Workspace = Annotated[
    str | None, typer.Option("--workspace", "-w", help="Workspace (default PIXELLIFT_WORKSPACE).")
]
Actor = Annotated[str | None, typer.Option(help="Only this actor, e.g. user:ana.")]
Types = Annotated[
    list[str] | None, typer.Option("--type", help="Event type, or a family ending in '.'.")
]
Sku = Annotated[str | None, typer.Option(help="Only events about this SKU.")]
Batch = Annotated[str | None, typer.Option("--batch", help="Only events about this batch.")]
Since = Annotated[str | None, typer.Option(help="From this time (ISO 8601; UTC if no zone).")]
Until = Annotated[str | None, typer.Option(help="Before this time (ISO 8601).")]
Search = Annotated[str, typer.Option(help="Words that must begin words of the justification.")]


def _time(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not an ISO 8601 time", param_hint=option) from exc
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _query(
    *,
    actor: str | None,
    types: list[str] | None,
    sku: str | None,
    batch: str | None,
    since: str | None,
    until: str | None,
    search: str,
) -> AuditQuery:
    return AuditQuery(
        actor=actor,
        types=tuple(types or ()),
        sku=sku,
        batch_id=batch,
        since=_time(since, "--since"),
        until=_time(until, "--until"),
        text=search,
    )


@contextmanager
def _ledger(workspace: str | None) -> Iterator[tuple[LedgerServices, str]]:
    settings = Settings.from_env(os.environ)
    chosen = workspace or settings.workspace
    authorize_operator(Action.VIEW_AUDIT, chosen)
    try:
        with local_ledger(settings, chosen) as services:
            yield services, chosen
    except AuditLogBrokenError as exc:
        stderr.print(f"[red]broken[/] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    except PhotoPipelineError as exc:
        stderr.print(f"[red]error[/] {escape(str(exc))}")
        raise typer.Exit(1) from exc


def _pairs(values: list[str] | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in values or ():
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{value!r} is not key=value", param_hint="--subject")
        found[key] = rest
    return found


def _json_object(text: str | None, option: str) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise typer.BadParameter(f"not JSON: {exc}", param_hint=option) from exc
    if not isinstance(value, dict):
        raise typer.BadParameter("must be a JSON object", param_hint=option)
    return value


@audit_app.command("record")
def record(
    *,
    event_type: Annotated[str, typer.Option("--type", help="Event type, e.g. preset.changed.")],
    actor: Annotated[str, typer.Option(help="Who did it: user:<id>, key:<id>, system:<name>.")],
    subject: Annotated[
        list[str] | None, typer.Option(help="What it is about, key=value (repeatable).")
    ] = None,
    before: Annotated[str | None, typer.Option(help="State before, a JSON object.")] = None,
    after: Annotated[str | None, typer.Option(help="State after, a JSON object.")] = None,
    justification: Annotated[str, typer.Option(help="Why.")] = "",
    workspace: Workspace = None,
) -> None:
    """Append one event to the workspace's log (checked against the event taxonomy)."""
    fields = {
        "actor": actor,
        "type": event_type,
        "at": datetime.now(UTC),
        "subject": _pairs(subject),
        "before": _json_object(before, "--before"),
        "after": _json_object(after, "--after"),
        "justification": justification,
    }
    with _ledger(workspace) as (services, chosen):
        try:
            event = AuditEvent.model_validate(fields | {"workspace_id": chosen})
        except ValueError as exc:
            stderr.print(f"[red]error[/] {escape(str(exc))}")
            raise typer.Exit(2) from exc
        state = services.store.append(chosen, [event])
        print(f"{chosen}: entry {state.size - 1} {event.type}, root {state.root.hex()}")  # noqa: T201


@audit_app.command("log")
def log(
    *,
    workspace: Workspace = None,
    actor: Actor = None,
    types: Types = None,
    sku: Sku = None,
    batch: Batch = None,
    since: Since = None,
    until: Until = None,
    search: Search = "",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List the events that match the filters (use `verify` to check the log itself)."""
    query = _query(
        actor=actor, types=types, sku=sku, batch=batch, since=since, until=until, search=search
    )
    with _ledger(workspace) as (services, chosen):
        for found in select(query, read_events(services.store.entries(chosen))):
            e = found.event
            if as_json:
                print(json.dumps({"leaf_index": found.index} | e.model_dump(mode="json")))  # noqa: T201
                continue
            subject = " ".join(f"{k}={v}" for k, v in sorted(e.subject.items()))
            why = f" — {e.justification}" if e.justification else ""
            print(f"{found.index:>6} {e.at.isoformat()} {e.actor} {e.type} {subject}{why}")  # noqa: T201


@audit_app.command("verify")
def verify(workspace: Workspace = None) -> None:
    """Check every entry, the chain, the tree and every signed head; name the first broken entry."""
    with _ledger(workspace) as (services, chosen):
        verified = verify_workspace(services, chosen)
        print(  # noqa: T201
            f"{chosen}: {verified.size} entries verified, root {verified.root.hex()}, "
            f"{len(verified.heads)} signed tree heads match"
        )


@audit_app.command("publish")
def publish(workspace: Workspace = None) -> None:
    """Verify the log, then sign its tree head (Ed25519) and publish it."""
    with _ledger(workspace) as (services, chosen):
        sth = publish_tree_head(services, chosen)
        print(json.dumps(sth.to_json(), indent=2))  # noqa: T201


@audit_app.command("export")
def export(
    *,
    workspace: Workspace = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV instead of JSON.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON (the default).")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File (default stdout).")] = None,
    actor: Actor = None,
    types: Types = None,
    sku: Sku = None,
    batch: Batch = None,
    since: Since = None,
    until: Until = None,
    search: Search = "",
) -> None:
    """Export the matching entries with inclusion proofs, the signed tree head and its key."""
    if as_csv and as_json:
        raise typer.BadParameter("choose --json or --csv", param_hint="--csv")
    query = _query(
        actor=actor, types=types, sku=sku, batch=batch, since=since, until=until, search=search
    )
    with _ledger(workspace) as (services, chosen):
        log, sth = head_for_export(services, chosen)
        events = select(query, read_events(services.store.entries(chosen)))
        if as_csv:
            text = export_csv(log, sth, events, query)
        else:
            document = export_json(log, sth, events, query, services.keyring(chosen))
            text = json.dumps(document, indent=2) + "\n"
    if out is None:
        print(text, end="")  # noqa: T201
    else:
        out.write_text(text, encoding="utf-8")
        stderr.print(f"{len(events)} of {log.size} entries → {out}")


@audit_app.command("rotate-key")
def rotate_key(
    workspace: Annotated[str, typer.Argument(help="The workspace whose signing key rotates.")],
    justification: Annotated[str, typer.Option(help="Why (kept in the audit log).")] = "",
) -> None:
    """Retire the workspace's tree-head signing key; new heads are signed with a fresh one.

    The log is verified and anchored by a last head of the old key first; the keyring (public
    keys and validity periods) is published next to the heads and printed on stdout.
    """
    settings = Settings.from_env(os.environ)
    if settings.audit_key_file is not None:
        stderr.print(
            f"[red]error[/] heads are signed with {escape(str(settings.audit_key_file))} "
            "(PIXELLIFT_AUDIT_KEY_FILE), shared by every workspace; rotate-key rotates the "
            "per-workspace keys of the local state only"
        )
        raise typer.Exit(2)
    actor = authorize_operator(Action.MANAGE_KEYS, workspace).actor
    incoming = Ed25519Signer.generate()
    try:
        with local_ledger(settings, workspace) as services:
            rotation = rotate_signing_key(
                services, workspace, incoming.public_key, actor=actor, justification=justification
            )
            install_local_key(settings.state_dir, workspace, incoming)
    except AuditLogBrokenError as exc:
        stderr.print(f"[red]broken[/] {escape(str(exc))}; the key was not rotated")
        raise typer.Exit(1) from exc
    except PhotoPipelineError as exc:
        stderr.print(f"[red]error[/] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    since = datetime.fromtimestamp(rotation.current.valid_from_ms / 1000, tz=UTC)
    stderr.print(
        f"{workspace}: key {rotation.retired.key_id} retired; {rotation.current.key_id} signs "
        f"from {since.isoformat()}"
    )
    print(json.dumps(rotation.keyring.to_json(), indent=2))  # noqa: T201
