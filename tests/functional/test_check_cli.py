"""``pixellift check`` and ``pixellift rules`` end to end on images generated here."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
import typer
import yaml
from PIL import Image
from pixellift.cli.check_command import check
from pixellift.cli.rules_command import rules_app
from typer.testing import CliRunner

app = typer.Typer()
app.command()(check)
app.add_typer(rules_app, name="rules")
runner = CliRunner()
AS_OF = "2026-11-26"


def photo(side: int, background: int, fill: float) -> np.ndarray:
    rgb = np.full((side, side, 3), background, np.uint8)
    box = round(side * fill)
    start = (side - box) // 2
    rgb[start : start + box, start : start + box] = (150, 90, 40)
    return rgb


def save(path: Path, rgb: np.ndarray, fmt: str = "JPEG") -> Path:
    # A neutral folder: check takes the category from folder names when none is given.
    path.parent.mkdir(exist_ok=True)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, fmt, quality=92, dpi=(72, 72))
    path.write_bytes(buf.getvalue())
    return path


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return save(tmp_path / "shoot" / "good.jpg", photo(2000, 255, 0.87))


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    return save(tmp_path / "shoot" / "bad.jpg", photo(800, 240, 0.6))


def run(*args: str):
    return runner.invoke(app, [*args], env={"COLUMNS": "200"})


def test_check_passes_a_compliant_amazon_main_image(good):
    # GIVEN a 2000 x 2000 product on pure white filling 87% of the frame
    # WHEN checked against Amazon MAIN rules
    result = run(
        "check", str(good), "--marketplace", "amazon", "--role", "main", "--as-of", AS_OF, "--json"
    )

    # THEN it passes with exit code 0, and the rule-set version is recorded
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["passed"] is True
    assert report["decisions"][0]["ruleset"].startswith("amazon@1.0.0 main")


def test_check_fails_an_off_white_small_image_with_blockers(bad):
    # GIVEN an 800 x 800 product on off-white filling 60%
    # WHEN checked
    result = run("check", str(bad), "-m", "amazon", "--role", "main", "--as-of", AS_OF, "--json")

    # THEN it exits 1 and lists the blockers and warnings with their fixes
    assert result.exit_code == 1
    (decision,) = json.loads(result.stdout)["decisions"]
    found = {f["finding"]["rule_id"]: f for f in decision["findings"]}
    assert {r for r, f in found.items() if f["status"] == "blocking"} == {
        "AMAZON_MAIN_WHITE_BACKGROUND", "AMAZON_MAIN_PRODUCT_FILL",
    }  # fmt: skip
    assert found["AMAZON_ZOOM_MIN_LONGEST_SIDE"]["status"] == "reported"
    assert found["AMAZON_MAIN_WHITE_BACKGROUND"]["finding"]["fix"]["step"] == "background"


def test_check_prints_a_readable_fail_list(bad):
    # GIVEN the failing image
    # WHEN checked without --json
    result = run("check", str(bad), "-m", "amazon", "--as-of", AS_OF)

    # THEN the text names the verdict, the rules and the marketplace summary
    assert result.exit_code == 1
    assert "FAIL" in result.stdout
    assert "AMAZON_MAIN_WHITE_BACKGROUND" in result.stdout
    assert "amazon: 0 passed, 1 failed (2 blocking findings)" in result.stdout


def test_check_folder_writes_json_and_csv_reports_for_several_marketplaces(tmp_path, good, bad):
    # GIVEN a folder with a good and a bad image
    out = tmp_path / "reports"

    # WHEN checked against Amazon and Walmart with a report folder
    folder = str(good.parent)
    result = run(
        "check", folder, "-m", "amazon", "-m", "walmart", "--as-of", AS_OF, "--report", str(out)
    )

    # THEN it fails (one image is bad), and both reports cover 2 images x 2 marketplaces
    assert result.exit_code == 1
    report = json.loads((out / "report.json").read_text())
    assert len(report["decisions"]) == 4
    by_market = {s["marketplace"]: s for s in report["summary"]["by_marketplace"]}
    assert (by_market["amazon"]["passed"], by_market["walmart"]["passed"]) == (1, 1)
    rows = list(csv.DictReader(io.StringIO((out / "report.csv").read_text())))
    assert {r["marketplace"] for r in rows} == {"amazon", "walmart"}


def test_jewelry_category_applies_its_format_rule(tmp_path):
    # GIVEN a compliant product saved as PNG (Amazon's jewelry page does not list PNG)
    png = save(tmp_path / "shoot" / "ring.png", photo(2000, 255, 0.95), "PNG")

    # WHEN checked as jewelry and without a category
    jewelry = run(
        "check", str(png), "-m", "amazon", "--category", "Rings", "--as-of", AS_OF, "--json"
    )
    general = run("check", str(png), "-m", "amazon", "--as-of", AS_OF, "--json")

    # THEN only the jewelry check blocks on the format, and the category is recorded
    decision = json.loads(jewelry.stdout)["decisions"][0]
    assert (jewelry.exit_code, general.exit_code) == (1, 0)
    assert decision["category"] == "jewelry"
    assert [f["finding"]["rule_id"] for f in decision["findings"] if f["status"] == "blocking"] == [
        "AMAZON_FILE_FORMAT"
    ]


def test_documented_exception_lets_an_overridable_blocker_pass(tmp_path):
    # GIVEN an image that only fails the (overridable) fill rule, and an exception for it
    small = save(tmp_path / "shoot" / "vase.jpg", photo(2000, 255, 0.6))
    exceptions = tmp_path / "exceptions.yaml"
    exceptions.write_text(yaml.safe_dump([{
        "id": "EX-1", "rule_id": "AMAZON_MAIN_PRODUCT_FILL", "marketplace": "amazon",
        "who": "ops lead",
        "why": "tall vase", "scope": "image", "scope_value": str(small),
        "granted_on": "2026-11-01", "expires_on": "2026-12-31",
    }]))  # fmt: skip

    # WHEN checked with and without the exception
    without = run("check", str(small), "-m", "amazon", "--as-of", AS_OF)
    waived = run(
        "check",
        str(small),
        "-m",
        "amazon",
        "--as-of",
        AS_OF,
        "--exceptions",
        str(exceptions),
        "--json",
    )

    # THEN only the run with the exception passes, and the finding is marked waived
    assert (without.exit_code, waived.exit_code) == (1, 0)
    finding = json.loads(waived.stdout)["decisions"][0]["findings"][0]
    assert (finding["status"], finding["exception_id"]) == ("waived", "EX-1")


def test_unreadable_file_fails_alone(tmp_path, good):
    # GIVEN a good image and a corrupt one
    broken = good.parent / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")

    # WHEN both are checked
    result = run("check", str(good), str(broken), "-m", "amazon", "--as-of", AS_OF, "--json")

    # THEN the batch fails on the corrupt file only, naming it
    decisions = {Path(d["item"]["name"]).name: d for d in json.loads(result.stdout)["decisions"]}
    assert result.exit_code == 1
    assert decisions["good.jpg"]["passed"] is True
    assert decisions["broken.jpg"]["error"].startswith("broken.jpg:")


def test_unknown_marketplace_is_a_usage_error(good):
    # GIVEN a marketplace without a pack
    # WHEN checked
    result = run("check", str(good), "-m", "faire")

    # THEN exit code 2 with the known marketplaces
    assert result.exit_code == 2
    assert "no rule pack for marketplace 'faire'" in result.output


def test_rules_show_lists_a_pack_and_resolves_with_provenance():
    # GIVEN the Amazon pack
    # WHEN shown plainly and resolved for jewelry as JSON
    table = run("rules", "show", "amazon")
    resolved = run("rules", "show", "amazon", "--role", "main", "--category", "jewellery", "--json")

    # THEN the table lists rules and the resolution says which layer set each rule
    assert table.exit_code == 0 and "AMAZON_MAIN_WHITE_BACKGROUND" in table.stdout
    data = json.loads(resolved.stdout)
    layers = {r["rule"]["id"]: r["layer"] for r in data["rules"]}
    assert layers["AMAZON_MAIN_PRODUCT_FILL"] == "category"
    assert layers["AMAZON_MIN_LONGEST_SIDE"] == "marketplace"


def test_rules_diff_between_dates_and_files(tmp_path):
    # GIVEN Google's pack, and an edited copy of Amazon's as a file
    edited = yaml.safe_load(run("rules", "show", "amazon", "--json").stdout)
    edited["version"] = "1.1.0"
    edited["rules"] = [r for r in edited["rules"] if r["id"] != "AMAZON_MIN_DPI"]
    path = tmp_path / "amazon-next.yaml"
    path.write_text(yaml.safe_dump(edited))

    # WHEN diffed by date and against the file
    by_date = run(
        "rules", "diff", "google-merchant-center@2026-12-31", "google-merchant-center@2027-02-01"
    )
    by_file = run("rules", "diff", "amazon@1.0.0", str(path))

    # THEN both print readable change lists
    assert by_date.exit_code == 0 and "check.value: 100 → 500" in by_date.stdout
    assert by_file.exit_code == 0
    assert "- AMAZON_MIN_DPI" in by_file.stdout
    assert by_file.stdout.splitlines()[0] == "amazon@1.0.0 → amazon@1.1.0"


def test_check_with_content_decides_the_text_rule_with_the_guard(tmp_path, good, monkeypatch):
    # GIVEN the compliant image, and the same image with a caption on its white background
    from PIL import ImageDraw, ImageFont

    captioned = Image.open(good).convert("RGB")
    font_path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    font = ImageFont.truetype(str(font_path), 90) if font_path.exists() else None
    ImageDraw.Draw(captioned).text(
        (300, 40), "FREE SHIPPING", font=font or ImageFont.load_default(size=90), fill=(200, 0, 0)
    )
    marked = tmp_path / "shoot" / "marked.jpg"
    captioned.save(marked, quality=92, dpi=(72, 72))

    # WHEN both are checked with the Text Guard, and the captioned one without it
    with_guard = run("check", str(good), str(marked), "-m", "amazon", "--as-of", AS_OF,
                     "--content", "--json")  # fmt: skip
    without = run("check", str(marked), "-m", "amazon", "--as-of", AS_OF, "--json")

    # THEN the text rule passes the clean image, blocks the captioned one with the guard's
    # evidence, and without the guard it stays unchecked
    decisions = {
        Path(d["item"]["name"]).name: d for d in json.loads(with_guard.stdout)["decisions"]
    }
    assert with_guard.exit_code == 1
    assert "AMAZON_MAIN_NO_TEXT" not in {u["rule_id"] for u in decisions["good.jpg"]["unchecked"]}
    assert decisions["good.jpg"]["passed"] is True
    blocking = {
        f["finding"]["rule_id"]: f["finding"]
        for f in decisions["marked.jpg"]["findings"]
        if f["status"] == "blocking"
    }
    assert "AMAZON_MAIN_NO_TEXT" in blocking
    evidence = blocking["AMAZON_MAIN_NO_TEXT"]["evidence"]
    assert any("SHIPPING" in (e.get("text") or "").upper() for e in evidence)
    plain = json.loads(without.stdout)["decisions"][0]
    assert "AMAZON_MAIN_NO_TEXT" in {u["rule_id"] for u in plain["unchecked"]}
