"""The ``fix`` and ``segment`` commands on real files: outputs, step logs, per-item failures."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pixellift.adapters.clock import SystemClock
from pixellift.cli.fix_command import run_fix
from pixellift.cli.main import app
from pixellift.core.pipeline.autofix import FixServices
from pixellift.core.pipeline.preset_schema import SizeSettings
from pixellift.core.pipeline.presets import load_preset
from typer.testing import CliRunner

SERVICES = FixServices(segmenter=None, clock=SystemClock())


def studio_photo(rows: int = 480, cols: int = 640) -> bytes:
    """A dark box on a light grey sweep, off-centre: the classical path segments it."""
    yy = np.linspace(0, 1, rows, dtype=np.float32)[:, None, None]
    rgb = np.broadcast_to(225 + 15 * yy, (rows, cols, 3)).astype(np.uint8).copy()
    rgb[120:360, 100:300] = (40, 70, 150)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=92)
    return buf.getvalue()


def small_preset():
    """amazon-main at 500 px so the tests stay quick."""
    return load_preset("amazon-main").model_copy(
        update={"size": SizeSettings(width=500, height=500)}
    )


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.jpg").write_bytes(studio_photo())
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "truncated.jpg").write_bytes(studio_photo()[:600])
    (folder / "notes.png").write_bytes(b"this is not an image")
    return folder


def test_run_fix_processes_good_files_and_lists_each_bad_one(batch: Path, tmp_path: Path) -> None:
    # GIVEN a folder with one good photo and three bad files
    out = tmp_path / "out"
    # WHEN the batch is fixed
    report = run_fix([batch], out, small_preset(), compare=True, services=SERVICES)
    # THEN the good one is finished and every bad one is named with its cause
    assert [Path(i["file"]).name for i in report.succeeded] == ["good.jpg"]
    causes = {Path(f["file"]).name: f["error"] for f in report.failed}
    assert set(causes) == {"empty.jpg", "truncated.jpg", "notes.png"}
    assert causes["empty.jpg"].startswith("empty.jpg:")
    assert "truncated" in causes["truncated.jpg"]
    assert causes["notes.png"].startswith("notes.png:")
    assert (out / "good.jpg").is_file()
    assert (out / "compare" / "good.jpg").is_file()


def test_fixed_output_is_pure_white_square_with_the_preset_fill(
    batch: Path, tmp_path: Path
) -> None:
    # GIVEN / WHEN
    run_fix(
        [batch / "good.jpg"], tmp_path / "out", small_preset(), compare=False, services=SERVICES
    )
    # THEN
    with Image.open(tmp_path / "out" / "good.jpg") as image:
        assert image.size == (500, 500)
        assert image.info["dpi"] == pytest.approx((72, 72))
        assert image.info.get("icc_profile")
        rgb = np.asarray(image.convert("RGB")).astype(int)
    dark = (rgb.sum(axis=2) < 600).any(axis=0).nonzero()[0]
    # JPEG blocks touching the product may ring; every pixel a block or more away is exactly white.
    assert (rgb[:16] == 255).all() and (rgb[-16:] == 255).all()
    # The box is taller than wide, so its height sets the fill: 87% of 500 px.
    rows = (rgb.sum(axis=2) < 600).any(axis=1).nonzero()[0]
    assert (rows[-1] - rows[0] + 1) / 500 == pytest.approx(0.87, abs=0.02)
    assert dark.size > 0


def test_step_log_records_every_step_with_timings(batch: Path, tmp_path: Path) -> None:
    run_fix(
        [batch / "good.jpg"], tmp_path / "out", small_preset(), compare=False, services=SERVICES
    )
    log = json.loads((tmp_path / "out" / "good.steps.json").read_text())
    steps = [s["step"] for s in log["steps"]]
    assert steps == [
        "decode", "segment", "frame", "size", "reframe", "edges", "background", "encode",
    ]  # fmt: skip
    assert all(s["seconds"] >= 0 for s in log["steps"])
    segment = log["steps"][1]["results"]
    assert segment["method"] == "classical" and 0 < segment["confidence"] <= 1
    assert log["steps"][6]["results"]["background_purity"] == 1.0
    assert log["preset"] == "amazon-main@1.0.0"


def test_run_fix_never_modifies_the_original(batch: Path) -> None:
    # GIVEN the output folder is the input folder, so good.jpg would be overwritten
    source = batch / "good.jpg"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    # WHEN
    report = run_fix([source], batch, small_preset(), compare=False, services=SERVICES)
    # THEN the item fails with a clear reason and the original is untouched
    assert "refusing to overwrite the original" in report.failed[0]["error"]
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest


def test_fix_cli_json_summary_and_exit_code(batch: Path, tmp_path: Path) -> None:
    # GIVEN a preset file on disk (500 px keeps it quick)
    preset_file = tmp_path / "mine.yaml"
    preset_file.write_text(
        "name: mine\nversion: 1.0.0\nmarketplace: amazon\nrole: main\ndescription: d\n"
        "size: {width: 500, height: 500}\n"
    )
    # WHEN the CLI runs on the batch with --json
    result = CliRunner().invoke(
        app,
        ["fix", str(batch), "--out", str(tmp_path / "o"), "--preset", str(preset_file), "--json"],
    )
    # THEN it exits non-zero because items failed, and the JSON lists them all
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["processed"] == 1 and summary["failed"] == 3
    assert summary["preset"] == "mine@1.0.0"


def test_fix_cli_unknown_preset_is_a_usage_error(batch: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["fix", str(batch), "--out", str(tmp_path), "--preset", "x"])
    assert result.exit_code == 2
    assert "unknown preset 'x'" in result.output


def test_fix_all_with_marketplace_passes_the_gate(batch: Path, tmp_path: Path) -> None:
    # WHEN Fix All runs for Amazon MAIN on the good photo
    result = CliRunner().invoke(
        app,
        ["fix", str(batch / "good.jpg"), "--out", str(tmp_path / "o"), "--marketplace", "amazon",
         "--json", "--no-compare"],
    )  # fmt: skip
    # THEN the output passes the Compliance Gate
    assert result.exit_code == 0, result.output
    item = json.loads(result.stdout)["items"][0]
    assert item["passed"] is True and item["blocking"] == []


def test_segment_cli_writes_an_8_bit_matte_at_the_input_size(batch: Path, tmp_path: Path) -> None:
    # WHEN
    result = CliRunner().invoke(app, ["segment", str(batch / "good.jpg"), "--out", str(tmp_path)])
    # THEN
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "good.png") as matte:
        assert matte.mode == "L" and matte.size == (640, 480)
        values = np.asarray(matte)
    assert values[240, 200] == 255 and values[10, 10] == 0
