"""The tree-head publisher Lambda on moto: workspaces from the table, key from Secrets Manager."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from moto import mock_aws
from pixellift.adapters.aws.audit_local import create_audit_resources
from pixellift.adapters.aws.audit_publisher import S3TreeHeadArchive
from pixellift.adapters.aws.audit_signer import Ed25519Check, Ed25519Signer
from pixellift.adapters.aws.audit_store import DynamoAuditStore, block_key
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.dynamodb_repos import DynamoWorkspaces
from pixellift.adapters.local.lambda_invoker import LocalLambdaContext, load_module
from pixellift.adapters.settings import Settings
from pixellift.core.audit.treehead import check_signature
from pixellift.core.audit.verify import verify_log
from pixellift.core.contracts.records import Workspace
from pixellift.core.errors import MissingConfigurationError, PermanentError

from tests.unit.audit.ledgers import sample_events

pytestmark = pytest.mark.functional
ROOT = Path(__file__).resolve().parents[2]
EVENT: dict[str, Any] = json.loads(
    (ROOT / "events" / "eventbridge" / "audit_publish.json").read_text(encoding="utf-8")
)
SECRET = "pixellift-test-audit-signing-key"
KEY = Ed25519Signer(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))


class Deployed:
    """The deployed publisher's world on moto: tables, bucket, secret and settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dynamodb = boto3.client("dynamodb", region_name=settings.region)
        self.store = DynamoAuditStore(self.dynamodb, settings.tables.audit)
        self.archive = S3TreeHeadArchive(
            boto3.client("s3", region_name=settings.region), settings.audit_bucket
        )
        self.workspaces = DynamoWorkspaces(Tables.bound(settings.tables, settings.region))

    def workspace(self, workspace_id: str, entries: int) -> None:
        at = datetime(2026, 11, 26, tzinfo=UTC)
        self.workspaces.create(
            Workspace(workspace_id=workspace_id, name=workspace_id, created_at=at)
        )
        if entries:
            self.store.append(workspace_id, sample_events(entries, workspace_id))


@pytest.fixture
def deployed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployed]:
    env = {
        "HOME": str(tmp_path),
        "AWS_REGION": "us-east-1",
        "PIXELLIFT_TABLE_PREFIX": "pixellift-test-",
        "PIXELLIFT_AUDIT_BUCKET": "pixellift-test-audit",
        "PIXELLIFT_AUDIT_KEY_SECRET": SECRET,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env(env)
    with mock_aws():
        Tables.bound(settings.tables, settings.region).create_missing()
        # The bucket as deployed: versioned, every object locked (GOVERNANCE) by default
        s3 = boto3.client("s3", region_name=settings.region)
        s3.create_bucket(Bucket=settings.audit_bucket, ObjectLockEnabledForBucket=True)
        s3.put_object_lock_configuration(
            Bucket=settings.audit_bucket,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}},
            },
        )
        create_audit_resources(settings)
        secrets = boto3.client("secretsmanager", region_name=settings.region)
        secrets.create_secret(Name=SECRET, SecretString=KEY.private_pem().decode("ascii"))
        yield Deployed(settings)


def invoke(event: dict[str, Any] = EVENT) -> dict[str, Any]:
    module = load_module(ROOT / "functions" / "audit_publish" / "handler.py", "test_audit_publish")
    context = LocalLambdaContext(
        "pixellift-audit_publish", "arn:aws:lambda:us-east-1:1:function:audit_publish"
    )
    result: dict[str, Any] = module.handler(event, context)
    return result


def test_each_workspace_with_entries_gets_a_head_that_verifies(deployed: Deployed) -> None:
    # GIVEN two workspaces with entries and one without
    deployed.workspace("acme", 12)
    deployed.workspace("bolt", 5)
    deployed.workspace("calm", 0)

    # WHEN the scheduled event reaches the handler
    report = invoke()

    # THEN each workspace with entries has one head in the bucket, signed with the secret's key
    assert [(h["workspace_id"], h["tree_size"], h["new"]) for h in report["heads"]] == [
        ("acme", 12, True),
        ("bolt", 5, True),
    ]
    assert report["empty"] == ["calm"] and report["failed"] == []
    for workspace_id, size in (("acme", 12), ("bolt", 5)):
        (head,) = deployed.archive.history(workspace_id)
        check_signature(head, Ed25519Check(), public_key=KEY.public_key)
        # AND the head is exactly the stored log's
        log = verify_log(
            workspace_id,
            deployed.store.entries(workspace_id),
            heads=[head],
            check=Ed25519Check(),
            public_key=KEY.public_key,
            state=deployed.store.state(workspace_id),
        )
        assert log.size == head.head.tree_size == size
    assert deployed.archive.history("calm") == []


def test_only_grown_logs_get_new_heads_and_a_broken_log_is_named(
    deployed: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN heads published for two workspaces; then one log grows, the other is edited
    deployed.workspace("acme", 12)
    deployed.workspace("bolt", 5)
    invoke()
    deployed.store.append("acme", sample_events(3, "acme"))
    key = {"workspace_id": {"S": "bolt"}, "event_id": {"S": block_key(0)}}
    table = deployed.settings.tables.audit
    item = deployed.dynamodb.get_item(TableName=table, Key=key)["Item"]
    item["entries"] = {"S": item["entries"]["S"].replace("user:ana1", "user:eve1", 1)}
    deployed.dynamodb.put_item(TableName=table, Item=item)

    # WHEN the schedule fires again
    report = invoke()

    # THEN the grown log got a second head, and the edited one none, with the entry named
    assert [(h["workspace_id"], h["tree_size"], h["new"]) for h in report["heads"]] == [
        ("acme", 15, True)
    ]
    assert [h.head.tree_size for h in deployed.archive.history("acme")] == [12, 15]
    # AND the replaced latest head is still there as a locked version that cannot be deleted
    s3 = boto3.client("s3", region_name=deployed.settings.region)
    bucket, latest = deployed.settings.audit_bucket, "audit/acme/tree-heads/latest.json"
    versions = [
        v["VersionId"]
        for v in s3.list_object_versions(Bucket=bucket)["Versions"]
        if v["Key"] == latest
    ]
    assert len(versions) == 2
    for version in versions:
        held = s3.head_object(Bucket=bucket, Key=latest, VersionId=version)
        assert held["ObjectLockMode"] == "GOVERNANCE"
    with pytest.raises(s3.exceptions.ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=bucket, Key=latest, VersionId=versions[-1])
    (failure,) = report["failed"]
    assert (failure["workspace_id"], failure["error"]) == ("bolt", "AuditLogBrokenError")
    assert "entry 1" in failure["message"]
    assert len(deployed.archive.history("bolt")) == 1
    # AND the failure is counted in the metric the deployed alarm watches
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    metrics = [m for m in emitted if "AuditPublishFailures" in m]
    assert (metrics[-1]["AuditPublishFailures"], metrics[-1]["service"]) == ([1.0], "audit_publish")


def test_an_unchanged_log_is_not_signed_again(deployed: Deployed) -> None:
    # GIVEN a workspace whose head is published
    deployed.workspace("acme", 4)
    first = invoke()

    # WHEN the schedule fires with nothing new
    again = invoke()

    # THEN the same head is reported, not a new one
    assert again["heads"] == [first["heads"][0] | {"new": False}]
    assert len(deployed.archive.history("acme")) == 1


def test_a_secret_without_an_ed25519_key_is_named(deployed: Deployed) -> None:
    # GIVEN a workspace with entries, and the secret replaced by something that is not a key
    deployed.workspace("acme", 2)
    secrets = boto3.client("secretsmanager", region_name=deployed.settings.region)
    secrets.put_secret_value(SecretId=SECRET, SecretString="not a key")

    # WHEN / THEN the handler fails, naming the secret and the cause, and publishes nothing
    with pytest.raises(MissingConfigurationError, match=f"secret {SECRET}: not an Ed25519"):
        invoke()
    assert deployed.archive.history("acme") == []


def test_a_malformed_event_is_refused(deployed: Deployed) -> None:
    # GIVEN an event that is not an EventBridge scheduled event
    event = EVENT | {"detail-type": "Object Created"}

    # WHEN / THEN the handler refuses it before touching anything
    with pytest.raises(PermanentError, match="audit publish event"):
        invoke(event)
