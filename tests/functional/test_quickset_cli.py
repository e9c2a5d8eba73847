"""``pixellift quickset`` on real photos: layout, manifest, gate, XMP, ZIP, idempotent re-runs."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer
from pixellift.cli import quickset_command
from pixellift.cli.check_command import CheckOptions, load_packs, run_check
from pixellift.cli.quickset_command import quickset
from pixellift.core.exports.pack import PackServices
from pixellift.core.exports.xmp import read_record
from pixellift.core.policy.schema import Role
from typer.testing import CliRunner, Result

pytestmark = pytest.mark.functional

SAMPLES = Path(__file__).parents[2] / "samples"
CHANNELS = ("amazon", "tiktok-shop", "etsy")

Pack = tuple[Path, dict[str, Any], Result]

app = typer.Typer()
app.command()(quickset)


@pytest.fixture(autouse=True)
def _classical(monkeypatch: pytest.MonkeyPatch) -> None:
    """No model download or load: the plain-background and cut-out samples need none."""
    monkeypatch.setattr(quickset_command, "_services", lambda: PackServices(None, 60_000_000))


def _shoot(root: Path) -> Path:
    shoot = root / "shoot"
    (shoot / "BOTTLE-7").mkdir(parents=True)
    shutil.copy(SAMPLES / "bottle-white-sweep.jpg", shoot / "BOTTLE-7" / "front.jpg")
    shutil.copy(SAMPLES / "ring-cutout.png", shoot / "RING-2_main.png")
    shutil.copy(SAMPLES / "necklace-on-table.webp", shoot / "RING-2_back.webp")
    (shoot / "BROKEN-1_main.jpg").write_bytes(b"\xff\xd8not really a jpeg")
    return shoot


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Pack:
    root = tmp_path_factory.mktemp("qs")
    shoot = _shoot(root)
    mp = pytest.MonkeyPatch()
    mp.setattr(quickset_command, "_services", lambda: PackServices(None, 60_000_000))
    args = [str(shoot), "--channels", ",".join(CHANNELS), "--out", str(root / "out")]
    args += ["--variants", "3", "--weights", "50,30,20", "--zip", "--seed", "4"]
    result = CliRunner().invoke(app, args)
    mp.undo()
    (run_dir,) = [p for p in (root / "out").iterdir() if p.is_dir()]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    return run_dir, manifest, result


@pytest.mark.slow
def test_layout_is_run_sku_channel(pack: Pack) -> None:
    run_dir, manifest, _ = pack
    written = [e for e in manifest["entries"] if e["action"] != "blocked"]
    assert {e["sku"] for e in written} == {"BOTTLE-7", "RING-2"}
    for e in written:
        assert e["path"].startswith(f"{manifest['run_id']}/{e['sku']}/{e['channel']}/")
        assert (run_dir.parent / e["path"]).is_file()
    # each channel: 3 main variants + square, portrait and vertical
    per_channel = {(e["sku"], e["channel"]) for e in written}
    assert len(per_channel) == 6
    assert len(written) == 6 * 6


@pytest.mark.slow
def test_variants_carry_tags_and_weights_in_names_and_manifest(
    pack: Pack,
) -> None:
    _, manifest, _ = pack
    mains = [e for e in manifest["entries"] if e["slot"] == "main"]
    assert {(e["ab_tag"], e["weight"]) for e in mains} == {("A", 50), ("B", 30), ("C", 20)}
    for e in mains:
        assert e["path"].endswith(f"_main_{e['ab_tag']}{e['weight']}.jpg")
        assert e["settings"]["variant"]["tag"] == e["ab_tag"]
    assert [v["tag"] for v in manifest["variants"]] == ["A", "B", "C"]


@pytest.mark.slow
def test_every_exported_image_passes_an_independent_check(pack: Pack) -> None:
    run_dir, manifest, _ = pack
    for channel in CHANNELS:
        for role, slots in (
            (Role.MAIN, {"main"}),
            (Role.SECONDARY, {"square", "portrait", "vertical"}),
        ):
            files = [
                run_dir.parent / e["path"]
                for e in manifest["entries"]
                if e["channel"] == channel and e["slot"] in slots and e["path"]
            ]
            options = CheckOptions(packs=load_packs([channel]), role=role, on=date.today())
            batch = run_check(files, options)
            assert batch.passed, [d.findings for d in batch.decisions if not d.passed]


@pytest.mark.slow
def test_every_exported_image_carries_its_compliance_record(
    pack: Pack,
) -> None:
    run_dir, manifest, _ = pack
    for e in manifest["entries"]:
        if not e["path"]:
            continue
        record = read_record((run_dir.parent / e["path"]).read_bytes())
        assert record is not None
        assert (record.ruleset_version, record.preset, record.passed) == (
            e["ruleset_version"],
            e["preset"],
            True,
        )
        assert record.fill == e["fill"] and record.sku == e["sku"] and record.ab_tag == e["ab_tag"]


@pytest.mark.slow
def test_manifest_csv_matches_the_json(pack: Pack) -> None:
    run_dir, manifest, _ = pack
    with (run_dir / "manifest.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(manifest["entries"])
    assert {r["path"] for r in rows} == {e["path"] for e in manifest["entries"]}
    assert all(r["ruleset_digest"] and r["preset_version"] for r in rows)


@pytest.mark.slow
def test_bad_and_unused_sources_are_reported_and_the_run_exits_1(
    pack: Pack,
) -> None:
    _, manifest, result = pack
    assert result.exit_code == 1
    (failure,) = manifest["failures"]
    assert failure["sku"] == "BROKEN-1" and "BROKEN-1_main.jpg" in failure["error"]
    assert manifest["unused_sources"] == ["RING-2_back.webp (alternate of RING-2)"]


@pytest.mark.slow
def test_zip_holds_the_run(pack: Pack) -> None:
    run_dir, manifest, _ = pack
    with zipfile.ZipFile(run_dir.parent / f"{manifest['run_id']}.zip") as zf:
        names = set(zf.namelist())
    expected = {e["path"] for e in manifest["entries"] if e["path"]}
    assert (
        expected | {f"{manifest['run_id']}/manifest.json", f"{manifest['run_id']}/manifest.csv"}
        == names
    )


@pytest.mark.slow
def test_rerun_keeps_names_and_overwrites(tmp_path: Path) -> None:
    shoot = tmp_path / "in"
    shoot.mkdir()
    shutil.copy(SAMPLES / "bottle-white-sweep.jpg", shoot / "BOTTLE-7_main.jpg")
    args = [str(shoot), "--channels", "ebay", "--out", str(tmp_path / "out")]
    first = CliRunner().invoke(app, args)
    second = CliRunner().invoke(app, args)
    assert first.exit_code == second.exit_code == 0, first.output
    (run_dir,) = list((tmp_path / "out").iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert {e["action"] for e in manifest["entries"]} == {"overwrite"}
    assert len(list(run_dir.rglob("*.jpg"))) == len(manifest["entries"]) == 4


@pytest.mark.slow
def test_amazon_convention_names(tmp_path: Path) -> None:
    shoot = tmp_path / "in"
    shoot.mkdir()
    shutil.copy(SAMPLES / "bottle-white-sweep.jpg", shoot / "B0CX23V2ZK_main.jpg")
    shutil.copy(SAMPLES / "ring-cutout.png", shoot / "MUG-1_main.png")
    args = [str(shoot), "--channels", "amazon", "--out", str(tmp_path / "out"), "--amazon-names"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    names = sorted(p.name for p in (tmp_path / "out").rglob("*.jpg"))
    assert names == [f"B0CX23V2ZK.{s}.jpg" for s in ("MAIN", "PT01", "PT02", "PT03")]
    assert "SKU MUG-1 cannot be an Amazon file name" in result.output


def test_near_miss_weights_get_a_normalisation_offer(tmp_path: Path) -> None:
    args = [str(tmp_path), "--out", str(tmp_path / "o"), "--variants", "3", "--weights", "50,30,21"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "--weights 49,30,21" in result.output.replace("\n", "")


def test_unknown_channel_is_refused_by_name(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "ring-cutout.png", tmp_path / "RING-2_main.png")
    args = [str(tmp_path), "--channels", "amazon,ebey", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "unknown channel(s) ebey; use amazon, tiktok-shop" in " ".join(result.output.split())
