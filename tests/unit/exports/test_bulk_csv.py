"""Bulk templates: documented columns, one listing per SKU, row-level validation."""

from __future__ import annotations

import pytest
from pixellift.core.errors import BulkTemplateError
from pixellift.core.exports.bulk_checks import validate_rows
from pixellift.core.exports.bulk_csv import COLUMNS, ListingImage, build_sheet, read_csv

BASE = "https://cdn.example.com/shop"


def listing(sku: str = "MUG-1", alternates: int = 3, **extra: str) -> list[ListingImage]:
    images = [ListingImage(sku, "main", f"r/{sku}/main.jpg")]
    images += [
        ListingImage(sku, "alternate", f"r/{sku}/alt{i}.jpg", position=i)
        for i in range(1, alternates + 1)
    ]
    images += [ListingImage(sku, role, f"r/{sku}/{role}.jpg") for role in extra.values()]
    return images


def test_amazon_fills_main_others_and_swatch() -> None:
    sheet = build_sheet("amazon", listing(swatch="swatch"), base_url=BASE)
    (row,) = read_csv(sheet.to_csv())
    assert list(row) == list(COLUMNS["amazon"])
    assert row["main_image_url"] == f"{BASE}/r/MUG-1/main.jpg"
    assert row["other_image_url3"] == f"{BASE}/r/MUG-1/alt3.jpg"
    assert row["other_image_url4"] == ""
    assert row["swatch_image_url"] == f"{BASE}/r/MUG-1/swatch.jpg"
    assert sheet.ok


def test_amazon_takes_eight_alternates_and_says_so() -> None:
    sheet = build_sheet("amazon", listing(alternates=10), base_url=BASE)
    assert sheet.rows[0]["other_image_url8"].endswith("alt8.jpg")
    assert any("10 alternate images; the template takes 8" in i.message for i in sheet.issues)


def test_missing_main_image_is_a_row_error() -> None:
    images = [ListingImage("A", "main", "a.jpg"), ListingImage("B", "alternate", "b.jpg")]
    sheet = build_sheet("google", images, base_url=BASE)
    assert not sheet.ok
    (issue,) = [i for i in sheet.issues if i.severity == "error"]
    assert (issue.row, issue.sku) == (3, "B")
    assert "image_link is empty" in issue.message


def test_shopify_writes_one_row_per_image_with_positions_and_variant_links() -> None:
    images = [
        ListingImage("Tee 9", "main", "t/main.jpg"),
        ListingImage("Tee 9", "swatch", "t/blue.jpg", colour="blue", size="XL"),
    ]
    rows = read_csv(build_sheet("shopify", images, base_url=BASE).to_csv())
    assert [(r["Handle"], r["Image Position"]) for r in rows] == [("tee-9", "1"), ("tee-9", "2")]
    assert rows[1]["Variant SKU"] == "Tee 9-blue-XL"
    assert rows[1]["Variant Image"] == rows[1]["Image Src"]
    assert rows[0]["Image Alt Text"] == "Tee 9 main"


def test_shopify_variant_image_must_belong_to_the_handle() -> None:
    rows = [
        {
            "Handle": "a",
            "Image Src": f"{BASE}/a.jpg",
            "Image Position": "1",
            "Variant SKU": "a-red",
            "Variant Image": f"{BASE}/zzz.jpg",
        },
        {
            "Handle": "a",
            "Image Src": f"{BASE}/b.jpg",
            "Image Position": "1",
            "Variant SKU": "",
            "Variant Image": f"{BASE}/b.jpg",
        },
    ]
    messages = [str(i) for i in validate_rows("shopify", rows)]
    assert any("row 2 (a)" in m and "is not an image of handle 'a'" in m for m in messages)
    assert any("row 3 (a)" in m and "Image Position 1 is used twice" in m for m in messages)
    assert any("row 3 (a)" in m and "Variant SKU is empty" in m for m in messages)


def test_ebay_joins_urls_with_pipes_and_wants_https() -> None:
    sheet = build_sheet("ebay", listing(alternates=1), base_url="http://cdn.example.com")
    assert sheet.rows[0]["Item photo URL"].count("|") == 1
    assert any("HTTPS only" in i.message for i in sheet.issues)


def test_ebay_caps_pictures_at_24() -> None:
    sheet = build_sheet("ebay", listing(alternates=30), base_url=BASE)
    assert sheet.rows[0]["Item photo URL"].count("|") == 23


def test_walmart_lists_secondaries_and_checks_url_rules() -> None:
    rows = read_csv(build_sheet("walmart", listing(alternates=2), base_url=BASE).to_csv())
    assert rows[0]["productSecondaryImageURL"].split(",")[1].endswith("alt2.jpg")
    bad = [{"sku": "A", "mainImageUrl": f"{BASE}/a.jpg?v=2", "productSecondaryImageURL": ""}]
    messages = [i.message for i in validate_rows("walmart", bad)]
    assert any("without a query" in m for m in messages)
    assert any("asks for 2" in m for m in messages)


def test_google_caps_additional_images_and_fills_lifestyle() -> None:
    sheet = build_sheet("google", listing(alternates=12, life="lifestyle"), base_url=BASE)
    row = sheet.rows[0]
    assert len(row["additional_image_link"].split(",")) == 10
    assert row["lifestyle_image_link"].endswith("lifestyle.jpg")


def test_relative_paths_are_kept_and_absolute_ones_flagged() -> None:
    sheet = build_sheet("amazon", listing(alternates=0), base_url=None)
    assert sheet.rows[0]["main_image_url"] == "r/MUG-1/main.jpg"
    assert sheet.ok
    rows = [{"item_sku": "A", "main_image_url": "/abs/a.jpg"}]
    assert "absolute path" in str(validate_rows("amazon", rows, relative=True)[0])


def test_missing_columns_are_reported_on_the_header_row() -> None:
    (issue,) = validate_rows("amazon", [{"sku": "A", "image": "x"}])
    assert (issue.row, issue.message) == (1, "missing columns: item_sku, main_image_url")


def test_urls_are_percent_encoded_under_the_base() -> None:
    sheet = build_sheet("amazon", [ListingImage("A", "main", "r/A b/ü.jpg")], base_url=BASE + "/")
    assert sheet.rows[0]["main_image_url"] == f"{BASE}/r/A%20b/%C3%BC.jpg"


@pytest.mark.parametrize("base", ["ftp://x.io", "https://x.io/p?a=1", "cdn.example.com"])
def test_bad_base_urls_are_refused(base: str) -> None:
    with pytest.raises(BulkTemplateError, match="expected http"):
        build_sheet("amazon", listing(), base_url=base)


def test_unknown_template_is_refused() -> None:
    with pytest.raises(BulkTemplateError, match="use amazon, shopify, ebay, walmart, google"):
        build_sheet("etsy", listing())  # type: ignore[arg-type]
