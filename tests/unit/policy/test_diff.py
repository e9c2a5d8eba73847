"""Human-readable diffs between pack versions, and one pack on two dates."""

from __future__ import annotations

from datetime import date
from importlib import resources

import yaml
from pixellift.core.policy.diff import diff_packs, render_diff
from pixellift.core.policy.loader import load_pack, parse_pack

AMAZON_TEXT = resources.files("pixellift.core.policy.packs").joinpath("amazon.yaml").read_text()


def amazon_next_version():
    """Amazon 1.1.0: fill 85% → 80%, DPI rule removed, an advice rule added, jewelry TIFF gone."""
    data = yaml.safe_load(AMAZON_TEXT)
    data["version"] = "1.1.0"
    fill = next(r for r in data["rules"] if r["id"] == "AMAZON_MAIN_PRODUCT_FILL")
    fill["check"]["value"] = 0.8
    fill["severity"] = "warning"
    fill["examples"] = {
        "passing": [{"longest_side_fill": 0.8}],
        "failing": [{"longest_side_fill": 0.79}],
    }
    data["rules"] = [r for r in data["rules"] if r["id"] != "AMAZON_MIN_DPI"]
    new = dict(data["rules"][0], id="AMAZON_NEW_ADVICE", title="New advice", severity="advice")
    data["rules"].append(new)
    jewelry_format = data["categories"]["jewelry"][1]
    jewelry_format["check"]["value"] = ["JPEG", "GIF"]
    return parse_pack(yaml.safe_dump(data, sort_keys=False), "amazon@1.1.0.yaml")


def test_diff_lists_added_removed_and_changed_rules():
    # GIVEN Amazon 1.0.0 and a changed 1.1.0
    old, new = load_pack("amazon"), amazon_next_version()

    # WHEN diffed
    changes = {(c.kind, c.rule_id, c.where): c for c in diff_packs(old, new).changes}

    # THEN each change is found, with field-level before and after values
    fill = changes[("changed", "AMAZON_MAIN_PRODUCT_FILL", "baseline")]
    assert [(f.field, f.before, f.after) for f in fill.fields] == [
        ("check.value", 0.85, 0.8),
        ("severity", "blocker", "warning"),
    ]
    assert ("removed", "AMAZON_MIN_DPI", "baseline") in changes
    assert ("added", "AMAZON_NEW_ADVICE", "baseline") in changes
    jewelry = changes[("changed", "AMAZON_FILE_FORMAT", "category:jewelry")]
    assert [(f.field, f.after) for f in jewelry.fields] == [("check.value", ["JPEG", "GIF"])]
    assert len(changes) == 4


def test_rendered_diff_is_readable_text():
    # GIVEN the same two versions
    # WHEN the diff is rendered
    text = render_diff(diff_packs(load_pack("amazon"), amazon_next_version()))

    # THEN it reads as a change list with a tally
    lines = text.splitlines()
    assert lines[0] == "amazon@1.0.0 → amazon@1.1.0"
    assert "~ AMAZON_MAIN_PRODUCT_FILL (warning, main: Product fills 85% of the frame)" in lines
    assert "    check.value: 0.85 → 0.8" in lines
    assert "- AMAZON_MIN_DPI (warning, main/secondary: Minimum resolution tag)" in lines
    assert (
        "~ AMAZON_FILE_FORMAT [category:jewelry] (overrides: Amazon's Jewelry page lists JPEG, "
        "TIFF and GIF (JPEG preferred); PNG is not listed.)" in lines
    )
    assert "    check.value: [JPEG, TIFF, GIF] → [JPEG, GIF]" in lines
    assert lines[-1] == "4 rule changes: 1 added, 1 removed, 2 changed"


def test_diff_of_one_pack_on_two_dates_shows_the_dated_version():
    # GIVEN Google's pack before and after the 2027-01-31 minimum-size change
    google = load_pack("google-merchant-center")

    # WHEN diffed by date
    text = render_diff(
        diff_packs(google, google, old_on=date(2026, 12, 31), new_on=date(2027, 2, 1))
    )

    # THEN the minimum size is shown going from 100 to 500 px, and the apparel override ends
    assert (
        text.splitlines()[0]
        == "google-merchant-center@1.0.0 on 2026-12-31 → google-merchant-center@1.0.0 on 2027-02-01"
    )
    assert "    check.value: 100 → 500" in text
    assert "- GOOGLE_MAIN_MIN_SIZE [category:apparel]" in text


def test_identical_packs_have_no_changes():
    # GIVEN a pack and itself
    # WHEN diffed
    # THEN nothing changed
    assert render_diff(diff_packs(load_pack("etsy"), load_pack("etsy"))).endswith("no rule changes")
