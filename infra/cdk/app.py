"""CDK entry point: one Stage per environment, checked by cdk-nag's AwsSolutions pack.

Synthesize from the repository root with ``python -m infra.cdk.app`` (writes ``infra/cdk/cdk.out``),
or with the CDK CLI (``aws-cdk@2.1148.x``) from this folder: ``cdk synth``, ``cdk deploy 'dev/*'``.
Context: ``-c stages=dev`` picks environments; ``-c pixellift='{...}'`` overrides settings (see
:mod:`infra.cdk.context`). From this folder Python must not put the working directory on
``sys.path`` (``python -P``, as ``cdk.json`` does): the ``constructs`` folder here would shadow the
``constructs`` library.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from .constructs.chalice_api import is_chalice_app
from .context import stages_from_context
from .stage import PixelLiftStage

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
API_SOURCE_DIR: Final = REPO_ROOT / "functions" / "api"


def build_app(
    app: cdk.App,
    *,
    repo_root: Path = REPO_ROOT,
    api_source_dir: Path | None = None,
    nag: bool = True,
) -> dict[str, PixelLiftStage]:
    """Add the selected environments to ``app``.

    Parameters
    ----------
    app
        The CDK app; its context may hold ``stages`` (comma-separated) and ``pixellift``.
    repo_root
        Repository root holding ``functions/``, ``layers/`` and ``statemachines/``.
    api_source_dir
        The Chalice project of the API, or ``None`` to deploy without the API.
    nag
        Register cdk-nag's AwsSolutions checks (synthesis fails on an unacknowledged finding).

    Returns
    -------
    dict
        Environment name -> its stage.
    """
    configs = stages_from_context(app.node.try_get_context("pixellift"))
    wanted = app.node.try_get_context("stages")
    names = [n.strip() for n in str(wanted).split(",")] if wanted else list(configs)
    unknown = sorted(set(names) - set(configs))
    if unknown:
        raise ValueError(f"unknown stage(s) {unknown}; known: {sorted(configs)}")
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return {
        name: PixelLiftStage(
            app, config=configs[name], repo_root=repo_root, api_source_dir=api_source_dir
        )
        for name in names
    }


def main() -> None:
    """Synthesize the app (into ``infra/cdk/cdk.out`` unless the CDK CLI chose the folder)."""
    outdir = None if "CDK_OUTDIR" in os.environ else str(Path(__file__).parent / "cdk.out")
    app = cdk.App(outdir=outdir)
    api = API_SOURCE_DIR if is_chalice_app(API_SOURCE_DIR) else None
    build_app(app, api_source_dir=api)
    app.synth()


if __name__ == "__main__":
    main()
