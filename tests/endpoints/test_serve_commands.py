from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from pixellift.cli.endpoint_command import endpoint_app
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
LISTENING = "listening on "


def _start(command: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        command, cwd=REPO, env={**os.environ, **env}, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    for line in process.stderr:  # the server reports its address once the model is loaded
        if "http://" in line or LISTENING in line:
            return process, line
    process.wait(timeout=10)
    pytest.fail(f"the server exited with {process.returncode} before listening")


def _stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=20)
    finally:
        if process.stderr is not None:
            process.stderr.close()


def _ping(port: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=10) as response:  # noqa: S310
        return response.status, response.read()


def test_container_entry_point_serves_ping_and_stops_on_sigterm(identity_model):
    # GIVEN the segmentation container's serve.py, started as SageMaker does ("serve")
    command = [
        sys.executable,
        "sagemaker_endpoints/segmentation/serve.py",
        "serve",
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        "--model-dir",
        str(identity_model.parent),
    ]
    process, line = _start(command, {"PIXELLIFT_SEGMENTATION_MODEL": str(identity_model)})

    # WHEN /ping is called on the port it reports, then SIGTERM is sent
    status, body = _ping(line.rsplit(":", 1)[1].strip())
    code = _stop(process)

    # THEN it was healthy and it exits cleanly
    assert status == 200 and b'"segmentation"' in body
    assert code == 0


def test_cli_endpoint_serve_runs_the_same_server(identity_model):
    # GIVEN `pixellift endpoint serve segmentation --port 0`
    command = [
        sys.executable,
        "-c",
        "from pixellift.cli.endpoint_command import endpoint_app; endpoint_app()",
        "serve",
        "segmentation",
        "--port",
        "0",
        "--model-dir",
        str(identity_model.parent),
    ]
    process, line = _start(command, {"PIXELLIFT_SEGMENTATION_MODEL": str(identity_model)})

    # WHEN /ping is called on the announced URL, then SIGTERM is sent
    port = line.split("http://127.0.0.1:", 1)[1].split()[0]
    status, body = _ping(port)
    code = _stop(process)

    # THEN it answered as the container does and stopped cleanly
    assert status == 200 and b'"identity"' in body
    assert code == 0


def test_cli_endpoint_serve_explains_a_missing_model(tmp_path):
    # GIVEN an empty model folder
    # WHEN the segmentation endpoint is started on it
    result = CliRunner().invoke(
        endpoint_app,
        ["serve", "segmentation", "--port", "0", "--model-dir", str(tmp_path)],
        env={"PIXELLIFT_SEGMENTATION_MODEL": "u2netp"},
    )

    # THEN it exits with 2 and says which model is missing and how to install it
    assert result.exit_code == 2
    text = " ".join(result.output.split())  # rich wraps long temporary paths at any width
    assert "cannot start the segmentation endpoint" in text
    assert "make models" in text
