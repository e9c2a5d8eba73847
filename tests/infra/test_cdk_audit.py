"""The audit ledger deployed: locked tree-head bucket, signing key, hourly publisher, its access."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # the CDK app is a folder of the repository, not a package
    sys.path.insert(0, str(REPO_ROOT))

import aws_cdk as cdk  # noqa: E402
from aws_cdk.assertions import Match, Template  # noqa: E402

from infra.cdk.app import build_app  # noqa: E402
from infra.cdk.config import StageConfig, default_stages  # noqa: E402
from infra.cdk.context import stages_from_context  # noqa: E402

DEV = default_stages()["dev"]
Resources = dict[str, Any]


@pytest.fixture(scope="module")
def template() -> Template:
    app = cdk.App(context={"stages": "dev"})
    stage = build_app(app, nag=False)["dev"]
    return Template.from_stack(stage.pipeline)


def _only(template: Template, kind: str, props: dict[str, Any] | None = None) -> tuple[str, Any]:
    found = template.find_resources(kind, {"Properties": props} if props else None)
    assert len(found) == 1, sorted(found)
    ((key, resource),) = found.items()
    return key, resource


def _audit_bucket(template: Template) -> tuple[str, Any]:
    return _only(template, "AWS::S3::Bucket", {"ObjectLockEnabled": True})


def _publisher(template: Template) -> tuple[str, Any]:
    command = {"ImageConfig": {"Command": ["functions.audit_publish.handler.handler"]}}
    return _only(template, "AWS::Lambda::Function", command)


def _publisher_statements(template: Template) -> list[dict[str, Any]]:
    role = _publisher(template)[1]["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _logical_id(template: Template, kind: str, name_prop: str, name: str) -> str:
    return _only(template, kind, {name_prop: name})[0]


def test_audit_bucket_locks_versions_encrypts_blocks_public_access_and_logs(
    template: Template,
) -> None:
    # GIVEN / WHEN the tree-head bucket (the one with Object Lock)
    key, bucket = _audit_bucket(template)
    props = bucket["Properties"]

    # THEN every version is locked in GOVERNANCE mode for the stage's retention
    assert props["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": DEV.audit_retention_days}},
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    # AND it is encrypted with S3-managed keys, private, logged, and kept when the stack goes
    rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert props["LoggingConfiguration"]["LogFilePrefix"] == "audit/"
    assert bucket["DeletionPolicy"] == "Retain"
    # AND its policy refuses any request without TLS
    _, policy = _only(template, "AWS::S3::BucketPolicy", {"Bucket": {"Ref": key}})
    (deny,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }


def test_every_function_knows_the_audit_bucket_and_only_the_publisher_the_key(
    template: Template,
) -> None:
    # GIVEN the audit bucket, the signing key and every pipeline function
    bucket_key, _ = _audit_bucket(template)
    secret_key, _ = _only(template, "AWS::SecretsManager::Secret")
    functions = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"ImageConfig": Match.any_value()}}
    )
    publisher_key, _ = _publisher(template)

    # WHEN / THEN each names the bucket; the publisher alone names the key's secret
    for key, fn in functions.items():
        variables = fn["Properties"]["Environment"]["Variables"]
        assert variables["PIXELLIFT_AUDIT_BUCKET"] == {"Ref": bucket_key}
        secret = variables.get("PIXELLIFT_AUDIT_KEY_SECRET")
        assert secret == ({"Ref": secret_key} if key == publisher_key else None)


def test_signing_key_is_a_generated_seed_that_outlives_the_stack(template: Template) -> None:
    # GIVEN / WHEN the signing key's secret

    key, secret = _only(template, "AWS::SecretsManager::Secret")

    # THEN it is 32 random letters and digits (read as an Ed25519 seed), and retained
    assert secret["Properties"]["GenerateSecretString"] == {
        "PasswordLength": 32,
        "ExcludePunctuation": True,
        "IncludeSpace": False,
    }
    assert secret["DeletionPolicy"] == "Retain"
    # AND CloudFormation names it (a redeploy never collides with a kept one); an output shows it
    assert "Name" not in secret["Properties"]
    outputs = template.find_outputs("*", {"Value": {"Ref": key}})
    assert len(outputs) == 1


def test_publisher_has_exactly_its_least_privilege(template: Template) -> None:
    # GIVEN the resources the publisher works on
    audit_table = _logical_id(template, "AWS::DynamoDB::Table", "TableName", "pixellift-dev-audit")
    workspaces = _logical_id(
        template, "AWS::DynamoDB::Table", "TableName", "pixellift-dev-workspaces"
    )
    bucket, _ = _audit_bucket(template)
    secret, _ = _only(template, "AWS::SecretsManager::Secret")

    # WHEN its statements are read, beyond logs, traces and its dead-letter queue
    own = {"logs:CreateLogStream", "sqs:SendMessage", "xray:PutTraceSegments"}
    statements = [s for s in _publisher_statements(template) if not own & set(_list(s["Action"]))]
    found = {json.dumps(_list(s["Action"])): s for s in statements}

    # THEN it reads the audit table, scans only the workspace ids, and reads its key
    reads = found[
        '["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", '
        '"dynamodb:GetItem", "dynamodb:Query"]'
    ]
    assert reads["Resource"] == {"Fn::GetAtt": [audit_table, "Arn"]}
    scan = found['["dynamodb:Scan"]']
    assert scan["Resource"] == {"Fn::GetAtt": [workspaces, "Arn"]}
    assert scan["Condition"]["ForAllValues:StringEquals"] == {
        "dynamodb:Attributes": ["workspace_id"]
    }
    assert found['["secretsmanager:GetSecretValue"]']["Resource"] == {"Ref": secret}
    # AND it reads and writes tree heads under the audit prefix, and lists that bucket only
    heads = found['["s3:GetObject", "s3:PutObject"]']["Resource"]
    assert heads == {"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/audit/*"]]}
    assert found['["s3:ListBucket"]']["Resource"] == {"Fn::GetAtt": [bucket, "Arn"]}
    # AND nothing else: no writes to any table, no other bucket, no deletes
    assert len(statements) == len(found) == 5


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_schedule_fires_the_publisher_hourly_with_retries_and_dead_letters(
    template: Template,
) -> None:
    # GIVEN the publisher (time to re-verify large logs) and the rule whose target it is
    publisher, fn = _publisher(template)
    assert fn["Properties"]["Timeout"] == 900
    _, rule = _only(template, "AWS::Events::Rule", {"ScheduleExpression": "rate(1 hour)"})

    # WHEN / THEN the rule targets it, with a retry policy and a dead-letter queue
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [publisher, "Arn"]}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600}
    assert "DeadLetterConfig" in target
    # AND EventBridge may invoke the function
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {"Principal": "events.amazonaws.com", "FunctionName": {"Fn::GetAtt": [publisher, "Arn"]}},
    )


def test_a_log_failing_verification_raises_an_alarm(template: Template) -> None:
    # GIVEN / WHEN the alarm on the publisher's failure metric
    _, alarm = _only(template, "AWS::CloudWatch::Alarm", {"MetricName": "AuditPublishFailures"})

    # THEN it watches the handler's Powertools metric and notifies the alarm topic
    props = alarm["Properties"]
    assert (props["Namespace"], props["Dimensions"]) == (
        "PixelLift",
        [{"Name": "service", "Value": "audit_publish"}],
    )
    assert props["Threshold"] == 1 and props["AlarmActions"]


def test_schedule_and_retention_come_from_the_stage_settings() -> None:
    # GIVEN context overriding the dev schedule and retention
    context = {"dev": {"auditPublishSchedule": "rate(15 minutes)", "auditRetentionDays": "90"}}

    # WHEN the stages are read
    dev = stages_from_context(context)["dev"]

    # THEN the overrides apply, and the built-in prod keeps a year of heads locked
    assert (dev.audit_publish_schedule, dev.audit_retention_days) == ("rate(15 minutes)", 90)
    assert default_stages()["prod"].audit_retention_days == 365


def test_a_retention_beyond_object_lock_limits_is_refused() -> None:
    # GIVEN / WHEN / THEN a retention of zero days or over a century is a configuration error
    for days in (0, 36501):
        with pytest.raises(ValueError, match="audit_retention_days"):
            StageConfig(name="dev", models=DEV.models, audit_retention_days=days)
