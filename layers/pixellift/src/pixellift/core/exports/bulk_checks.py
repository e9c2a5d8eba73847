"""Row-level validation of marketplace bulk sheets: main image present, counts, links, URLs.

Works on rows as a CSV reader returns them, so it checks sheets PixelLift fills and sheets a
seller brings alike. Rows are numbered as in a spreadsheet: row 1 is the header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final, Literal
from urllib.parse import urlsplit

from pixellift.core.exports.bulk_csv import (
    COLUMNS,
    EBAY_MAX,
    GOOGLE_ADDITIONAL_MAX,
    WALMART_MIN,
    RowIssue,
    Template,
)

_IMAGE_EXT: Final = re.compile(r"\.(jpe?g|png|bmp|gif|tiff?|webp)$", re.IGNORECASE)


def _url_problems(url: str, template: Template, relative: bool) -> list[str]:
    if relative:
        return ["absolute path where a relative one was expected"] if url.startswith("/") else []
    parts = urlsplit(url)
    problems = []
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        problems.append(f"{url!r} is not an http(s) URL")
    if template == "ebay" and parts.scheme != "https":
        problems.append(f"{url!r}: eBay takes self-hosted pictures over HTTPS only")
    if template == "ebay" and ";" in url:
        problems.append(f"{url!r}: eBay picture URLs may not contain ';'")
    if template == "walmart" and (parts.query or not _IMAGE_EXT.search(parts.path)):
        problems.append(f"{url!r}: Walmart URLs must end in an image extension, without a query")
    return problems


def validate_rows(  # noqa: C901, PLR0912
    template: Template, rows: list[dict[str, str]], *, relative: bool = False
) -> list[RowIssue]:
    """Check a filled (or seller-supplied) sheet row by row; rows count from 2 (1 is the header).

    Examples
    --------
    >>> rows = [{"item_sku": "A1", "main_image_url": "", "other_image_url1": "https://x.io/b.jpg"}]
    >>> [str(i) for i in validate_rows("amazon", rows)]
    ['row 2 (A1): error: main_image_url is empty: the listing has no main image']
    """
    issues: list[RowIssue] = []
    columns = COLUMNS[template]
    if rows and (missing := [c for c in columns[:2] if c not in rows[0]]):
        issues.append(RowIssue(1, "", "error", f"missing columns: {', '.join(missing)}"))
        return issues
    seen_positions: dict[str, set[str]] = {}
    sources: dict[str, set[str]] = {}
    for n, row in enumerate(rows, start=2):
        sku = row.get(columns[0], "")

        def add(
            message: str,
            severity: Literal["error", "warning"] = "error",
            *,
            sku: str = sku,
            n: int = n,
        ) -> None:
            issues.append(RowIssue(n, sku, severity, message))

        if not sku:
            add(f"{columns[0]} is empty")
        main_col = columns[1]
        if template == "shopify":
            src, pos = row.get("Image Src", ""), row.get("Image Position", "")
            if not src:
                add("Image Src is empty")
            if not pos.isdigit() or int(pos) < 1:
                add(f"Image Position {pos!r} is not a position from 1")
            elif pos in seen_positions.setdefault(sku, set()):
                add(f"Image Position {pos} is used twice for this handle")
            seen_positions[sku].add(pos)
            sources.setdefault(sku, set()).add(src)
            variant_image = row.get("Variant Image", "")
            if variant_image and variant_image not in sources[sku]:
                add(f"Variant Image {variant_image!r} is not an image of handle {sku!r}")
            if variant_image and not row.get("Variant SKU"):
                add("Variant Image is set but Variant SKU is empty: no variant to link it to")
            urls = [src] if src else []
        else:
            main = row.get(main_col, "")
            if not main and template != "ebay":
                add(f"{main_col} is empty: the listing has no main image")
            urls = _row_urls(template, row)
            if template == "ebay" and not urls:
                add("Item photo URL is empty: the listing has no main image")
            if template == "ebay" and len(urls) > EBAY_MAX:
                add(f"{len(urls)} pictures; eBay takes {EBAY_MAX}")
            if (
                template == "google"
                and len(_list(row.get("additional_image_link", ""))) > GOOGLE_ADDITIONAL_MAX
            ):
                add(f"more than {GOOGLE_ADDITIONAL_MAX} additional_image_link values")
            if template == "walmart" and len(urls) < WALMART_MIN:
                add(
                    f"{len(urls)} image(s); Walmart's content policy asks for {WALMART_MIN}",
                    "warning",
                )
            if len(urls) != len(set(urls)):
                add("the same image is listed twice")
        for url in urls:
            for problem in _url_problems(url, template, relative):
                add(problem)
    return issues


def _list(text: str) -> list[str]:
    return [u for u in text.split(",") if u]


def _row_urls(template: Template, row: Mapping[str, str]) -> list[str]:
    if template == "ebay":
        return [u for u in row.get("Item photo URL", "").split("|") if u]
    if template == "amazon":
        cols = list(COLUMNS["amazon"][1:])
        return [row[c] for c in cols if row.get(c)]
    if template == "walmart":
        return [
            u
            for u in [row.get("mainImageUrl", ""), *_list(row.get("productSecondaryImageURL", ""))]
            if u
        ]
    extra = [row.get("lifestyle_image_link", "")]
    return [
        u
        for u in [row.get("image_link", ""), *_list(row.get("additional_image_link", "")), *extra]
        if u
    ]
