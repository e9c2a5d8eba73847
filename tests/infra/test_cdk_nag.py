"""cdk-nag AwsSolutions checks over the whole app: they pass, each acknowledgment has a reason."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # the CDK app is a folder of the repository, not a package
    sys.path.insert(0, str(REPO_ROOT))

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra.cdk.app import build_app  # noqa: E402


@pytest.fixture(scope="module")
def app() -> cdk.App:
    app = cdk.App(context={"stages": "dev,prod"})
    build_app(app, nag=False)
    return app


def _findings(report: cdk.PolicyValidationPluginReport) -> list[str]:
    return [
        f"{violation.rule_name} at {resource.construct_path}"
        for violation in report.violations
        for resource in violation.violating_resources
    ]


def test_app_passes_aws_solutions_checks(app: cdk.App) -> None:
    # GIVEN both environments of the app
    # WHEN the AwsSolutions pack checks the construct tree
    report = AwsSolutionsChecks(app).validate_scope(app)

    # THEN nothing is left unacknowledged
    assert _findings(report) == []
    assert report.success is True


def test_every_acknowledgment_names_a_rule_and_gives_a_reason(app: cdk.App) -> None:
    # GIVEN the acknowledgments recorded on the construct tree
    key = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    acknowledged = {
        rule: reason
        for construct in app.node.find_all()
        for entry in construct.node.metadata
        if entry.type == key
        for rule, reason in entry.data.items()
    }

    # WHEN / THEN each names an AwsSolutions finding and says why it is acceptable
    assert acknowledged
    for rule, reason in acknowledged.items():
        assert rule.removeprefix("Annotation::").startswith("AwsSolutions-"), rule
        assert len(reason.split()) >= 8, rule


def test_checks_report_a_new_wildcard_action() -> None:
    # GIVEN the dev environment whose process function is given a wildcard action
    app = cdk.App(context={"stages": "dev"})
    stage = build_app(app, nag=False)["dev"]
    stage.pipeline.functions["process"].allow(["s3:*"], [stage.pipeline.pipeline_arn])

    # WHEN the checks run
    report = AwsSolutionsChecks(app).validate_scope(app)

    # THEN the wildcard is reported on that function's policy
    policy = "dev/Pipeline/ProcessFunction/Role/DefaultPolicy/Resource"
    assert _findings(report) == [f"AwsSolutions-IAM5[Action::s3:*] at {policy}"]


def test_synthesis_fails_on_an_unacknowledged_finding(tmp_path: Path) -> None:
    # GIVEN the app with its checks registered, plus a role allowed everything on S3
    app = cdk.App(outdir=str(tmp_path), context={"stages": "dev"})
    stage = build_app(app)["dev"]
    stage.pipeline.functions["billing"].allow(["s3:*"], ["*"])

    # WHEN / THEN synthesis stops with the validation report
    with pytest.raises(RuntimeError, match=r"(?s)ValidationFailed: .*BillingFunction/Role"):
        app.synth()
    assert "AwsSolutions-IAM5[Action::s3:*]" in (tmp_path / "validation-report.json").read_text()
