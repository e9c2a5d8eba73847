"""``pixellift access``: roles, API keys, share links, invitations and role blueprints, locally.

Keys and links are shown once, on stdout, so they can be captured (``KEY=$(pixellift access key
issue …)``); everything else goes to stderr. The commands act as the machine's operator: whoever
can run them owns the local state folder. Changes are recorded in the workspace's audit log
(``pixellift audit log``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pixellift.adapters.aws.access_local import local_access_tables, signing_key
from pixellift.adapters.aws.access_models import AccessTableNames, AccessTables
from pixellift.adapters.aws.access_repos import DynamoApiKeys, DynamoMemberships, DynamoShareLinks
from pixellift.adapters.aws.audit_local import attached_audit_log
from pixellift.adapters.settings import Settings
from pixellift.adapters.system import UtcClock
from pixellift.cli.invite_command import register_invitations
from pixellift.cli.operator import authorize_in
from pixellift.cli.progress import stderr
from pixellift.core.access import api_keys, memberships, share_links
from pixellift.core.access.authorizer import Authorizer
from pixellift.core.access.blueprints import (
    Blueprint,
    blueprint_versions,
    build_blueprint,
    diff_blueprints,
    load_blueprint,
)
from pixellift.core.access.credentials import HmacSigner
from pixellift.core.access.model import (
    Action,
    Principal,
    PrincipalKind,
    Resource,
    ResourceKind,
    Role,
)
from pixellift.core.access.records import ShareScope
from pixellift.core.errors import ApiKeyNotFoundError, PhotoPipelineError
from pixellift.core.ports import AuditSink

access_app = typer.Typer(
    no_args_is_help=True, help="Roles, API keys, share links, invitations and role blueprints."
)
key_app = typer.Typer(no_args_is_help=True, help="API keys: issue, rotate, revoke, list.")
share_app = typer.Typer(no_args_is_help=True, help="Share links: create, revoke.")
blueprint_app = typer.Typer(no_args_is_help=True, help="Role blueprints: list, show, diff.")
access_app.add_typer(key_app, name="key")
access_app.add_typer(key_app, name="keys", hidden=True)
access_app.add_typer(share_app, name="share")
access_app.add_typer(blueprint_app, name="blueprint")
register_invitations(access_app)

Workspace = Annotated[
    str | None, typer.Option("--workspace", "-w", help="Workspace (default PIXELLIFT_WORKSPACE).")
]
User = Annotated[str, typer.Option("--user", "-u", help="User id.")]
RoleOption = Annotated[Role, typer.Option("--role", "-r", help="Role blueprint.")]


@dataclass(frozen=True)
class LocalAccess:
    """The access stores of the local state, and where changes are audited."""

    settings: Settings
    tables: AccessTables
    audit: AuditSink
    clock: UtcClock

    def workspace(self, given: str | None) -> str:
        """The given workspace, else the configured one."""
        return given or self.settings.workspace

    def keys(self) -> api_keys.KeyServices:
        """Key services on the local tables."""
        return api_keys.KeyServices(DynamoApiKeys(self.tables), self.audit, self.clock)

    def members(self) -> memberships.MembershipServices:
        """Membership services on the local tables."""
        return memberships.MembershipServices(
            DynamoMemberships(self.tables), self.audit, self.clock
        )

    def shares(self) -> share_links.ShareServices:
        """Share services on the local tables, signing with the local secret."""
        signer = HmacSigner(bytes.fromhex(signing_key(self.settings.state_dir)))
        return share_links.ShareServices(
            DynamoShareLinks(self.tables), signer, self.audit, self.clock
        )


@contextmanager
def local_access() -> Iterator[LocalAccess]:
    """Open the persisted access state; errors become a message and exit status 2."""
    settings = Settings.from_env(os.environ)
    names = AccessTableNames.from_env(os.environ)
    try:
        with (
            local_access_tables(settings.state_dir, names, settings.region) as tables,
            attached_audit_log(replace(settings, endpoint_url=None)) as audit,
        ):
            yield LocalAccess(settings, tables, audit, UtcClock())
    except PhotoPipelineError as exc:
        stderr.print(f"[red]error[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc


@key_app.command("issue")
def issue(
    role: Annotated[list[Role], typer.Option("--role", "-r", help="Role(s) the key holds.")],
    workspace: Workspace = None,
    name: Annotated[str, typer.Option(help="A label for the key.")] = "",
) -> None:
    """Issue an API key (printed once on stdout; only its SHA-256 digest is kept)."""
    with local_access() as local:
        ws = local.workspace(workspace)
        actor = authorize_in(local, Action.MANAGE_KEYS, ws).actor
        issued = api_keys.issue_key(ws, role, actor=actor, services=local.keys(), name=name)
    roles = ", ".join(sorted(issued.record.roles))
    stderr.print(f"key {issued.record.prefix} for workspace {ws} ({roles}); shown once, keep it")
    print(issued.key)  # noqa: T201


@key_app.command("rotate")
def rotate(
    prefix: Annotated[str, typer.Argument(help="The key's prefix.")],
    workspace: Workspace = None,
    grace_hours: Annotated[float, typer.Option(help="Hours the old key keeps working.")] = 24,
) -> None:
    """Issue a successor with the same roles; the old key works for the grace period."""
    with local_access() as local:
        ws = local.workspace(workspace)
        actor = authorize_in(local, Action.MANAGE_KEYS, ws).actor
        grace = timedelta(hours=grace_hours)
        issued = api_keys.rotate_key(ws, prefix, actor=actor, services=local.keys(), grace=grace)
    stderr.print(f"key {prefix} rotated to {issued.record.prefix}; old key ends in {grace}")
    print(issued.key)  # noqa: T201


@key_app.command("revoke")
def revoke_key(
    prefix: Annotated[str, typer.Argument(help="The key's prefix.")], workspace: Workspace = None
) -> None:
    """Refuse a key from now on."""
    with local_access() as local:
        actor = authorize_in(local, Action.MANAGE_KEYS, workspace).actor
        api_keys.revoke_key(local.workspace(workspace), prefix, actor=actor, services=local.keys())
    stderr.print(f"key {prefix} revoked")


@key_app.command("list")
def list_keys(workspace: Workspace = None) -> None:
    """List a workspace's keys: prefix, roles, state (never a key)."""
    with local_access() as local:
        now = local.clock.now()
        for record in DynamoApiKeys(local.tables).list(local.workspace(workspace)):
            state = record.refusal(now) or (
                f"active until {record.expires_at:%Y-%m-%d %H:%M}"
                if record.expires_at
                else "active"
            )
            roles = ",".join(sorted(record.roles))
            print(f"{record.prefix}  {roles:28} {record.name or '-':12} {state}")  # noqa: T201


def _change_role(
    user: str, role: Role, workspace: str | None, justification: str, *, grant: bool
) -> None:
    with local_access() as local:
        ws = local.workspace(workspace)
        actor = authorize_in(local, Action.MANAGE_ROLES, ws).actor
        change = memberships.grant_role if grant else memberships.revoke_role
        held = change(
            ws, user, role, actor=actor, services=local.members(), justification=justification
        )
    stderr.print(f"{user} in {ws}: {', '.join(sorted(held.roles)) or 'no role'}")


Justification = Annotated[str, typer.Option(help="Why (kept in the audit log).")]


@access_app.command("grant")
def grant(
    user: User, role: RoleOption, workspace: Workspace = None, justification: Justification = ""
) -> None:
    """Give a user a role in a workspace."""
    _change_role(user, role, workspace, justification, grant=True)


@access_app.command("revoke")
def revoke_role(
    user: User, role: RoleOption, workspace: Workspace = None, justification: Justification = ""
) -> None:
    """Take a role from a user in a workspace."""
    _change_role(user, role, workspace, justification, grant=False)


def _principal(local: LocalAccess, ws: str, user: str | None, key: str | None) -> Principal:
    if (user is None) == (key is None):
        stderr.print("[red]error[/] give exactly one of --user or --key")
        raise typer.Exit(2)
    if user is not None:
        return memberships.user_principal(user, ws, DynamoMemberships(local.tables))
    record = DynamoApiKeys(local.tables).get(ws, key or "")
    if record is None:
        msg = f"key {key} does not exist in workspace {ws}"
        raise ApiKeyNotFoundError(msg)
    return Principal(
        kind=PrincipalKind.API_KEY, id=record.prefix, home_workspace=ws, roles={ws: record.roles}
    )


@dataclass(frozen=True)
class _Question:
    action: Action
    workspace: str | None
    user: str | None
    key: str | None
    kind: ResourceKind
    resource_id: str | None
    blueprint: str | None


def _ask(question: _Question, *, counterfactual: bool) -> None:
    with local_access() as local:
        ws = local.workspace(question.workspace)
        principal = _principal(local, ws, question.user, question.key)
        resource_id = question.resource_id or ws
        resource = Resource(kind=question.kind, id=resource_id, workspace_id=ws)
        authorizer = Authorizer(load_blueprint(question.blueprint))
        if counterfactual:
            answer = authorizer.why_not(principal, question.action, resource)
            allowed, text = answer.decision.allowed, answer.explain()
        else:
            decision = authorizer.why(principal, question.action, resource)
            allowed, text = decision.allowed, decision.explain()
    print(text)  # noqa: T201
    if not allowed:
        raise typer.Exit(1)


Key = Annotated[str | None, typer.Option("--key", "-k", help="An API key's prefix.")]
UserOption = Annotated[str | None, typer.Option("--user", "-u", help="User id.")]
Kind = Annotated[ResourceKind, typer.Option(help="Resource kind.")]
ResourceId = Annotated[str | None, typer.Option("--id", help="Resource id (default: workspace).")]
Version = Annotated[str | None, typer.Option("--blueprint", help="Blueprint version.")]


@access_app.command("why")
def why(
    action: Annotated[Action, typer.Argument(help="The action asked about.")],
    *,
    workspace: Workspace = None,
    user: UserOption = None,
    key: Key = None,
    kind: Kind = ResourceKind.WORKSPACE,
    resource_id: ResourceId = None,
    blueprint: Version = None,
) -> None:
    """Decide a request and name the policies that determined it (exit 1 when denied)."""
    _ask(
        _Question(action, workspace, user, key, kind, resource_id, blueprint), counterfactual=False
    )


@access_app.command("why-not")
def why_not(
    action: Annotated[Action, typer.Argument(help="The action asked about.")],
    *,
    workspace: Workspace = None,
    user: UserOption = None,
    key: Key = None,
    kind: Kind = ResourceKind.WORKSPACE,
    resource_id: ResourceId = None,
    blueprint: Version = None,
) -> None:
    """Decide a request and, if denied, say which role would allow it (exit 1 when denied)."""
    _ask(_Question(action, workspace, user, key, kind, resource_id, blueprint), counterfactual=True)


@share_app.command("create")
def share_create(
    *,
    kind: Annotated[ResourceKind, typer.Option(help="Image, Batch or Collection.")],
    resource_id: Annotated[str, typer.Option("--id", help="What is shared.")],
    scope: Annotated[list[ShareScope], typer.Option(help="view, annotate, approve.")],
    workspace: Workspace = None,
    expires_hours: Annotated[float, typer.Option(help="Lifetime in hours (at most 90 days).")] = 72,
    password: Annotated[str | None, typer.Option(help="Require this password.")] = None,
) -> None:
    """Create a share link (its token is printed once on stdout)."""
    with local_access() as local:
        ws = local.workspace(workspace)
        actor = authorize_in(local, Action.SHARE, ws, kind=kind, resource_id=resource_id).actor
        created = share_links.create_share_link(
            Resource(kind=kind, id=resource_id, workspace_id=ws),
            scope,
            timedelta(hours=expires_hours),
            actor=actor,
            services=local.shares(),
            password=password,
        )
    record = created.record
    stderr.print(f"share link {record.link_id} until {record.expires_at:%Y-%m-%d %H:%M} UTC")
    print(created.token)  # noqa: T201


@share_app.command("revoke")
def share_revoke(
    link_id: Annotated[str, typer.Argument(help="The link's id.")], workspace: Workspace = None
) -> None:
    """Refuse a share link from now on."""
    with local_access() as local:
        ws = local.workspace(workspace)
        link = DynamoShareLinks(local.tables).get(ws, link_id)
        actor = "system:cli"  # an unknown link: the use case names it as missing
        if link is not None:
            kind, target = link.target_kind, link.target_id
            actor = authorize_in(local, Action.SHARE, ws, kind=kind, resource_id=target).actor
        share_links.revoke_share_link(ws, link_id, actor=actor, services=local.shares())
    stderr.print(f"share link {link_id} revoked")


def _blueprint(ref: str) -> Blueprint:
    path = Path(ref)
    if path.is_dir():
        files = {p.stem: p.read_text(encoding="utf-8") for p in sorted(path.glob("*.cedar"))}
        return build_blueprint(path.name, files)
    return load_blueprint(ref)


@blueprint_app.command("list")
def blueprint_list() -> None:
    """List the shipped blueprint versions."""
    for version in blueprint_versions():
        print(f"{version:8} {', '.join(sorted(load_blueprint(version).policy_ids))}")  # noqa: T201


@blueprint_app.command("diff")
def blueprint_diff(
    old: Annotated[str, typer.Argument(help="A version, or a folder of .cedar files.")],
    new: Annotated[str, typer.Argument(help="A version, or a folder of .cedar files.")],
) -> None:
    """What changes between two blueprint versions: the text and each role's actions."""
    try:
        diff = diff_blueprints(_blueprint(old), _blueprint(new))
    except PhotoPipelineError as exc:
        stderr.print(f"[red]error[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    for role, actions in diff.gained.items():
        print(f"{role}: gains {', '.join(actions)}")  # noqa: T201
    for role, actions in diff.lost.items():
        print(f"{role}: loses {', '.join(actions)}")  # noqa: T201
    print(diff.text, end="")  # noqa: T201
    if not diff.changed:
        stderr.print(f"blueprints {diff.old} and {diff.new} are the same")
