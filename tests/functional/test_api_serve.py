"""``pixellift serve``: the API over HTTP on the local runtime."""

from __future__ import annotations

import base64
import json
import threading
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from pixellift.adapters.settings import Settings
from pixellift.cli.access_command import access_app
from pixellift.cli.serve_command import local_api
from typer.testing import CliRunner


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
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    env = {"HOME": str(tmp_path), "PIXELLIFT_STATE_DIR": str(tmp_path / "s")}
    issued = CliRunner().invoke(
        access_app, ["key", "issue", "--workspace", "local", "--role", "owner"], env=env
    )
    assert issued.exit_code == 0, issued.output
    key = issued.stdout.strip()
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
