"""Marketplace bulk templates: the image columns of each uploader, filled and validated per row.

Column sets (see ``shared/reference/marketplace_policies.md``):

- Amazon inventory file: ``main_image_url``, ``other_image_url1`` .. ``8``, ``swatch_image_url``;
- Shopify product CSV: one row per image under the product's ``Handle`` with ``Image Src``,
  ``Image Position``, ``Image Alt Text``; ``Variant Image`` links a variant to one of them;
- eBay Seller Hub: ``Item photo URL``, several URLs separated by ``|`` (File Exchange ``PicURL``);
- Walmart item spec: ``mainImageUrl`` and ``productSecondaryImageURL`` (a list);
- Google Merchant Center: ``image_link``, ``additional_image_link`` (comma list, at most 10),
  ``lifestyle_image_link``.

Locations are public URLs under a base the seller gives, or paths relative to the export folder.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal
from urllib.parse import quote, urlsplit

from pixellift.core.errors import BulkTemplateError

Template = Literal["amazon", "shopify", "ebay", "walmart", "google"]
TEMPLATES: Final[tuple[Template, ...]] = ("amazon", "shopify", "ebay", "walmart", "google")
AMAZON_OTHERS: Final = 8
EBAY_MAX: Final = 24
GOOGLE_ADDITIONAL_MAX: Final = 10
WALMART_MIN: Final = 2
SHOPIFY_MAX: Final = 250

COLUMNS: Final[Mapping[Template, tuple[str, ...]]] = {
    "amazon": (
        "item_sku",
        "main_image_url",
        *(f"other_image_url{i}" for i in range(1, AMAZON_OTHERS + 1)),
        "swatch_image_url",
    ),
    "shopify": (
        "Handle",
        "Image Src",
        "Image Position",
        "Image Alt Text",
        "Variant SKU",
        "Variant Image",
    ),
    "ebay": ("Custom label (SKU)", "Item photo URL"),
    "walmart": ("sku", "mainImageUrl", "productSecondaryImageURL"),
    "google": ("id", "image_link", "additional_image_link", "lifestyle_image_link"),
}
_ROLE_ORDER: Final = {"main": 0, "alternate": 1, "lifestyle": 2, "swatch": 3}


@dataclass(frozen=True)
class ListingImage:
    """One exported image of a SKU, with the path it has under the export root."""

    sku: str
    role: str
    path: str
    position: int = 0
    alt: str = ""
    colour: str | None = None
    size: str | None = None


@dataclass(frozen=True)
class RowIssue:
    """A problem in one row of a bulk sheet (row 1 is the header, as in a spreadsheet)."""

    row: int
    sku: str
    severity: Literal["error", "warning"]
    message: str

    def __str__(self) -> str:
        return f"row {self.row} ({self.sku or '-'}): {self.severity}: {self.message}"


@dataclass
class BulkSheet:
    """A filled template: its columns, rows and the issues found building and validating it."""

    template: Template
    columns: tuple[str, ...]
    rows: list[dict[str, str]] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not any(i.severity == "error" for i in self.issues)

    def to_csv(self) -> str:
        """The sheet as CSV text with a header row."""
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(self.columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return buf.getvalue()


def locate(path: str, base_url: str | None) -> str:
    """A public URL under ``base_url``, or the relative path itself when there is no base.

    Examples
    --------
    >>> locate("r1/MUG 01/amazon/MUG 01.MAIN.jpg", "https://cdn.example.com/shop/")
    'https://cdn.example.com/shop/r1/MUG%2001/amazon/MUG%2001.MAIN.jpg'
    >>> locate("r1/a.jpg", None)
    'r1/a.jpg'
    """
    if base_url is None:
        return path
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query:
        msg = f"base URL {base_url!r}: expected http(s)://host/prefix without a query string"
        raise BulkTemplateError(msg)
    return base_url.rstrip("/") + "/" + quote(path.lstrip("/"), safe="/")


def shopify_handle(sku: str) -> str:
    """Shopify handle: lower case, letters, digits and hyphens.

    Examples
    --------
    >>> shopify_handle("MUG_001 Red")
    'mug-001-red'
    """
    return re.sub(r"[^a-z0-9]+", "-", sku.lower()).strip("-")


def build_sheet(
    template: Template, images: Iterable[ListingImage], *, base_url: str | None = None
) -> BulkSheet:
    """Fill one marketplace template, one listing per SKU, and validate every row.

    Examples
    --------
    >>> imgs = [ListingImage("MUG1", "main", "r/MUG1/a.jpg"),
    ...         ListingImage("MUG1", "alternate", "r/MUG1/b.jpg")]
    >>> sheet = build_sheet("ebay", imgs, base_url="https://cdn.example.com")
    >>> sheet.rows[0]["Item photo URL"], sheet.ok
    ('https://cdn.example.com/r/MUG1/a.jpg|https://cdn.example.com/r/MUG1/b.jpg', True)
    """
    if template not in COLUMNS:
        msg = f"unknown bulk template {template!r}; use {', '.join(TEMPLATES)}"
        raise BulkTemplateError(msg)
    groups: dict[str, list[ListingImage]] = {}
    for image in images:
        groups.setdefault(image.sku, []).append(image)
    sheet = BulkSheet(template, COLUMNS[template])
    for sku in sorted(groups):
        ordered = sorted(
            groups[sku], key=lambda m: (_ROLE_ORDER.get(m.role, 9), m.position, m.path)
        )
        urls = [(m, locate(m.path, base_url)) for m in ordered]
        _FILLERS[template](sheet, sku, urls)
    from pixellift.core.exports.bulk_checks import validate_rows

    sheet.issues.extend(validate_rows(template, sheet.rows, relative=base_url is None))
    sheet.issues.sort(key=lambda i: (i.row, i.message))
    return sheet


def _split(urls: list[tuple[ListingImage, str]]) -> tuple[str, list[str], list[str], list[str]]:
    main = next((u for m, u in urls if m.role == "main"), "")
    others = [u for m, u in urls if m.role in {"alternate", "lifestyle"}]
    lifestyle = [u for m, u in urls if m.role == "lifestyle"]
    swatches = [u for m, u in urls if m.role == "swatch"]
    return main, others, lifestyle, swatches


def _dropped(sheet: BulkSheet, sku: str, kept: int, total: int, what: str) -> None:
    if total > kept:
        sheet.issues.append(
            RowIssue(
                len(sheet.rows) + 1,
                sku,
                "warning",
                f"{total} {what}; the template takes {kept}, {total - kept} left out",
            )
        )


def _no_main(sheet: BulkSheet, sku: str, main: str) -> None:
    """Templates whose first picture is the main one would promote an alternate silently."""
    if not main:
        sheet.issues.append(
            RowIssue(
                len(sheet.rows) + 2,
                sku,
                "error",
                "no main image: the first picture would be an alternate",
            )
        )


def _amazon(sheet: BulkSheet, sku: str, urls: list[tuple[ListingImage, str]]) -> None:
    main, others, _, swatches = _split(urls)
    row = {
        "item_sku": sku,
        "main_image_url": main,
        "swatch_image_url": swatches[0] if swatches else "",
    }
    for i in range(1, AMAZON_OTHERS + 1):
        row[f"other_image_url{i}"] = others[i - 1] if i <= len(others) else ""
    sheet.rows.append(row)
    _dropped(sheet, sku, AMAZON_OTHERS, len(others), "alternate images")


def _shopify(sheet: BulkSheet, sku: str, urls: list[tuple[ListingImage, str]]) -> None:
    handle = shopify_handle(sku)
    _no_main(sheet, sku, _split(urls)[0])
    for position, (m, url) in enumerate(urls[:SHOPIFY_MAX], start=1):
        variant = "-".join(p for p in (sku, m.colour, m.size) if p) if (m.colour or m.size) else ""
        alt = m.alt or " ".join(p for p in (sku, m.colour, m.size, m.role) if p)
        sheet.rows.append(
            {
                "Handle": handle,
                "Image Src": url,
                "Image Position": str(position),
                "Image Alt Text": alt[:512],
                "Variant SKU": variant,
                "Variant Image": url if variant else "",
            }
        )
    _dropped(sheet, sku, SHOPIFY_MAX, len(urls), "images")


def _ebay(sheet: BulkSheet, sku: str, urls: list[tuple[ListingImage, str]]) -> None:
    main, others, _, _ = _split(urls)
    _no_main(sheet, sku, main)
    photos = [u for u in [main, *others] if u][:EBAY_MAX]
    sheet.rows.append({"Custom label (SKU)": sku, "Item photo URL": "|".join(photos)})
    _dropped(sheet, sku, EBAY_MAX, len([u for u in [main, *others] if u]), "images")


def _walmart(sheet: BulkSheet, sku: str, urls: list[tuple[ListingImage, str]]) -> None:
    main, others, _, _ = _split(urls)
    secondary = ",".join(u.replace(",", "%2C") for u in others)
    sheet.rows.append({"sku": sku, "mainImageUrl": main, "productSecondaryImageURL": secondary})


def _google(sheet: BulkSheet, sku: str, urls: list[tuple[ListingImage, str]]) -> None:
    main, others, lifestyle, _ = _split(urls)
    additional = [u for u in others if u not in lifestyle[:1]][:GOOGLE_ADDITIONAL_MAX]
    sheet.rows.append(
        {
            "id": sku,
            "image_link": main,
            "additional_image_link": ",".join(u.replace(",", "%2C") for u in additional),
            "lifestyle_image_link": lifestyle[0] if lifestyle else "",
        }
    )
    _dropped(
        sheet, sku, GOOGLE_ADDITIONAL_MAX, len(others) - len(lifestyle[:1]), "additional images"
    )


_FILLERS: Final = {
    "amazon": _amazon,
    "shopify": _shopify,
    "ebay": _ebay,
    "walmart": _walmart,
    "google": _google,
}


def read_csv(text: str) -> list[dict[str, str]]:
    """Rows of a bulk sheet as dictionaries keyed by the header."""
    return list(csv.DictReader(io.StringIO(text)))
