"""The merchant API on its real adapters (S3, DynamoDB, Step Functions) served by moto."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.dynamodb_repos import DynamoWorkspaces
from pixellift.adapters.settings import Settings
from pixellift.core.contracts.records import Workspace
from pixellift.core.errors import MissingConfigurationError
from pixellift.core.pipeline.api_access import key_digest

from tests.functional.test_api_batches import load_api

_PASS = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
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
        env |= {
            "PIXELLIFT_PIPELINE_ARN": arn,
            "PIXELLIFT_API_KEYS": json.dumps({"acme": [key_digest("key-acme")]}),
        }
        module = load_api()
        module.use(module.build_services(env))
        with Client(module.app) as test_client:
            yield test_client


def _call(client: Client, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", "x-api-key": "key-acme"}
    raw = None if body is None else json.dumps(body)
    response = client.http.request(method, path, headers=headers, body=raw)
    return response.status_code, json.loads(response.body)


def test_api_on_aws_adapters_runs_a_batch_from_upload_to_execution(client: Client) -> None:
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


def test_api_on_aws_adapters_stores_inline_photos_in_the_drop_bucket(client: Client) -> None:
    # GIVEN an inline photo
    data = base64.b64encode(b"\xff\xd8jpeg").decode()
    body = {"marketplace": "amazon", "inline": [{"name": "a.jpg", "data_base64": data}]}
    # WHEN the batch is created
    _, created = _call(client, "POST", "/workspaces/acme/batches", body)
    # THEN the photo is in the drop bucket
    s3 = boto3.client("s3", region_name="us-east-1")
    stored = s3.get_object(Bucket="pixellift-drop", Key=f"api/acme/{created['batch_id']}/a.jpg")
    assert stored["Body"].read() == b"\xff\xd8jpeg"


def test_api_services_refuse_malformed_keys_configuration(tmp_path: Path) -> None:
    # GIVEN a keys variable that maps a workspace to one string instead of a list of digests
    env = {"HOME": str(tmp_path), "PIXELLIFT_API_KEYS": '{"acme": "abc"}'}
    # WHEN the services are built
    # THEN the configuration error names the setting
    with pytest.raises(MissingConfigurationError, match="API keys: expected a JSON object"):
        load_api().build_services(env)
