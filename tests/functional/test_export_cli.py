"""``pixellift export``: bulk sheets read back with a CSV reader, checked against each
marketplace's documented column set (shared/reference/marketplace_policies.md)."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from pixellift.cli import quickset_command
from pixellift.cli.export_command import export
from pixellift.cli.quickset_command import quickset
from pixellift.core.exports.manifest import ManifestEntry, QuickSetManifest
from pixellift.core.exports.pack import PackServices
from typer.testing import CliRunner

pytestmark = pytest.mark.functional

SAMPLES = Path(__file__).parents[2] / "samples"
BASE = "https://cdn.example.com/packs"

# Image columns as each marketplace documents them.
DOCUMENTED = {
    "amazon": ["item_sku", "main_image_url"]
    + [f"other_image_url{i}" for i in range(1, 9)]
    + ["swatch_image_url"],
    "shopify": [
        "Handle",
        "Image Src",
        "Image Position",
        "Image Alt Text",
        "Variant SKU",
        "Variant Image",
    ],
    "ebay": ["Custom label (SKU)", "Item photo URL"],
    "walmart": ["sku", "mainImageUrl", "productSecondaryImageURL"],
    "google": ["id", "image_link", "additional_image_link", "lifestyle_image_link"],
}

app = typer.Typer()
app.command()(export)
app.command()(quickset)


def _entry(sku: str, slot: str, tag: str = "", passed: bool = True) -> ManifestEntry:
    path = f"run1/{sku}/amazon/{sku}_{slot}{tag}.jpg" if passed else ""
    return ManifestEntry(
        key=f"{sku}/amazon/{slot}/{tag or '-'}",
        sku=sku,
        source=f"{sku}.jpg",
        channel="amazon",
        slot=slot,
        role="main" if slot == "main" else "secondary",
        ab_tag=tag,
        weight=None,
        path=path,
        action="write" if passed else "blocked",
        passed=passed,
        fill=0.87,
        width=2000,
        height=2000,
        bytes=1000,
        preset="amazon-main@1.0.0",
        preset_version="1.0.0",
        ruleset="amazon@1.0.0 main",
        ruleset_version="1.0.0",
        ruleset_digest="d",
        settings={},
    )


@pytest.fixture
def manifest_file(tmp_path: Path) -> Path:
    entries = [
        _entry("MUG-1", "main", "A"),
        _entry("MUG-1", "main", "B"),
        _entry("MUG-1", "square"),
        _entry("MUG-1", "vertical"),
        _entry("CUP-2", "main", "A", passed=False),
        _entry("CUP-2", "square"),
    ]
    manifest = QuickSetManifest(
        run_id="run1",
        created=datetime(2026, 11, 26, tzinfo=UTC),
        destination=str(tmp_path),
        channels=("amazon",),
        name_template="{sku}_{variant}{ab_tag}",
        folder_template="{run_id}/{sku}/{channel}",
        entries=tuple(entries),
    )
    run = tmp_path / "run1"
    run.mkdir()
    (run / "manifest.json").write_text(manifest.to_json())
    return run / "manifest.json"


def _sheet(output: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(
        io.StringIO(output[: output.find("\n  ")] if "\n  " in output else output)
    )
    rows = list(reader)
    return list(reader.fieldnames or []), rows


@pytest.mark.parametrize("template", list(DOCUMENTED))
def test_each_template_has_the_documented_columns(
    template: str, manifest_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / f"{template}.csv"
    result = CliRunner().invoke(
        app,
        [
            "export",
            str(manifest_file),
            "--template",
            template,
            "--base-url",
            BASE,
            "--out",
            str(out),
        ],
    )
    with out.open(newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == DOCUMENTED[template]
    # MUG-1 is complete; CUP-2's main image was blocked by the gate, so its row is an error
    said = " ".join(result.output.split())
    assert result.exit_code == 1
    assert "(CUP-2): error:" in said and "main image" in said
    urls = " ".join(v for r in rows for v in r.values())
    assert f"{BASE}/run1/MUG-1/amazon/MUG-1_mainA.jpg" in urls
    assert "mainB" not in urls


def test_amazon_rows_put_main_then_the_formats(manifest_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    CliRunner().invoke(
        app,
        [
            "export",
            str(manifest_file.parent),
            "--template",
            "amazon",
            "--relative",
            "--out",
            str(out),
        ],
    )
    with out.open(newline="") as f:
        rows = {r["item_sku"]: r for r in csv.DictReader(f)}
    mug = rows["MUG-1"]
    assert mug["main_image_url"] == "run1/MUG-1/amazon/MUG-1_mainA.jpg"
    assert mug["other_image_url1"].endswith("MUG-1_square.jpg")
    assert mug["other_image_url2"].endswith("MUG-1_vertical.jpg")
    assert rows["CUP-2"]["main_image_url"] == ""


def test_variant_b_sheet_lists_the_b_main_image(manifest_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.csv"
    CliRunner().invoke(
        app,
        [
            "export",
            str(manifest_file),
            "--template",
            "ebay",
            "--relative",
            "--variant",
            "b",
            "--out",
            str(out),
        ],
    )
    with out.open(newline="") as f:
        rows = {r["Custom label (SKU)"]: r for r in csv.DictReader(f)}
    assert rows["MUG-1"]["Item photo URL"].split("|")[0].endswith("MUG-1_mainB.jpg")


def test_base_url_or_relative_must_be_chosen(manifest_file: Path) -> None:
    result = CliRunner().invoke(app, ["export", str(manifest_file), "--template", "amazon"])
    assert result.exit_code == 2
    assert "exactly one of --base-url URL or --relative" in result.output


def test_channel_missing_from_the_manifest_is_explained(manifest_file: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["export", str(manifest_file), "--template", "amazon", "--relative", "--channel", "etsy"],
    )
    assert result.exit_code == 2
    assert "has no 'etsy' images; choose one of amazon" in result.output.replace("\n", " ")


def test_folder_of_images_is_mapped_by_automap(tmp_path: Path) -> None:
    # GIVEN a seller's folder: names carry SKU, colour, size and role
    shop = tmp_path / "shop"
    (shop / "TEE-9").mkdir(parents=True)
    for name in ("TEE-9_main.jpg", "TEE-9_blue_XL_swatch.jpg", "TEE-9_back.jpg"):
        shutil.copy(SAMPLES / "bottle-white-sweep.jpg", shop / "TEE-9" / name)
    # WHEN a Shopify sheet is made with relative paths
    result = CliRunner().invoke(app, ["export", str(shop), "--template", "shopify", "--relative"])
    assert result.exit_code == 0, result.output
    fields, rows = _sheet(result.stdout)
    # THEN one row per image, main first, the swatch linked to its variant
    assert fields == DOCUMENTED["shopify"]
    assert [r["Image Src"] for r in rows] == [
        "TEE-9/TEE-9_main.jpg",
        "TEE-9/TEE-9_back.jpg",
        "TEE-9/TEE-9_blue_XL_swatch.jpg",
    ]
    assert (
        rows[2]["Variant SKU"] == "TEE-9-blue-XL"
        and rows[2]["Variant Image"] == rows[2]["Image Src"]
    )


@pytest.mark.slow
def test_quickset_then_export_gives_a_valid_walmart_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quickset_command, "_services", lambda: PackServices(None, 60_000_000))
    shoot = tmp_path / "in"
    shoot.mkdir()
    shutil.copy(SAMPLES / "bottle-white-sweep.jpg", shoot / "BOTTLE-7_main.jpg")
    made = CliRunner().invoke(
        app, ["quickset", str(shoot), "--channels", "walmart", "--out", str(tmp_path / "out")]
    )
    assert made.exit_code == 0, made.output
    (run,) = list((tmp_path / "out").iterdir())
    result = CliRunner().invoke(
        app, ["export", str(run), "--template", "walmart", "--base-url", BASE]
    )
    assert result.exit_code == 0, result.output
    fields, rows = _sheet(result.stdout)
    assert fields == DOCUMENTED["walmart"]
    (row,) = rows
    assert row["mainImageUrl"] == f"{BASE}/{run.name}/BOTTLE-7/walmart/BOTTLE-7_walmart_main.jpg"
    assert row["productSecondaryImageURL"].endswith("BOTTLE-7_walmart_square.jpg")
