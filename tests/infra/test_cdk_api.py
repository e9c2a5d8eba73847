"""The API: a Chalice project packaged by ``chalice.cdk.Chalice`` inside the pipeline stack."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # the CDK app is a folder of the repository, not a package
    sys.path.insert(0, str(REPO_ROOT))

import aws_cdk as cdk  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra.cdk.app import build_app  # noqa: E402
from infra.cdk.constructs.chalice_api import is_chalice_app  # noqa: E402

CHALICE_APP = """\
from chalice import Chalice

app = Chalice(app_name="pixellift-api")


@app.route("/health")
def health():
    return {"ok": True}
"""


@dataclass
class Built:
    template: Template
    report: cdk.PolicyValidationPluginReport
    cwd_before: Path
    cwd_after: Path
    environ_after: dict[str, str]
    app_module_loaded: bool
    outdir: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    project = tmp_path_factory.mktemp("api")
    (project / ".chalice").mkdir()
    (project / "app.py").write_text(CHALICE_APP)
    (project / "requirements.txt").write_text("")
    (project / ".chalice" / "config.json").write_text(
        json.dumps({"version": "2.0", "app_name": "pixellift-api", "stages": {}})
    )
    outdir = tmp_path_factory.mktemp("cdk.out")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("AWS_DEFAULT_REGION", raising=False)
        patch.delenv("AWS_REGION", raising=False)
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        cwd = Path.cwd()
        app = cdk.App(outdir=str(outdir), context={"stages": "dev"})
        stage = build_app(app, api_source_dir=project, nag=False)["dev"]
        environ_after = dict(os.environ)
        app_module_loaded = "app" in sys.modules
        report = AwsSolutionsChecks(app).validate_scope(app)
        yield Built(
            template=Template.from_stack(stage.pipeline),
            report=report,
            cwd_before=cwd,
            cwd_after=Path.cwd(),
            environ_after=environ_after,
            app_module_loaded=app_module_loaded,
            outdir=outdir,
        )


def _of_type(template: Template, kind: str) -> dict[str, Any]:
    return dict(template.find_resources(kind))


def test_is_chalice_app_needs_app_py_and_config(tmp_path: Path) -> None:
    # GIVEN a folder with app.py but no .chalice/config.json
    (tmp_path / "app.py").write_text(CHALICE_APP)

    # WHEN / THEN it is not a Chalice project
    assert is_chalice_app(tmp_path) is False


def test_api_is_the_packaged_chalice_app(built: Built) -> None:
    # GIVEN / WHEN the pipeline template with the API
    template = built.template.to_json()

    # THEN it carries Chalice's SAM resources: a REST API and its handler function
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert len(_of_type(built.template, "AWS::Serverless::Api")) == 1
    assert len(_of_type(built.template, "AWS::Serverless::Function")) == 1


def test_api_function_runs_with_the_stack_role_and_environment(built: Built) -> None:
    # GIVEN the API handler function
    (function,) = _of_type(built.template, "AWS::Serverless::Function").values()
    props = function["Properties"]

    # WHEN its role is resolved
    role_id = props["Role"]["Fn::GetAtt"][0]

    # THEN it is the role the stack defined (not one Chalice generated), traced, with table names
    assert role_id.startswith("ApiRole")
    assert props["Tracing"] == "Active"
    assert props["Environment"]["Variables"]["PIXELLIFT_TABLE_PREFIX"] == "pixellift-dev-"
    assert "Ref" in props["Environment"]["Variables"]["PIXELLIFT_ITEMS_TABLE"]


def test_api_role_may_upload_to_drop_and_read_outputs(built: Built) -> None:
    # GIVEN the statements of the API role
    (function,) = _of_type(built.template, "AWS::Serverless::Function").values()
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in _of_type(built.template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]

    # WHEN the S3 object actions are picked out
    by_action = {
        s["Action"]: json.dumps(s["Resource"]) for s in statements if "s3:" in str(s["Action"])
    }

    # THEN uploads go to the drop bucket and downloads come from the output bucket
    assert "StorageDropBucket" in by_action["s3:PutObject"]
    assert "StorageOutputBucket" in by_action["s3:GetObject"]
    # start lists the upload prefix in the drop bucket; outputs lists the output bucket
    assert "StorageDropBucket" in by_action["s3:ListBucket"]
    assert "StorageOutputBucket" in by_action["s3:ListBucket"]


def test_stack_with_api_passes_aws_solutions_checks(built: Built) -> None:
    # GIVEN / WHEN the checks over the app with the API
    findings = [
        f"{v.rule_name} at {r.construct_path}"
        for v in built.report.violations
        for r in v.violating_resources
    ]

    # THEN nothing is left unacknowledged
    assert findings == []


def test_packaging_leaves_the_process_as_it_was(built: Built) -> None:
    # GIVEN / WHEN the process state recorded right after the stack was built
    # THEN the working directory, the environment and sys.modules are unchanged
    assert built.cwd_after == built.cwd_before
    assert "AWS_DEFAULT_REGION" not in built.environ_after
    assert "PIXELLIFT_TABLE_PREFIX" not in built.environ_after
    assert built.app_module_loaded is False
    assert list((built.outdir / "assembly-dev" / "chalice.out").glob("*.sam_with_assets.json"))
