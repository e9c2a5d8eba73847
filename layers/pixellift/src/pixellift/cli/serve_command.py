"""``pixellift serve``: the merchant API and the whole backbone as one local server.

The API is the same Chalice app that API Gateway serves (``functions/api/app.py``), run by
Chalice's local server; its ports point at the local runtime (moto with the pipeline's state
machine, in-process Lambda handlers, state kept in ``PIXELLIFT_STATE_DIR``), so a batch started
through the API runs the real chain. The runtime also serves its AWS APIs over HTTP: pre-signed
upload URLs point there (uploads are kept across restarts), and ``chalice local`` run with
``AWS_ENDPOINT_URL`` set to it works on the same state.

API keys, roles and share links are the access state under ``PIXELLIFT_STATE_DIR/access``: the
first key of a workspace is issued with ``pixellift access key issue --workspace W --role owner``
(keys issued while the server runs count from its next start).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer
from chalice.config import Config
from chalice.local import LocalDevServer, create_local_server

from pixellift.adapters.aws.access_invitations import DynamoInvitations
from pixellift.adapters.aws.access_local import (
    attached_access_tables,
    signing_key,
)
from pixellift.adapters.aws.access_models import AccessTableNames
from pixellift.adapters.aws.access_repos import (
    DynamoApiKeys,
    DynamoMemberships,
    DynamoShareLinks,
)
from pixellift.adapters.aws.access_wiring import SIGNING_KEY_VARIABLE, access_services
from pixellift.adapters.bootstrap import build_audit_sink
from pixellift.adapters.local.runtime import LocalRuntime, repository_root
from pixellift.adapters.settings import Settings
from pixellift.adapters.system import UtcClock
from pixellift.cli.progress import stderr
from pixellift.core.contracts.records import Workspace
from pixellift.core.pipeline.autofix import FixServices


def load_api_app(functions_dir: Path, module_name: str = "pixellift_local_api") -> ModuleType:
    """Import ``functions_dir/api/app.py`` as ``module_name`` (a fresh app per name).

    The project folder goes on ``sys.path`` first, as ``chalice local`` and Lambda put it, so
    the app's ``chalicelib`` package is importable.
    """
    project = functions_dir / "api"
    source = project / "app.py"
    spec = importlib.util.spec_from_file_location(module_name, source)
    if spec is None or spec.loader is None:
        msg = f"{source}: not an importable Chalice app"
        raise FileNotFoundError(msg)
    if str(project) not in sys.path:
        sys.path.insert(0, str(project))
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class LocalApi:
    """A running local API: its server, the runtime, and how many usable keys the workspace has."""

    server: LocalDevServer
    runtime: LocalRuntime
    usable_keys: int
    aws_url: str
    """The runtime's AWS endpoint: pre-signed uploads go there, and so can ``chalice local``."""

    @property
    def url(self) -> str:
        """Base URL of the API."""
        host, port = self.server.server.server_address[:2]
        return f"http://{host}:{port}"


@contextmanager
def local_api(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    fix: FixServices | None = None,
) -> Iterator[LocalApi]:
    """Start the runtime, the persisted access state and the API server; all stop on exit."""
    with LocalRuntime(settings, fix=fix, keep_uploads=True) as runtime:
        aws_url = runtime.serve_aws(host)
        now = datetime.now(UTC)
        workspace = Workspace(
            workspace_id=settings.workspace, name=settings.workspace, created_at=now
        )
        runtime.deps.workspaces.create(workspace)
        names = AccessTableNames.from_env(os.environ)
        with attached_access_tables(settings.state_dir, names, settings.region) as tables:
            secret = signing_key(settings.state_dir)
            env = dict(os.environ) | {
                "PIXELLIFT_STATE_DIR": str(settings.state_dir),
                "PIXELLIFT_PIPELINE_ARN": runtime.settings.pipeline_arn or "",
                "PIXELLIFT_DROP_BUCKET": settings.drop_bucket,
                "PIXELLIFT_OUTPUT_BUCKET": settings.output_bucket,
                SIGNING_KEY_VARIABLE: secret,
            }
            module = load_api_app(settings.functions_dir or repository_root() / "functions")
            audit = build_audit_sink(runtime.settings)
            keys = DynamoApiKeys(tables)
            access = access_services(
                keys, DynamoShareLinks(tables), audit, UtcClock(), signing_key=secret
            )
            built = module.build_services(env)
            signer = module.S3UploadSigner(
                module.signing_client(settings.region, aws_url), settings.drop_bucket
            )
            deps = replace(built.deps, signer=signer)
            module.use(replace(built, deps=deps, access=access))
            module.use_invitations((DynamoInvitations(tables), DynamoMemberships(tables)))
            usable = [k for k in keys.list(settings.workspace) if k.refusal(now) is None]
            server = create_local_server(module.app, Config.create(), host, port)
            try:
                yield LocalApi(
                    server=server, runtime=runtime, usable_keys=len(usable), aws_url=aws_url
                )
            finally:
                server.server.server_close()


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the merchant API locally, on the local runtime (Ctrl-C stops it).

    Requests need an API key of the workspace (x-api-key); issue the first one with
    `pixellift access key issue --workspace W --role owner`.
    """
    settings = Settings.from_env(os.environ)
    with local_api(settings, host, port) as api:
        if not api.usable_keys:
            ws = settings.workspace
            stderr.print(
                f"[yellow]workspace {ws} has no API key[/]: "
                f"pixellift access key issue --workspace {ws} --role owner"
            )
        stderr.print(f"PixelLift API on {api.url} (state in {settings.state_dir})")
        stderr.print(
            f"AWS endpoint of the runtime on {api.aws_url}: pre-signed uploads go there; "
            f"`AWS_ENDPOINT_URL={api.aws_url} chalice local` in functions/api also works on it"
        )
        try:
            api.server.serve_forever()
        except KeyboardInterrupt:
            stderr.print("stopped")
