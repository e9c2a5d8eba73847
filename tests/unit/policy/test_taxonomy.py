"""Category IQ: free-text categories, folder names, CSV values and SKU maps → canonical ids."""

from __future__ import annotations

import pytest
from pixellift.core.policy.taxonomy import CATEGORIES, assign_category, normalise_category


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jewelry", "jewelry"),
        ("JEWELLERY", "jewelry"),
        ("Clothing, Shoes & Jewelry > Women > Jewelry > Rings", "jewelry"),
        ("Clothing, Shoes & Jewelry > Women > Shoes > Boots", "shoes"),
        ("Clothing, Shoes & Jewelry > Women > Clothing > Dresses", "apparel"),
        ("Home & Kitchen > Cookware", "home"),
        ("02_necklaces", "jewelry"),
        ("mens-sneakers", "shoes"),
        ("Women's T-Shirts", "apparel"),
        ("Jewelry & Watches > Fine Jewelry > Earrings", "jewelry"),
        ("Beauty & Personal Care", "beauty"),
        ("Collectibles/Coins", "collectibles"),
        ("books_media", "books_media"),
        ("Bébé chaussures", None),
        ("misc", None),
    ],
)
def test_normalise_category_maps_free_text_to_canonical_ids(raw, expected):
    # GIVEN a category as sellers write it
    # WHEN it is normalised
    category, _ = normalise_category(raw)

    # THEN the canonical id comes out (or None when nothing is recognised)
    assert category == expected
    assert category is None or category in CATEGORIES


def test_ambiguous_segment_is_skipped_with_a_note():
    # GIVEN a browse path whose only segment names three categories
    # WHEN it is normalised
    category, notes = normalise_category("Clothing, Shoes & Jewelry")

    # THEN nothing resolves and the note lists the candidates
    assert category is None
    assert notes == ("'clothing, shoes and jewelry' is ambiguous: apparel, jewelry, shoes",)


def test_explicit_category_wins_over_csv_sku_and_folder():
    # GIVEN every kind of input, each naming a different category
    # WHEN the category is assigned
    a = assign_category(
        explicit="shoes", csv_value="Jewelry", sku="S1", sku_map={"S1": "Apparel"}, folder="bags"
    )

    # THEN the explicit field wins and its source is stored
    assert (a.category, a.source, a.raw) == ("shoes", "explicit", "shoes")


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (
            {"csv_value": "Rings", "sku": "S1", "sku_map": {"S1": "Apparel"}, "folder": "bags"},
            ("jewelry", "csv"),
        ),
        ({"sku": "S1", "sku_map": {"S1": "Apparel"}, "folder": "bags"}, ("apparel", "sku_map")),
        ({"sku": "S2", "sku_map": {"S1": "Apparel"}, "folder": "bags"}, ("bags", "folder")),
        ({"folder": "2026-11 shoot", "seller_default": "Watches"}, ("watches", "seller_default")),
        ({"folder": "2026-11 shoot"}, (None, "none")),
    ],
)
def test_assign_category_follows_precedence_then_seller_default(inputs, expected):
    # GIVEN some of the inputs
    # WHEN the category is assigned
    a = assign_category(**inputs)

    # THEN the first input that resolves wins, else the seller default, else none
    assert (a.category, a.source) == expected


def test_unrecognised_explicit_input_falls_through_with_a_note():
    # GIVEN an explicit category nobody recognises, and a folder that is recognised
    # WHEN the category is assigned
    a = assign_category(explicit="stuff", folder="earrings")

    # THEN the folder decides and the note says why the explicit value was not used
    assert (a.category, a.source) == ("jewelry", "folder")
    assert a.notes == ("explicit 'stuff' names no known category",)
