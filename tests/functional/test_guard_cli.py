"""``pixellift guard`` on real files: JSON records, annotated images, errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from PIL import Image, ImageDraw, ImageFont
from pixellift.cli.guard_command import GuardRuntime, guard, run_guard
from pixellift.core.guard.inspect import GuardServices
from pixellift.core.guard.profiles import Action, guard_policy
from typer.testing import CliRunner

pytestmark = pytest.mark.functional
pytest.importorskip("rapidocr_onnxruntime", reason="RapidOCR is not installed")
from pixellift.adapters.local.code_reader import ZxingCodeReader  # noqa: E402
from pixellift.adapters.local.rapid_ocr import RapidOcrReader  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def _font(size: int):
    return (
        ImageFont.truetype(str(DEJAVU), size)
        if DEJAVU.exists()
        else ImageFont.load_default(size=size)
    )


@pytest.fixture(scope="module")
def runtime() -> GuardRuntime:
    ocr = RapidOcrReader()
    ocr.engine()
    return GuardRuntime(GuardServices(ocr=ocr, codes=ZxingCodeReader()), None, 50_000_000)


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    photo = Image.open(SAMPLES / "bottle-white-sweep.jpg").convert("RGB")
    photo.save(folder / "clean.jpg", quality=92)
    draw = ImageDraw.Draw(photo)
    draw.text((60, 60), "FREE SHIPPING", font=_font(60), fill=(200, 20, 20))
    draw.text((60, 1450), "www.bestshop.com", font=_font(48), fill=(0, 0, 0))
    photo.save(folder / "marked.jpg", quality=92)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return folder


def test_guard_reports_json_per_input_and_keeps_going_past_a_broken_file(
    batch, tmp_path, runtime, capsys
):
    # GIVEN a clean photo, a photo with a caption and a web address, and a broken file
    out = tmp_path / "out"

    # WHEN the batch is guarded for Amazon main images with JSON output
    results = run_guard([batch], guard_policy("amazon", "main"), out, as_json=True, runtime=runtime)

    # THEN each input has a record, the broken one an error, and the marked one fails
    records = {
        Path(r["file"]).name: r for r in map(json.loads, capsys.readouterr().out.splitlines())
    }
    assert set(records) == {"broken.jpg", "clean.jpg", "marked.jpg"}
    assert records["broken.jpg"]["decision"] == "error"
    assert records["clean.jpg"]["decision"] == "pass"
    assert records["clean.jpg"]["findings"] == []
    marked = records["marked.jpg"]
    assert marked["decision"] == "fail"
    classes = {(f["class"], f["text"]) for f in marked["findings"]}
    assert ("url", "www.bestshop.com") in classes
    assert any(c == "overlay_text" and "SHIPPING" in (t or "") for c, t in classes)
    assert all(len(f["box"]) == 4 and 0 <= f["confidence"] <= 1 for f in marked["findings"])
    assert sorted(results, key=str) == sorted([None, Action.PASS, Action.FAIL], key=str)
    # AND an annotated image is written per readable input
    assert sorted(p.name for p in out.iterdir()) == ["clean-guard.jpg", "marked-guard.jpg"]
    annotated = np.asarray(Image.open(out / "marked-guard.jpg"))
    assert annotated.shape == (1600, 1200, 3)


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(guard)
    app.command("noop")(lambda: None)
    return app


def test_guard_command_refuses_an_unknown_marketplace_with_exit_code_2(batch, tmp_path):
    # WHEN the command names a marketplace without a profile
    result = CliRunner().invoke(
        _app(), ["guard", str(batch), "-m", "nowhere", "--out", str(tmp_path)]
    )

    # THEN it stops before reading any photo, with usage exit code 2
    assert result.exit_code == 2
    assert "guard profile 'nowhere' is unknown" in result.output


def test_guard_command_refuses_a_malformed_allowed_region(batch, tmp_path):
    result = CliRunner().invoke(
        _app(), ["guard", str(batch), "--allow-region", "0,0,2", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "must be x0,y0,x1,y1" in result.output


@pytest.mark.model
def test_guard_command_exits_1_when_a_photo_fails(batch, tmp_path):
    # WHEN the command runs on the batch with the configured models
    result = CliRunner().invoke(
        _app(), ["guard", str(batch / "marked.jpg"), "--json", "--out", str(tmp_path)]
    )

    # THEN the record says fail and the exit code is 1
    assert result.exit_code == 1, result.output
    record = json.loads(result.stdout.splitlines()[-1])
    assert record["decision"] == "fail"


def test_guard_clean_writes_a_cleaned_variant_and_keeps_the_original(
    batch, tmp_path, runtime, capsys
):
    # GIVEN the photo with a caption and a web address on its backdrop
    marked = batch / "marked.jpg"
    before = marked.read_bytes()
    out = tmp_path / "out"

    # WHEN it is guarded with --clean
    run_guard([marked], guard_policy("amazon", "main"), out, clean=True, runtime=runtime)

    # THEN a cleaned PNG sits beside the annotated image, the original file is untouched,
    # and the caption's pixels are gone from the cleaned variant
    assert marked.read_bytes() == before
    cleaned = np.asarray(Image.open(out / "marked-clean.png").convert("RGB")).astype(int)
    original = np.asarray(Image.open(marked).convert("RGB")).astype(int)
    caption = (slice(60, 130), slice(60, 520))  # where "FREE SHIPPING" was drawn
    red = (original[caption][..., 0] - original[caption][..., 1]) > 100
    assert red.sum() > 500
    assert ((cleaned[caption][..., 0] - cleaned[caption][..., 1]) > 100).sum() < red.sum() * 0.05
    capsys.readouterr()
