"""``pixellift run`` as a user runs it: a real process, killed with -9 mid-batch, then resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pixellift.adapters.local.model_cache import U2NETP, ModelCache
from pixellift.adapters.local.runtime import LocalRuntime
from pixellift.adapters.settings import Settings
from pixellift.core.errors import ModelNotFoundError

from tests.fakes.photos import product_photo
from tests.integration.batches import ledger

# Two CLI processes of a few seconds each, and the U2-Net-p model the CLI loads.
pytestmark = [pytest.mark.slow, pytest.mark.model]
PIXELLIFT = Path(sys.executable).with_name("pixellift")
KILL_AFTER_S = 120


@pytest.fixture
def model_installed() -> None:
    try:
        ModelCache(Settings.from_env(os.environ).model_dir).path_for(U2NETP.name)
    except ModelNotFoundError:
        pytest.skip("U2-Net-p is not in the model cache (make models)")


def command(photos: Path, out: Path) -> list[str]:
    return [str(PIXELLIFT), "run", str(photos), "--marketplace", "amazon", "--out", str(out)]


def test_killed_run_resumes_without_losing_redoing_or_recharging(
    tmp_path: Path, model_installed: None
) -> None:
    # GIVEN a folder of five photos and a run processing one photo at a time
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(5):
        (photos / f"p{i}.jpg").write_bytes(product_photo(shade=20 + 25 * i))
    out, state = tmp_path / "out", tmp_path / "state"
    env = os.environ | {"PIXELLIFT_STATE_DIR": str(state)}
    journal = state / "runtime" / "dynamodb.jsonl"
    first = subprocess.Popen(
        [*command(photos, out), "--workers", "1"], env=env, stderr=subprocess.DEVNULL
    )

    # WHEN the process is killed with SIGKILL as soon as one item is charged
    deadline = time.monotonic() + KILL_AFTER_S
    while '"CHARGED"' not in (journal.read_text() if journal.exists() else ""):
        assert first.poll() is None and time.monotonic() < deadline, "no item was charged"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    # AND the same command is run again, this time with worker processes
    second = subprocess.run(
        [*command(photos, out), "--processes"], check=False, env=env, capture_output=True, text=True
    )

    # THEN the batch finished: every photo published once and charged once
    manifest = json.loads((out / "manifest.json").read_text())
    assert first.returncode == -signal.SIGKILL
    assert second.returncode in {0, 1}, second.stderr
    summary = manifest["summary"]
    assert (summary["total"], summary["failed"], summary["charged_minor"]) == (5, 0, 25)
    assert sorted(i["name"] for i in manifest["items"]) == [f"p{i}.jpg" for i in range(5)]
    assert all(i["status"] == "CHARGED" and i["attempts"] <= 2 for i in manifest["items"])
    with LocalRuntime(Settings.from_env(env)) as runtime:
        charges = ledger(runtime, workspace=runtime.settings.workspace)
        batch = runtime.deps.batches.get(runtime.settings.workspace, manifest["batch_id"])
    assert len(charges) == len(set(charges)) == 5
    # AND the second command resumed the batch the first one started
    assert batch is not None and batch.runs == 2
