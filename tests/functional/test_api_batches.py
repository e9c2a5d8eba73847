"""The merchant API's batch routes through Chalice's test client, on the in-memory fakes."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from chalice.test import Client
from pixellift.adapters.aws.access_wiring import access_services
from pixellift.core.access.api_keys import issue_key
from pixellift.core.access.model import Role
from pixellift.core.contracts.records import BatchStatus
from pixellift.core.contracts.tasks import ExecutionInput
from pixellift.core.pipeline.api_batches import ApiDeps

from tests.fakes.pipeline import Fakes
from tests.fakes.repositories import MemoryWorkspaces
from tests.unit.access.memory import MemoryAudit, MemoryKeys, MemoryLinks

API_DIR = Path(__file__).resolve().parents[2] / "functions" / "api"
SIGNING_KEY = "5e" * 32


def load_api() -> ModuleType:
    """The Chalice app module, under a name of its own (``app`` is Chalice's packaging name)."""
    if "pixellift_api_app" in sys.modules:
        return sys.modules["pixellift_api_app"]
    if str(API_DIR) not in sys.path:
        sys.path.insert(0, str(API_DIR))
    spec = importlib.util.spec_from_file_location("pixellift_api_app", API_DIR / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pixellift_api_app"] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class CountingIds:
    """Ids ``1``, ``2``, ... ."""

    issued: int = 0

    def new_id(self) -> str:
        """The next id."""
        self.issued += 1
        return str(self.issued)


@dataclass
class Api:
    """The app on fakes, and a client that sends JSON with a workspace's key."""

    fakes: Fakes
    client: Client
    workspaces: MemoryWorkspaces
    audit: MemoryAudit
    keys: dict[str, str] = field(default_factory=dict)
    """Owner key of each workspace (acme, rival, ghost)."""
    started: list[tuple[str, str]] = field(default_factory=list)

    def client_services(self) -> Any:
        """The services the app runs on."""
        return load_api().services()

    def call(
        self, method: str, path: str, body: Any = None, *, key: str | None = "acme"
    ) -> tuple[int, Any]:
        """Status and decoded JSON body of one request with the key of workspace ``key``.

        ``key`` may also be a key itself (``plk_...``), or ``None`` for no header.
        """
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["x-api-key"] = self.keys.get(key, key)
        raw = body if isinstance(body, str) else (None if body is None else json.dumps(body))
        response = self.client.http.request(method, path, headers=headers, body=raw)
        return response.status_code, json.loads(response.body or b"null")


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """A client of the app on fresh fakes with workspaces acme and rival (ghost has a key only).

    Each workspace has an owner key, issued and stored hashed as the CLI does.
    """
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    module = load_api()
    fakes = Fakes()
    workspaces = MemoryWorkspaces("acme", "rival")
    deps = ApiDeps(
        drop=fakes.drop,
        outputs=fakes.outputs,
        workspaces=workspaces,
        batches=fakes.batches,
        items=fakes.items,
        starter=fakes.starter,
        clock=fakes.clock,
        ids=CountingIds(),
        signer=module.S3UploadSigner(module.signing_client("us-east-1"), "drop-bucket"),
        max_concurrency=3,
    )
    audit = MemoryAudit()
    access = access_services(
        MemoryKeys(), MemoryLinks(), audit, fakes.clock, signing_key=SIGNING_KEY
    )
    keys = {
        ws: issue_key(ws, [Role.OWNER], actor="system:test", services=access.keys).key
        for ws in ("acme", "rival", "ghost")
    }
    audit.events.clear()
    module.use(module.ApiServices(deps=deps, presets=fakes.presets, access=access))
    with Client(module.app) as client:
        yield Api(fakes=fakes, client=client, workspaces=workspaces, audit=audit, keys=keys)


def inline(*names: str, data: bytes = b"\xff\xd8photo") -> dict[str, Any]:
    """A create-batch body with inline photos."""
    encoded = base64.b64encode(data).decode()
    return {"marketplace": "amazon", "inline": [{"name": n, "data_base64": encoded} for n in names]}


def test_create_batch_signs_one_put_url_per_named_file(api: Api) -> None:
    # GIVEN two file names
    body = {"marketplace": "amazon", "files": [{"name": "red mug.jpg"}, {"name": "b.png"}]}
    # WHEN the batch is created
    status, created = api.call("POST", "/workspaces/acme/batches", body)
    # THEN each file gets a signed PUT URL for its key under the batch's upload prefix
    assert status == 201
    assert created["batch_id"] == "b-1"
    assert [u["name"] for u in created["uploads"]] == ["red mug.jpg", "b.png"]
    url = created["uploads"][0]["url"]
    assert "drop-bucket" in url
    assert "api/acme/b-1/red%20mug.jpg" in url
    assert "X-Amz-Signature=" in url
    assert api.fakes.batches.rows[("acme", "b-1")].item_count == 2


def test_create_batch_stores_inline_photos_in_the_drop_bucket(api: Api) -> None:
    # GIVEN one small photo sent inline
    # WHEN the batch is created
    status, created = api.call("POST", "/workspaces/acme/batches", inline("a.jpg", data=b"JPEG"))
    # THEN its bytes are in the drop bucket under the batch's prefix and no URL is signed
    assert status == 201
    assert created["uploads"] == []
    assert api.fakes.drop.objects["api/acme/b-1/a.jpg"] == b"JPEG"


def test_api_rejects_a_request_without_a_key(api: Api) -> None:
    # GIVEN no x-api-key header
    # WHEN a batch is read
    status, body = api.call("GET", "/workspaces/acme/batches/b-1", key=None)
    # THEN the answer is 401 naming the header
    assert status == 401
    assert body["message"] == "x-api-key: header is missing"


def test_api_rejects_another_workspaces_key(api: Api) -> None:
    # GIVEN rival's key
    # WHEN it is used on acme
    status, body = api.call("POST", "/workspaces/acme/batches", inline("a.jpg"), key="rival")
    # THEN the answer is 403, nothing is created, and acme's log records the attempt
    assert status == 403
    assert body["error"] == "Forbidden"
    assert "belongs to workspace acme" in body["message"]
    assert api.fakes.batches.rows == {}
    assert [(e.type, e.workspace_id) for e in api.audit.events] == [
        ("access.denied_cross_workspace", "acme")
    ]


def test_create_batch_names_each_invalid_field(api: Api) -> None:
    # GIVEN a body with a path in a file name and an unknown role
    body = {"marketplace": "amazon", "role": "hero", "files": [{"name": "../etc/x.jpg"}]}
    # WHEN the batch is created
    status, answer = api.call("POST", "/workspaces/acme/batches", body)
    # THEN the answer is 400 listing both fields
    assert status == 400
    assert answer["error"] == "ValidationError"
    assert {f["field"] for f in answer["fields"]} == {"role", "files.0.name"}


def test_create_batch_needs_files_or_inline(api: Api) -> None:
    # GIVEN a body with neither kind of file
    # WHEN the batch is created
    status, answer = api.call("POST", "/workspaces/acme/batches", {"marketplace": "amazon"})
    # THEN the answer is 400 on the body, saying what to give
    assert status == 400
    assert answer["fields"][0]["field"] == "body"
    assert "give either files" in answer["fields"][0]["message"]


def test_create_batch_rejects_a_body_that_is_not_json(api: Api) -> None:
    # GIVEN a body that is not JSON
    # WHEN the batch is created
    status, answer = api.call("POST", "/workspaces/acme/batches", "{not json")
    # THEN the answer is 400 on the body
    assert status == 400
    assert answer["fields"] == [{"field": "body", "message": answer["message"]}]
    assert answer["message"].startswith("body: not valid JSON")


def test_create_batch_names_the_file_with_bad_base64(api: Api) -> None:
    # GIVEN an inline photo whose data is not base64
    body = {"marketplace": "amazon", "inline": [{"name": "a.jpg", "data_base64": "%%%"}]}
    # WHEN the batch is created
    status, answer = api.call("POST", "/workspaces/acme/batches", body)
    # THEN the answer is 400 naming the file
    assert status == 400
    assert answer["message"] == "inline.a.jpg: data_base64 is not valid base64"


def test_create_batch_refuses_inline_data_over_the_limit(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an inline limit of 8 bytes and two 5-byte photos
    monkeypatch.setattr("pixellift.core.pipeline.api_batches.MAX_INLINE_BYTES", 8)
    # WHEN the batch is created
    status, answer = api.call(
        "POST", "/workspaces/acme/batches", inline("a.jpg", "b.jpg", data=b"12345")
    )
    # THEN the answer is 400 pointing to pre-signed uploads, and nothing is stored
    assert status == 400
    assert "use files instead" in answer["message"]
    assert api.fakes.drop.objects == {}


def test_create_batch_in_a_workspace_that_does_not_exist_is_404(api: Api) -> None:
    # GIVEN a key for a workspace that has no record
    # WHEN a batch is created there
    status, answer = api.call("POST", "/workspaces/ghost/batches", inline("a.jpg"), key="ghost")
    # THEN the answer is 404 naming the workspace
    assert status == 404
    assert answer == {"error": "UnknownWorkspaceError", "message": "workspace ghost does not exist"}


def test_start_batch_writes_items_and_starts_one_named_execution(api: Api) -> None:
    # GIVEN a batch of two inline photos
    api.call("POST", "/workspaces/acme/batches", inline("b.jpg", "a.jpg"))
    # WHEN it is started
    status, started = api.call("POST", "/workspaces/acme/batches/b-1/start")
    # THEN its items are written in name order and one execution carries their ids
    assert status == 200
    assert started["started"] is True
    assert started["status"] == BatchStatus.RUNNING
    assert [i.name for i in api.fakes.items.list("acme", "b-1")] == ["a.jpg", "b.jpg"]
    [(name, payload)] = api.fakes.starter.started
    assert name == "b-1-r1"
    assert ExecutionInput.model_validate_json(payload).items == ("i00000", "i00001")
    assert ExecutionInput.model_validate_json(payload).max_concurrency == 3


def test_start_batch_twice_starts_one_run(api: Api) -> None:
    # GIVEN a started batch
    api.call("POST", "/workspaces/acme/batches", inline("a.jpg"))
    api.call("POST", "/workspaces/acme/batches/b-1/start")
    # WHEN it is started again
    status, again = api.call("POST", "/workspaces/acme/batches/b-1/start")
    # THEN it reports the run under way and no second execution is started
    assert status == 200
    assert again["started"] is False
    assert len(api.fakes.starter.started) == 1


def test_start_batch_before_any_upload_is_a_conflict(api: Api) -> None:
    # GIVEN a batch whose photos were not yet uploaded through their URLs
    api.call(
        "POST", "/workspaces/acme/batches", {"marketplace": "amazon", "files": [{"name": "a.jpg"}]}
    )
    # WHEN it is started
    status, answer = api.call("POST", "/workspaces/acme/batches/b-1/start")
    # THEN the answer is 409 and nothing is started
    assert status == 409
    assert answer["error"] == "EmptyBatchError"
    assert api.fakes.starter.started == []


def test_start_batch_with_some_uploads_missing_names_them(api: Api) -> None:
    # GIVEN two named files of which one arrived, and a file nobody announced
    body = {"marketplace": "amazon", "files": [{"name": "a.jpg"}, {"name": "b.jpg"}]}
    api.call("POST", "/workspaces/acme/batches", body)
    api.fakes.drop.put("api/acme/b-1/a.jpg", b"x", content_type="image/jpeg")
    api.fakes.drop.put("api/acme/b-1/c.jpg", b"x", content_type="image/jpeg")
    # WHEN it is started
    status, answer = api.call("POST", "/workspaces/acme/batches/b-1/start")
    # THEN the answer is 409 naming the missing upload (the stranger does not stand in for it)
    assert status == 409
    assert answer["message"] == "batch b-1: 1 of 2 photos not uploaded: b.jpg"
    assert api.fakes.starter.started == []
