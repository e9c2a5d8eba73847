"""Category IQ: the canonical category taxonomy, and normalisation of the categories sellers give.

Sellers name categories in many ways: a marketplace browse path in a CSV column
(``Clothing, Shoes & Jewelry > Women > Jewelry > Rings``), a folder name (``02_necklaces``), a SKU
mapping, an API field. Each is normalised to one canonical id; the most specific path segment that
names exactly one category wins. A segment naming several (``Clothing, Shoes & Jewelry``) is
ambiguous and skipped. When nothing resolves, the seller's default applies.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

CategorySource = Literal["explicit", "csv", "sku_map", "folder", "seller_default", "none"]

_ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    "apparel": (
        "apparel clothing clothes garment dress shirt tshirt t shirt top blouse jacket coat jeans "
        "trousers pants skirt sweater jumper hoodie cardigan lingerie underwear swimwear "
        "activewear outerwear suit shorts leggings menswear womenswear childrenswear "
        "kidswear sleepwear pyjamas pajamas",
    ),
    "shoes": ("shoes shoe footwear sneaker trainer boot sandal heel loafer slipper",),
    "jewelry": (
        "jewelry jewellery jewel ring necklace earring bracelet pendant brooch anklet charm",
    ),
    "watches": ("watch watches wristwatch",),
    "bags": ("bag handbag backpack luggage purse wallet tote suitcase",),
    "accessories": (
        "accessory accessories belt hat cap scarf scarves sunglasses glove tie eyewear",
    ),
    "beauty": ("beauty cosmetic makeup skincare fragrance perfume",),
    "home": ("home kitchen furniture decor bedding garden lawn patio lighting cookware",),
    "electronics": ("electronics electronic computer phone camera audio headphone laptop tablet",),
    "toys": ("toy toys game puzzle doll",),
    "sports": ("sports sport outdoors fitness",),
    "books_media": ("book books media music movie dvd vinyl",),
    "grocery": ("grocery food gourmet beverage snack",),
    "collectibles": ("collectible collectibles coin stamp memorabilia antique",),
    "health": ("health household vitamin supplement",),
    "pet_supplies": ("pet pets",),
    "automotive": ("automotive car motorcycle",),
}

_PHRASES: Final[Mapping[str, str]] = {
    "personal care": "beauty",
    "skin care": "beauty",
    "hair care": "beauty",
    "home improvement": "home",
    "home and kitchen": "home",
    "fine jewelry": "jewelry",
    "fashion jewelry": "jewelry",
    "cell phones": "electronics",
    "trading cards": "collectibles",
    "video games": "toys",
    "arts and crafts": "art_crafts",
    "art supplies": "art_crafts",
    "other": "other",
    "general": "other",
}

CATEGORIES: Final[frozenset[str]] = frozenset(_ALIASES) | {"art_crafts", "other"}
"""Canonical category ids; rule packs key their category constraints by these."""

_TOKENS: Final[Mapping[str, str]] = {
    word: category
    for category, lines in _ALIASES.items()
    for line in lines
    for word in line.split()
} | {category: category for category in CATEGORIES}


@dataclass(frozen=True)
class CategoryAssignment:
    """The category stored with an item, where it came from and why.

    ``category`` is ``None`` when no input resolved and there is no seller default: the item then
    gets the marketplace baseline only.
    """

    category: str | None
    source: CategorySource
    raw: str | None = None
    notes: tuple[str, ...] = field(default=())


def _fold(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.lower().replace("&", " and ").split())


def _singular(word: str) -> str:
    if word in _TOKENS:
        return word
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and word[: -len(suffix)] + repl in _TOKENS:
            return word[: -len(suffix)] + repl
    return word


def _segment_candidates(segment: str) -> set[str]:
    phrase = " ".join(re.findall(r"[a-z]+", segment))
    if phrase in _PHRASES:
        return {_PHRASES[phrase]}
    if phrase.replace(" ", "_") in CATEGORIES:
        return {phrase.replace(" ", "_")}
    words = phrase.split()
    found = {
        _PHRASES[" ".join(pair)]
        for pair in zip(words, words[1:], strict=False)
        if " ".join(pair) in _PHRASES
    }
    found |= {_TOKENS[w] for w in map(_singular, words) if w in _TOKENS}
    return found


def normalise_category(raw: str) -> tuple[str | None, tuple[str, ...]]:
    """Map free text (a browse path, folder name, CSV value) to a canonical category id.

    Returns the category (or ``None``) and notes explaining skipped ambiguous segments.

    Examples
    --------
    >>> normalise_category("Clothing, Shoes & Jewelry > Women > Jewelry > Rings")[0]
    'jewelry'
    >>> normalise_category("02_Necklaces")[0], normalise_category("Men's Sneakers")[0]
    ('jewelry', 'shoes')
    >>> normalise_category("Clothing, Shoes & Jewelry")
    (None, ("'clothing, shoes and jewelry' is ambiguous: apparel, jewelry, shoes",))
    """
    notes: list[str] = []
    for segment in reversed(re.split(r"\s*[>/\\|]\s*", _fold(raw).strip())):
        candidates = _segment_candidates(segment)
        if len(candidates) == 1:
            return candidates.pop(), tuple(notes)
        if candidates:
            notes.append(f"{segment!r} is ambiguous: {', '.join(sorted(candidates))}")
    return None, tuple(notes)


def assign_category(
    *,
    explicit: str | None = None,
    csv_value: str | None = None,
    sku: str | None = None,
    sku_map: Mapping[str, str] | None = None,
    folder: str | None = None,
    seller_default: str | None = None,
) -> CategoryAssignment:
    """Resolve an item's category from its inputs, most explicit first.

    Order: the explicit field (API or ``--category``), the CSV column, the seller's SKU mapping,
    the folder name, then the seller default. An input that does not normalise is noted and the
    next one is tried.

    Examples
    --------
    >>> assign_category(csv_value="Home & Kitchen > Cookware", folder="rings").category
    'home'
    >>> a = assign_category(folder="misc", seller_default="jewellery")
    >>> (a.category, a.source, a.notes)
    ('jewelry', 'seller_default', ("folder 'misc' names no known category",))
    """
    mapped = sku_map.get(sku) if sku is not None and sku_map is not None else None
    notes: list[str] = []
    inputs: tuple[tuple[CategorySource, str | None], ...] = (
        ("explicit", explicit),
        ("csv", csv_value),
        ("sku_map", mapped),
        ("folder", folder),
        ("seller_default", seller_default),
    )
    for source, raw in inputs:
        if raw is None or not raw.strip():
            continue
        category, why = normalise_category(raw)
        notes.extend(why)
        if category is not None:
            return CategoryAssignment(category, source, raw, tuple(notes))
        notes.append(f"{source.replace('_', ' ')} {raw!r} names no known category")
    return CategoryAssignment(None, "none", None, tuple(notes))
