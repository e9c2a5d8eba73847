"""``pixellift serve``: the merchant API and the whole backbone as one local server.

The API is the same Chalice app that API Gateway serves (``functions/api/app.py``), run by
Chalice's local server; its ports point at the local runtime (moto with the pipeline's state
machine, in-process Lambda handlers, state kept in ``PIXELLIFT_STATE_DIR``), so a batch started
through the API runs the real chain. Pre-signed upload URLs name S3, which the local runtime does
not serve over HTTP: locally, send photos inline.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer
from chalice.config import Config
from chalice.local import LocalDevServer, create_local_server

from pixellift.adapters.local.runtime import LocalRuntime, repository_root
from pixellift.adapters.settings import Settings
from pixellift.cli.progress import stderr
from pixellift.core.contracts.records import Workspace
from pixellift.core.pipeline.api_access import key_digest
from pixellift.core.pipeline.autofix import FixServices

API_KEYS_VARIABLE = "PIXELLIFT_API_KEYS"


def load_api_app(functions_dir: Path, module_name: str = "pixellift_local_api") -> ModuleType:
    """Import ``functions_dir/api/app.py`` as ``module_name`` (a fresh app per name)."""
    source = functions_dir / "api" / "app.py"
    spec = importlib.util.spec_from_file_location(module_name, source)
    if spec is None or spec.loader is None:
        msg = f"{source}: not an importable Chalice app"
        raise FileNotFoundError(msg)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class LocalApi:
    """A running local API: its server and, when one was made for this start, the key."""

    server: LocalDevServer
    runtime: LocalRuntime
    api_key: str | None

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
    api_keys: str | None = None,
    fix: FixServices | None = None,
) -> Iterator[LocalApi]:
    """Start the runtime and the API server on it; both stop on exit.

    ``api_keys`` is the ``PIXELLIFT_API_KEYS`` JSON; without it a fresh key opens the settings'
    workspace for this start only.
    """
    with LocalRuntime(settings, fix=fix) as runtime:
        now = datetime.now(UTC)
        workspace = Workspace(
            workspace_id=settings.workspace, name=settings.workspace, created_at=now
        )
        runtime.deps.workspaces.create(workspace)
        api_key = None
        if not api_keys:
            api_key = secrets.token_urlsafe(24)
            api_keys = json.dumps({settings.workspace: [key_digest(api_key)]})
        env = dict(os.environ) | {
            "PIXELLIFT_STATE_DIR": str(settings.state_dir),
            "PIXELLIFT_PIPELINE_ARN": runtime.settings.pipeline_arn or "",
            "PIXELLIFT_DROP_BUCKET": settings.drop_bucket,
            "PIXELLIFT_OUTPUT_BUCKET": settings.output_bucket,
            API_KEYS_VARIABLE: api_keys,
        }
        module = load_api_app(settings.functions_dir or repository_root() / "functions")
        module.use(module.build_services(env))
        server = create_local_server(module.app, Config.create(), host, port)
        try:
            yield LocalApi(server=server, runtime=runtime, api_key=api_key)
        finally:
            server.server.server_close()


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the merchant API locally, on the local runtime (Ctrl-C stops it).

    Keys come from PIXELLIFT_API_KEYS (JSON: workspace → SHA-256 digests of its keys); without
    it, a key for the workspace PIXELLIFT_WORKSPACE is made and printed for this start.
    """
    settings = Settings.from_env(os.environ)
    with local_api(settings, host, port, api_keys=os.environ.get(API_KEYS_VARIABLE)) as api:
        if api.api_key is not None:
            stderr.print(f"workspace {settings.workspace}: x-api-key {api.api_key}")
        stderr.print(f"PixelLift API on {api.url} (state in {settings.state_dir})")
        try:
            api.server.serve_forever()
        except KeyboardInterrupt:
            stderr.print("stopped")
