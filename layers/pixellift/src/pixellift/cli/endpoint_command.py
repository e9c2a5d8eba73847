"""``pixellift endpoint serve``: run a model server locally, as the SageMaker container does."""

from __future__ import annotations

import os
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pixellift.adapters.endpoint.config import EndpointConfig
from pixellift.adapters.endpoint.entrypoint import build_app, run_until_stopped
from pixellift.adapters.endpoint.server import EndpointServer
from pixellift.adapters.settings import Settings
from pixellift.cli.progress import stderr
from pixellift.core.errors import PhotoPipelineError

endpoint_app = typer.Typer(no_args_is_help=True)


@endpoint_app.callback()
def endpoint() -> None:
    """Model endpoints (segmentation, matting, OCR) served locally."""


class EndpointName(StrEnum):
    """The model servers."""

    SEGMENTATION = "segmentation"
    MATTING = "matting"
    OCR = "ocr"


def prepare_server(
    kind: str,
    *,
    host: str,
    port: int,
    model_dir: Path | None,
    workers: int | None,
    env: dict[str, str],
) -> EndpointServer:
    """Load the model and bind the port (port 0 picks a free one).

    Raises
    ------
    ValueError
        A malformed setting.
    PhotoPipelineError
        The model is missing or cannot be loaded.
    OSError
        The port cannot be bound.
    """
    config = EndpointConfig.from_env(
        kind,
        env,
        model_dir=Settings.from_env(env).model_dir,
        host=host,
        cpu_count=os.cpu_count() or 1,
    )
    config = replace(config, port=port)
    if model_dir is not None:
        config = replace(config, model_dir=model_dir)
    if workers is not None:
        config = replace(config, workers=workers)
    return EndpointServer(build_app(config), config.host, config.port)


def _announce(server: EndpointServer) -> None:
    stderr.print(
        f"[green]serving[/] {server.app.model.kind} ({escape(server.app.model.name)}) on "
        f"{server.url}  [dim]GET /ping, POST /invocations; Ctrl-C stops[/]"
    )


@endpoint_app.command()
def serve(
    kind: Annotated[
        EndpointName,
        typer.Argument(metavar="segmentation|matting|ocr", help="Which model to serve."),
    ],
    *,
    port: Annotated[int, typer.Option(help="TCP port (0 picks a free one).")] = 8080,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    model_dir: Annotated[
        Path | None,
        typer.Option(help="Model artefacts (default: PIXELLIFT_ENDPOINT_MODEL_DIR or the cache)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Photos processed at once (default: CPU count).")
    ] = None,
) -> None:
    """Serve a model over the SageMaker container contract: GET /ping, POST /invocations.

    Send a photo with `curl --data-binary @photo.jpg -H 'Content-Type: image/jpeg'
    http://127.0.0.1:8080/invocations -o mask.png`, or JSON and .npz batches (see the model
    cards in sagemaker_endpoints/).
    """
    try:
        server = prepare_server(
            kind.value,
            host=host,
            port=port,
            model_dir=model_dir,
            workers=workers,
            env=dict(os.environ),
        )
    except (ValueError, OSError, PhotoPipelineError) as exc:
        stderr.print(f"[red]error[/] cannot start the {kind.value} endpoint: {escape(str(exc))}")
        raise typer.Exit(2) from exc
    run_until_stopped(server, _announce)
