"""``pixellift serve``: the API over HTTP on the local runtime."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from pixellift.adapters.clock import SystemClock
from pixellift.adapters.settings import Settings
from pixellift.cli.access_command import access_app
from pixellift.cli.serve_command import local_api
from pixellift.core.pipeline.autofix import FixServices
from typer.testing import CliRunner

from tests.fakes.photos import product_photo


def local_owner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, str], str]:
    """A fresh local state folder and an owner key of its workspace, issued by the CLI."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    env = {"HOME": str(tmp_path), "PIXELLIFT_STATE_DIR": str(tmp_path / "s")}
    issued = CliRunner().invoke(
        access_app, ["key", "issue", "--workspace", "local", "--role", "owner"], env=env
    )
    assert issued.exit_code == 0, issued.output
    return env, issued.stdout.strip()


def _request(url: str, key: str, method: str = "GET", body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    headers = {"x-api-key": key, "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local server)
        return json.loads(response.read())


def test_serve_answers_over_http_with_a_key_issued_by_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an owner key issued by the CLI into the local state, and the API on a free port
    env, key = local_owner(tmp_path, monkeypatch)
    settings = Settings.from_env(env)
    photo = base64.b64encode(b"\xff\xd8jpeg").decode()
    body = {"marketplace": "amazon", "inline": [{"name": "a.jpg", "data_base64": photo}]}
    with local_api(settings, port=0) as api:
        assert api.usable_keys == 1
        thread = threading.Thread(target=api.server.serve_forever, daemon=True)
        thread.start()
        try:
            # WHEN a batch is created and read back over HTTP
            created = _request(f"{api.url}/workspaces/local/batches", key, "POST", body)
            batch = _request(f"{api.url}/workspaces/local/batches/{created['batch_id']}", key)
        finally:
            api.server.shutdown()
            thread.join(timeout=10)
    # THEN the batch is in the runtime's state, received and holding the photo
    assert (batch["status"], batch["item_count"]) == ("RECEIVED", 1)


def test_serve_takes_uploads_through_its_pre_signed_urls_and_runs_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the local API with an owner key, and a batch announcing one photo by name
    env, key = local_owner(tmp_path, monkeypatch)
    photo = product_photo(shade=60)
    fix = FixServices(segmenter=None, clock=SystemClock())
    with local_api(Settings.from_env(env), port=0, fix=fix) as api:
        thread = threading.Thread(target=api.server.serve_forever, daemon=True)
        thread.start()
        try:
            body = {"marketplace": "amazon", "files": [{"name": "p.jpg"}]}
            created = _request(f"{api.url}/workspaces/local/batches", key, "POST", body)
            (upload,) = created["uploads"]
            # WHEN the photo is PUT to its pre-signed URL and the batch is started
            put = urllib.request.Request(
                upload["url"], data=photo, method="PUT", headers=upload["headers"]
            )
            with urllib.request.urlopen(put, timeout=10) as answer:  # noqa: S310 - loopback
                uploaded = answer.status
            batch_url = f"{api.url}/workspaces/local/batches/{created['batch_id']}"
            started = _request(f"{batch_url}/start", key, "POST")
            deadline = time.monotonic() + 60
            while (batch := _request(batch_url, key))["status"] == "RUNNING":
                assert time.monotonic() < deadline
                time.sleep(0.2)
        finally:
            api.server.shutdown()
            thread.join(timeout=10)
    # THEN the URL named the runtime's endpoint, and the uploaded photo was processed and charged
    # (the small test photo is below Amazon's size, so the gate blocks it: processed, not failed)
    assert upload["url"].startswith(api.aws_url)
    assert (uploaded, started["started"]) == (200, True)
    counts = batch["counts"]
    assert (counts["succeeded"] + counts["blocked"], counts["failed"]) == (1, 0)
    assert batch["charged_minor"] == 5
