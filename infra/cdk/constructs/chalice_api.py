"""ChaliceApi: the merchant REST API, packaged by Chalice and included with ``chalice.cdk.Chalice``.

Chalice's construct runs ``chalice package`` during synthesis and includes the resulting SAM
template. Three things make it fit this app: the role is ours (CDK-defined, least privilege)
instead of the policy Chalice generates; packaging writes its scratch folder ``chalice.out`` under
the cloud assembly, not the caller's working directory; and a region is supplied when the
environment has none (Chalice asks botocore for one only to name service principals, identical in
every commercial region). S3 drop-folder events are not declared in the Chalice app
(``@app.on_s3_event`` breaks packaging into SAM); the pipeline stack wires them to the ingest
function.

Chalice names its stage after the construct path (``dev/Pipeline/Api``), so a per-stage section of
``.chalice/config.json`` does not apply here: every setting the deployment needs is passed in
``stage_config``. Chalice picks the Lambda runtime from the Python that synthesizes the app.
When the project lists distributions in ``vendor.txt``, packaging runs on a staged copy whose
``vendor/`` holds them (see :mod:`.api_vendor`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from aws_cdk import Aws, Stack, Token
from aws_cdk import aws_iam as iam
from chalice.cdk import Chalice
from constructs import Construct

from .api_vendor import stage_project, vendor_roots

_FALLBACK_REGION = "us-east-1"


def is_chalice_app(source_dir: Path) -> bool:
    """Whether ``source_dir`` holds a Chalice project (``app.py`` and ``.chalice/config.json``)."""
    return (source_dir / "app.py").is_file() and (source_dir / ".chalice" / "config.json").is_file()


def _is_project_module(name: str) -> bool:
    """Whether ``name`` is the project's ``chalicelib`` package or one of its modules."""
    return name == "chalicelib" or name.startswith("chalicelib.")


@contextlib.contextmanager
def _packaging(work_dir: Path, region: str) -> Iterator[None]:
    """Run Chalice's packager in ``work_dir`` with a region, leaving the process as it was.

    Loading the app, Chalice puts the stage's environment variables into ``os.environ``, the project
    folder on ``sys.path`` and the project's ``app`` module (and its ``chalicelib`` package) in
    ``sys.modules``; all are restored afterwards so that synthesis has no effect on the rest of the
    process.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    environ, path, app_module = dict(os.environ), list(sys.path), sys.modules.get("app")
    project_modules = {n: m for n, m in sys.modules.items() if _is_project_module(n)}
    if "AWS_DEFAULT_REGION" not in os.environ and "AWS_REGION" not in os.environ:
        os.environ["AWS_DEFAULT_REGION"] = region
    try:
        with contextlib.chdir(work_dir):
            yield
    finally:
        os.environ.clear()
        os.environ.update(environ)
        sys.path[:] = path
        if app_module is None:
            sys.modules.pop("app", None)
        else:
            sys.modules["app"] = app_module
        for name in [n for n in sys.modules if _is_project_module(n)]:
            del sys.modules[name]
        sys.modules.update(project_modules)


class ChaliceApi(Construct):
    """The API Gateway surface from the Chalice project in ``source_dir``.

    Parameters
    ----------
    scope, construct_id
        Where the construct lives in the tree.
    source_dir
        The Chalice project (``app.py``, ``.chalice/config.json``, ``requirements.txt``).
    environment
        Environment variables of the API function (table and bucket names).
    work_dir
        Folder in which ``chalice package`` makes its scratch folder ``chalice.out``.
    memory_mb, timeout_seconds
        Size of the API function.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        source_dir: Path,
        environment: Mapping[str, str],
        work_dir: Path,
        memory_mb: int = 512,
        timeout_seconds: int = 29,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vendored_bytes = 0
        if not is_chalice_app(source_dir):
            raise ValueError(
                f"{source_dir} is not a Chalice project (app.py, .chalice/config.json)"
            )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="PixelLift API (Chalice)",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[
                    f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
                    "log-group:/aws/lambda/*"
                ],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
            )
        )
        roots = vendor_roots(source_dir)
        if roots:
            staged = work_dir / f"{construct_id.lower()}-project"
            self.vendored_bytes = stage_project(source_dir, staged, roots)
            source_dir = staged
        region = Stack.of(self).region
        with _packaging(work_dir, _FALLBACK_REGION if Token.is_unresolved(region) else region):
            self.chalice = Chalice(
                self,
                "Chalice",
                source_dir=str(source_dir),
                stage_config={
                    "manage_iam_role": False,
                    "iam_role_arn": self.role.role_arn,
                    "xray": True,
                    "lambda_memory_size": memory_mb,
                    "lambda_timeout": timeout_seconds,
                    "environment_variables": dict(environment),
                },
            )

    def allow(self, actions: list[str], resources: list[str]) -> None:
        """Add one least-privilege statement to the API's role."""
        self.role.add_to_policy(iam.PolicyStatement(actions=actions, resources=resources))
