"""The dev pipeline stack, synthesized once: functions, buckets, tables."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # the CDK app is a folder of the repository, not a package
    sys.path.insert(0, str(REPO_ROOT))

import aws_cdk as cdk  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.cdk.app import build_app  # noqa: E402
from infra.cdk.config import default_stages  # noqa: E402
from infra.cdk.stacks.function_access import FUNCTION_ACCESS  # noqa: E402

DEV = default_stages()["dev"]
Resources = dict[str, Any]


@pytest.fixture(scope="module")
def template() -> Template:
    app = cdk.App(context={"stages": "dev"})
    stage = build_app(app, nag=False)["dev"]
    return Template.from_stack(stage.pipeline)


def _of_type(template: Template, kind: str) -> Resources:
    return dict(template.find_resources(kind))


def _functions(template: Template) -> Resources:
    """Pipeline functions keyed by their folder under functions/ (from the image CMD)."""
    found: Resources = {}
    for resource in _of_type(template, "AWS::Lambda::Function").values():
        command = resource["Properties"].get("ImageConfig", {}).get("Command", [""])[0]
        match = re.fullmatch(r"functions\.(\w+)\.handler\.handler", command)
        if match:
            found[match.group(1)] = resource
    return found


def test_every_handler_folder_becomes_one_function(template: Template) -> None:
    # GIVEN the handler folders in the repository
    folders = {p.parent.name for p in (REPO_ROOT / "functions").glob("*/handler.py")}

    # WHEN the stack's functions are read back by their image command
    functions = _functions(template)

    # THEN each declared function has a handler folder, and each pipeline folder a function
    assert set(functions) == set(FUNCTION_ACCESS)
    assert set(FUNCTION_ACCESS) <= folders


@pytest.mark.parametrize(
    ("name", "memory", "timeout", "scratch"),
    [
        ("process", 4096, 300, 2048),
        ("compliance_gate", 4096, 300, 2048),
        ("ingest", 1024, 120, 512),
        ("billing", 1024, 120, 512),
    ],
)
def test_function_memory_and_timeout(
    template: Template, name: str, memory: int, timeout: int, scratch: int
) -> None:
    # GIVEN / WHEN the function's properties
    props = _functions(template)[name]["Properties"]

    # THEN imaging functions get the imaging size, the others the light one
    assert props["MemorySize"] == memory
    assert props["Timeout"] == timeout
    assert props["EphemeralStorage"] == {"Size": scratch}


def test_every_function_is_a_traced_container_image(template: Template) -> None:
    # GIVEN / WHEN every pipeline function
    functions = _functions(template)

    # THEN it runs from an image with X-Ray tracing and JSON logs
    for name, resource in functions.items():
        props = resource["Properties"]
        assert props["PackageType"] == "Image", name
        assert props["TracingConfig"] == {"Mode": "Active"}, name
        assert props["LoggingConfig"]["LogFormat"] == "JSON", name


def test_every_function_has_an_encrypted_dead_letter_queue(template: Template) -> None:
    # GIVEN the queues of the stack
    queues = _of_type(template, "AWS::SQS::Queue")

    # WHEN each function's dead-letter target is looked up
    for name, resource in _functions(template).items():
        target = resource["Properties"]["DeadLetterConfig"]["TargetArn"]["Fn::GetAtt"][0]

        # THEN it is an SQS queue with server-side encryption
        assert queues[target]["Properties"]["SqsManagedSseEnabled"] is True, name


def test_every_function_logs_to_its_own_group_with_retention(template: Template) -> None:
    # GIVEN the log groups of the stack
    groups = _of_type(template, "AWS::Logs::LogGroup")

    # WHEN / THEN every group keeps logs for the configured days, one group per function
    assert {g["Properties"]["RetentionInDays"] for g in groups.values()} == {DEV.log_retention_days}
    targets = [
        f["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] for f in _functions(template).values()
    ]
    assert len(set(targets)) == len(targets)
    assert set(targets) <= set(groups)


def test_functions_get_table_bucket_and_machine_names(template: Template) -> None:
    # GIVEN the ingest function's environment
    env = _functions(template)["ingest"]["Properties"]["Environment"]["Variables"]

    # WHEN / THEN it names what Settings.from_env reads
    assert env["PIXELLIFT_TABLE_PREFIX"] == "pixellift-dev-"
    assert env["PIXELLIFT_MAX_CONCURRENCY"] == str(DEV.max_concurrency)
    assert "pixellift-dev-photo-pipeline" in json.dumps(env["PIXELLIFT_PIPELINE_ARN"])
    assert env["PIXELLIFT_SEGMENTATION_ENDPOINT"] == "pixellift-dev-segmentation"
    for table in ("WORKSPACES", "BATCHES", "ITEMS", "LEDGER", "OUTPUTS", "POLICIES"):
        assert "Ref" in env[f"PIXELLIFT_{table}_TABLE"]


def test_buckets_are_encrypted_private_and_refuse_plain_http(template: Template) -> None:
    # GIVEN the buckets and bucket policies
    buckets = _of_type(template, "AWS::S3::Bucket")
    policies = _of_type(template, "AWS::S3::BucketPolicy")

    # WHEN / THEN every bucket encrypts, blocks public access and denies non-TLS requests
    assert len(buckets) == 4
    for key, bucket in buckets.items():
        props = bucket["Properties"]
        rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", key
        assert set(props["PublicAccessBlockConfiguration"].values()) == {True}, key
        (policy,) = [p for p in policies.values() if p["Properties"]["Bucket"] == {"Ref": key}]
        denies = [
            s
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if s["Effect"] == "Deny"
            and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        ]
        assert denies, key


def _lifecycle(template: Template, log_prefix: str) -> list[dict[str, Any]]:
    (bucket,) = [
        b
        for b in _of_type(template, "AWS::S3::Bucket").values()
        if b["Properties"].get("LoggingConfiguration", {}).get("LogFilePrefix") == log_prefix
    ]
    rules: list[dict[str, Any]] = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    return rules


def test_output_bucket_expires_intermediates(template: Template) -> None:
    # GIVEN / WHEN the output bucket's lifecycle rules
    rules = _lifecycle(template, "output/")

    # THEN scratch files and the content-addressed cache expire after the configured days
    expiring = {r.get("Prefix"): r.get("ExpirationInDays") for r in rules if r.get("Prefix")}
    assert expiring == {
        "intermediate/": DEV.intermediate_expiry_days,
        "objects/": DEV.intermediate_expiry_days,
    }


def test_drop_bucket_expires_uploads(template: Template) -> None:
    # GIVEN / WHEN the drop bucket's lifecycle rules
    (rule,) = _lifecycle(template, "drop/")

    # THEN uploads expire and abandoned multipart uploads are aborted
    assert rule["ExpirationInDays"] == DEV.drop_expiry_days
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}


def test_drop_bucket_notifies_the_ingest_function(template: Template) -> None:
    # GIVEN the notification custom resource CDK writes for the drop bucket
    (notification,) = _of_type(template, "Custom::S3BucketNotifications").values()

    # WHEN its Lambda configuration is read
    (config,) = notification["Properties"]["NotificationConfiguration"][
        "LambdaFunctionConfigurations"
    ]
    function_id = config["LambdaFunctionArn"]["Fn::GetAtt"][0]

    # THEN every created object goes to the ingest function
    assert config["Events"] == ["s3:ObjectCreated:*"]
    resources = _of_type(template, "AWS::Lambda::Function")
    command = resources[function_id]["Properties"]["ImageConfig"]["Command"]
    assert command == ["functions.ingest.handler.handler"]


def test_tables_are_on_demand_with_point_in_time_recovery(template: Template) -> None:
    # GIVEN / WHEN the tables
    tables = _of_type(template, "AWS::DynamoDB::Table")

    # THEN each is on demand, recoverable and named for the environment
    names = {t["Properties"]["TableName"] for t in tables.values()}
    assert names == {
        f"pixellift-dev-{n}"
        for n in (
            "workspaces",
            "presets",
            "batches-v2",
            "items-v2",
            "outputs-v2",
            "ledger",
            "policies",
            "audit",
            "memberships",
            "api_keys",
            "share_links",
            "invitations",
        )
    }
    for table in tables.values():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"] == {"SSEEnabled": True}
