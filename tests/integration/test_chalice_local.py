"""``chalice local`` in functions/api works on the local runtime through its served AWS endpoint."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pixellift.adapters.settings import Settings
from pixellift.cli.serve_command import local_api

from tests.functional.test_api_serve import local_owner

CHALICE = Path(sys.executable).with_name("chalice")
API = Path(__file__).resolve().parents[2] / "functions" / "api"
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, key: str) -> tuple[int, object]:
    request = urllib.request.Request(url, headers={"x-api-key": key})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def test_chalice_local_serves_the_runtimes_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an owner key in the local state, and the runtime serving its AWS endpoint
    env, key = local_owner(tmp_path, monkeypatch)
    port = _free_port()
    with local_api(Settings.from_env(env), port=0) as api:
        # WHEN `chalice local` runs in functions/api against that endpoint
        chalice_env = (
            dict(os.environ)
            | env
            | {
                "AWS_ENDPOINT_URL": api.aws_url,
                "AWS_DEFAULT_REGION": "us-east-1",
                "PIXELLIFT_PIPELINE_ARN": api.runtime.settings.pipeline_arn or "",
            }
        )
        process = subprocess.Popen(
            [str(CHALICE), "local", "--port", str(port), "--no-autoreload"],
            cwd=API,
            env=chalice_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    keys = _get(f"http://127.0.0.1:{port}/workspaces/local/keys", key)
                    break
                except (urllib.error.URLError, ConnectionError):
                    assert time.monotonic() < deadline, "chalice local did not start"
                    time.sleep(0.5)
            unknown = _get(f"http://127.0.0.1:{port}/workspaces/local/keys", "plk_local_x_y")
        finally:
            process.terminate()
            process.wait(timeout=10)

    # THEN it authenticates with the runtime's key store and lists the key; a bad key is refused
    status, body = keys
    assert status == 200, body
    assert [k["roles"] for k in body["keys"]] == [["owner"]]  # type: ignore[index]
    assert unknown[0] == 401
