"""The API's Lambda package carries its Python packages, vendored at synthesis offline."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # the CDK app is a folder of the repository, not a package
    sys.path.insert(0, str(REPO_ROOT))

import aws_cdk as cdk  # noqa: E402

from infra.cdk.app import build_app  # noqa: E402
from infra.cdk.constructs import api_vendor  # noqa: E402
from infra.cdk.constructs.api_vendor import (  # noqa: E402
    LAMBDA_UNZIPPED_LIMIT,
    closure,
    stage_project,
    vendor_roots,
)

APP = """\
from chalice import Chalice
import annotated_types

app = Chalice(app_name="v")


@app.route("/health")
def health():
    return {"ok": annotated_types.__name__}
"""


def _project(root: Path, vendor: str | None) -> Path:
    (root / ".chalice").mkdir(parents=True)
    (root / "app.py").write_text(APP)
    (root / "requirements.txt").write_text("")
    (root / ".chalice" / "config.json").write_text(
        json.dumps({"version": "2.0", "app_name": "v", "stages": {}})
    )
    if vendor is not None:
        (root / "vendor.txt").write_text(vendor)
    return root


def test_the_real_api_closure_leaves_out_imaging_and_the_sdk_and_fits_lambda() -> None:
    # GIVEN the distributions functions/api/vendor.txt lists
    roots = vendor_roots(REPO_ROOT / "functions" / "api")
    assert "pixellift" in roots

    # WHEN their closure is computed from the installed environment
    found = closure(roots)

    # THEN pixellift comes without OpenCV/onnxruntime, boto3 is the runtime's, and it fits
    assert {"pixellift", "pydantic-core", "numpy"} <= found.keys()
    assert not {"opencv-python-headless", "onnxruntime", "boto3", "botocore"} & found.keys()
    size = sum(Path(str(f.locate())).stat().st_size for d in found.values() for f in d.files or ())
    assert size < LAMBDA_UNZIPPED_LIMIT


def test_a_missing_distribution_is_named_with_what_needed_it() -> None:
    with pytest.raises(ValueError, match="no-such-dist-xyz, which is not installed"):
        closure(["no-such-dist-xyz"])


def test_vendoring_refuses_a_platform_lambda_cannot_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a synthesizing machine that is not Linux x86-64
    monkeypatch.setattr(api_vendor.platform, "machine", lambda: "arm64")
    project = _project(tmp_path / "api", "annotated-types\n")

    # WHEN the project is staged / THEN it is refused with the reason
    with pytest.raises(ValueError, match="synthesize on Linux x86-64"):
        stage_project(project, tmp_path / "staged", vendor_roots(project))


def test_the_staged_project_has_the_packages_and_pixellift_source(tmp_path: Path) -> None:
    # GIVEN a project vendoring the editable pixellift and a small wheel
    project = _project(tmp_path / "api", "# comment\npixellift\nannotated-types\n")

    # WHEN it is staged
    total = stage_project(project, tmp_path / "staged", vendor_roots(project))

    # THEN vendor/ holds both packages' files (pixellift from its source tree) and the app
    vendor = tmp_path / "staged" / "vendor"
    assert (vendor / "annotated_types" / "__init__.py").is_file()
    assert (vendor / "pixellift" / "core" / "errors.py").is_file()
    assert (vendor / "pixellift" / "core" / "policy" / "packs").is_dir()
    assert not list(vendor.rglob("*.pyc"))
    assert (tmp_path / "staged" / "app.py").read_text() == APP
    assert total > 0


def test_synthesis_packages_the_vendored_project(tmp_path: Path, monkeypatch) -> None:
    # GIVEN a Chalice project with a vendor list
    project = _project(tmp_path / "api", "annotated-types\n")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    outdir = tmp_path / "cdk.out"

    # WHEN the app is synthesized
    app = cdk.App(outdir=str(outdir), context={"stages": "dev"})
    build_app(app, api_source_dir=project, nag=False)
    app.synth()

    # THEN the API's deployment package holds the vendored package next to the app
    packages = [p for p in outdir.rglob("*.zip") if "deployment" in p.name]
    assert packages, sorted(str(p.relative_to(outdir)) for p in outdir.rglob("*"))[:50]
    names = set(zipfile.ZipFile(packages[0]).namelist())
    assert {"app.py", "annotated_types/__init__.py"} <= names
