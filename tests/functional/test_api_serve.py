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
from pixellift.cli.serve_command import local_api


def _request(url: str, key: str, method: str = "GET", body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    headers = {"x-api-key": key, "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local server)
        return json.loads(response.read())


def test_serve_answers_over_http_with_the_key_it_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the local API on a free port, with a key made for the local workspace
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings = Settings.from_env(
        {"HOME": str(tmp_path), "PIXELLIFT_STATE_DIR": str(tmp_path / "s")}
    )
    photo = base64.b64encode(b"\xff\xd8jpeg").decode()
    body = {"marketplace": "amazon", "inline": [{"name": "a.jpg", "data_base64": photo}]}
    with local_api(settings, port=0) as api:
        assert api.api_key is not None
        thread = threading.Thread(target=api.server.serve_forever, daemon=True)
        thread.start()
        try:
            # WHEN a batch is created and read back over HTTP
            created = _request(f"{api.url}/workspaces/local/batches", api.api_key, "POST", body)
            batch = _request(
                f"{api.url}/workspaces/local/batches/{created['batch_id']}", api.api_key
            )
        finally:
            api.server.shutdown()
            thread.join(timeout=10)
    # THEN the batch is in the runtime's state, received and holding the photo
    assert (batch["status"], batch["item_count"]) == ("RECEIVED", 1)
