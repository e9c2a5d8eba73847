"""The merchant API on its real adapters (S3, DynamoDB, Step Functions) served by moto."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws
from pixellift.adapters.aws.access_models import AccessTableNames, AccessTables
from pixellift.adapters.aws.access_repos import DynamoApiKeys
from pixellift.adapters.aws.audit_local import create_audit_resources
from pixellift.adapters.aws.audit_store import DynamoAuditStore
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.dynamodb_repos import DynamoWorkspaces
from pixellift.adapters.settings import Settings
from pixellift.adapters.system import UtcClock
from pixellift.core.access.api_keys import KeyServices, issue_key
from pixellift.core.access.model import Role
from pixellift.core.audit.encoding import decode_entry
from pixellift.core.contracts.records import Workspace
from pixellift.core.errors import MissingConfigurationError

from tests.functional.test_api_batches import load_api
from tests.unit.access.memory import MemoryAudit

_PASS = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}


@dataclass
class AwsApi:
    """The app's test client and acme's owner key (stored in the api_keys table)."""

    client: Client
    key: str


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsApi]:
    """The app wired from its environment against moto, with workspace acme and its key."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        env = {"HOME": str(tmp_path), "PIXELLIFT_STATE_DIR": str(tmp_path / "state")}
        settings = Settings.from_env(env)
        s3 = boto3.client("s3", region_name=settings.region)
        s3.create_bucket(Bucket=settings.drop_bucket)
        s3.create_bucket(Bucket=settings.output_bucket)
        tables = Tables.bound(settings.tables, settings.region)
        tables.create_missing()
        created = datetime(2026, 11, 26, tzinfo=UTC)
        DynamoWorkspaces(tables).create(
            Workspace(workspace_id="acme", name="Acme", created_at=created)
        )
        sfn = boto3.client("stepfunctions", region_name=settings.region)
        arn = sfn.create_state_machine(
            name="pipeline",
            definition=json.dumps(_PASS),
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )["stateMachineArn"]
        access_tables = AccessTables.bound(
            AccessTableNames.from_env(env), settings.region, settings.endpoint_url
        )
        access_tables.create_missing()
        create_audit_resources(settings)
        keys = KeyServices(DynamoApiKeys(access_tables), MemoryAudit(), UtcClock())
        key = issue_key("acme", [Role.OWNER], actor="system:test", services=keys).key
        env |= {"PIXELLIFT_PIPELINE_ARN": arn, "PIXELLIFT_SHARE_SIGNING_KEY": "ab" * 32}
        module = load_api()
        module.use(module.build_services(env))
        with Client(module.app) as test_client:
            yield AwsApi(test_client, key)


def _call(
    api: AwsApi, method: str, path: str, body: Any = None, key: str | None = None
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", "x-api-key": key or api.key}
    raw = None if body is None else json.dumps(body)
    response = api.client.http.request(method, path, headers=headers, body=raw)
    return response.status_code, json.loads(response.body)


def test_api_on_aws_adapters_runs_a_batch_from_upload_to_execution(client: AwsApi) -> None:
    # GIVEN a batch of two named photos, uploaded to the drop bucket
    body = {"marketplace": "amazon", "files": [{"name": "a.jpg"}, {"name": "b.jpg"}]}
    _, created = _call(client, "POST", "/workspaces/acme/batches", body)
    s3 = boto3.client("s3", region_name="us-east-1")
    for upload in created["uploads"]:
        key = f"api/acme/{created['batch_id']}/{upload['name']}"
        s3.put_object(Bucket="pixellift-drop", Key=key, Body=b"\xff\xd8jpeg")
    # WHEN it is started and its items are read
    status, started = _call(client, "POST", f"/workspaces/acme/batches/{created['batch_id']}/start")
    _, items = _call(client, "GET", f"/workspaces/acme/batches/{created['batch_id']}/items")
    # THEN the items are in DynamoDB and a named execution of the state machine exists
    assert status == 200
    assert [(i["name"], i["status"]) for i in items["items"]] == [
        ("a.jpg", "PENDING"),
        ("b.jpg", "PENDING"),
    ]
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    execution = sfn.describe_execution(executionArn=started["execution_arn"])
    assert execution["name"] == f"{created['batch_id']}-r1"


def test_api_on_aws_adapters_stores_inline_photos_in_the_drop_bucket(client: AwsApi) -> None:
    # GIVEN an inline photo
    data = base64.b64encode(b"\xff\xd8jpeg").decode()
    body = {"marketplace": "amazon", "inline": [{"name": "a.jpg", "data_base64": data}]}
    # WHEN the batch is created
    _, created = _call(client, "POST", "/workspaces/acme/batches", body)
    # THEN the photo is in the drop bucket
    s3 = boto3.client("s3", region_name="us-east-1")
    stored = s3.get_object(Bucket="pixellift-drop", Key=f"api/acme/{created['batch_id']}/a.jpg")
    assert stored["Body"].read() == b"\xff\xd8jpeg"


def test_api_services_refuse_a_malformed_share_signing_key(tmp_path: Path) -> None:
    # GIVEN a signing key that is not hex
    env = {"HOME": str(tmp_path), "PIXELLIFT_SHARE_SIGNING_KEY": "not hex"}
    # WHEN the services are built
    # THEN the configuration error names the setting
    with pytest.raises(
        MissingConfigurationError, match="PIXELLIFT_SHARE_SIGNING_KEY: expected hex"
    ):
        load_api().build_services(env)


def test_api_on_aws_adapters_rotates_a_key_stored_in_dynamodb(client: AwsApi) -> None:
    # GIVEN acme's owner key, rotated with no grace period
    status, rotated = _call(
        client,
        "POST",
        f"/workspaces/acme/keys/{client.key.split('_')[2]}/rotate",
        {"grace_seconds": 0},
    )
    # WHEN the old and the new key read the key list
    old_status, _ = _call(client, "GET", "/workspaces/acme/keys")
    new_status, listing = _call(client, "GET", "/workspaces/acme/keys", key=rotated["api_key"])
    # THEN the old key is refused, the new one works, and both records are listed
    assert (status, old_status, new_status) == (201, 401, 200)
    assert {k["prefix"] for k in listing["keys"]} == {client.key.split("_")[2], rotated["prefix"]}
    # AND the rotation is an entry of acme's audit ledger
    settings = Settings.from_env({"HOME": "/nonexistent"})
    dynamodb = boto3.client("dynamodb", region_name=settings.region)
    store = DynamoAuditStore(dynamodb, settings.tables.audit)
    logged = [decode_entry(e.data).to_event().type for e in store.entries("acme")]
    assert "access.key_rotated" in logged


def test_api_on_aws_adapters_records_top_ups_once_and_estimates_batches(client: AwsApi) -> None:
    # GIVEN acme's owner key
    # WHEN 25.00 is recorded twice with the same id, and a batch of 10 photos is estimated
    first, recorded = _call(client, "POST", "/workspaces/acme/credits/top-ups",
                            {"amount": "25.00", "id": "inv-1001"})  # fmt: skip
    again, repeated = _call(client, "POST", "/workspaces/acme/credits/top-ups",
                            {"amount": "25.00", "id": "inv-1001"})  # fmt: skip
    status, balance = _call(client, "GET", "/workspaces/acme/credits")
    priced, estimate = _call(client, "POST", "/workspaces/acme/credits/estimate",
                             {"photos": 10, "marketplace": "amazon"})  # fmt: skip
    bad, why = _call(client, "POST", "/workspaces/acme/credits/top-ups",
                     {"amount": "-5", "id": "x"})  # fmt: skip

    # THEN the funding is credited once, the estimate is a covered range, a bad amount is a 400
    assert (first, again, status, priced, bad) == (201, 200, 200, 200, 400)
    assert (recorded["created"], repeated["created"]) == (True, False)
    assert balance["balance"] == "25.00 USD"
    assert estimate["photos"] == 10 and estimate["covered"] is True
    assert float(estimate["low"].split()[0]) <= float(estimate["high"].split()[0])
    assert "amount" in str(why)


def test_api_on_aws_adapters_manages_caps_buckets_and_usage(client: AwsApi) -> None:
    # GIVEN funding recorded through the API
    _call(client, "POST", "/workspaces/acme/credits/top-ups", {"amount": "10.00", "id": "inv-1"})
    cap = {"scope": "workspace", "period": "monthly", "limit_minor": 500, "currency": "USD",
           "timezone": "Europe/Berlin"}  # fmt: skip
    # WHEN a cap is set, and the caps, buckets and this month's usage are read
    put, caps = _call(client, "PUT", "/workspaces/acme/credits/caps", cap)
    read, listed = _call(client, "GET", "/workspaces/acme/credits/caps")
    buckets_status, buckets = _call(client, "GET", "/workspaces/acme/credits/buckets")
    month = datetime.now(UTC).strftime("%Y-%m")
    used, usage = _call(client, "GET", f"/workspaces/acme/credits/usage?period={month}")
    bad, _ = _call(client, "PUT", "/workspaces/acme/credits/caps", cap | {"timezone": "Mars/Base"})
    # THEN the cap reads back, no bucket exists yet, the top-up is a usage row, a bad zone is a 400
    assert (put, read, buckets_status, used, bad) == (200, 200, 200, 200, 400)
    assert listed == caps and listed["caps"][0]["limit_minor"] == 500
    assert buckets == {"buckets": []}
    assert usage["rows"] >= 1 and "inv-1" in usage["csv"]
