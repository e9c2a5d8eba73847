"""Amazon's image file-name convention: ``<product id>.<variant code>.<extension>``.

Amazon's image upload tool matches files to listings by name: the product id (ASIN, ISBN, EAN,
JAN or UPC), a variant code (``MAIN``, ``PT01`` to ``PT08`` for the alternates, ``SWCH`` for the
swatch) and an accepted extension, joined by dots. A bad name is rejected by the uploader without
much explanation, so :func:`parse_amazon_name` lists every problem it finds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from pixellift.core.errors import InvalidExportNameError

MAX_ALTERNATES: Final = 8
SLOTS: Final = ("MAIN", *(f"PT{i:02d}" for i in range(1, MAX_ALTERNATES + 1)), "SWCH")
EXTENSIONS: Final = ("jpg", "jpeg", "tif", "tiff", "png", "gif")

IdKind = Literal["ASIN", "ISBN-10", "UPC", "EAN/JAN"]


@dataclass(frozen=True)
class AmazonImageName:
    """A valid Amazon image file name, taken apart."""

    product_id: str
    id_kind: IdKind
    slot: str
    extension: str

    @property
    def name(self) -> str:
        """The file name."""
        return f"{self.product_id}.{self.slot}.{self.extension}"


def _gtin_check_digit(body: str) -> int:
    """GS1 check digit of the digits before it (UPC-A, EAN-13/JAN)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _isbn10_check(body: str) -> str:
    total = sum((10 - i) * int(d) for i, d in enumerate(body))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)  # noqa: PLR2004


def product_id_kind(product_id: str) -> IdKind:
    """Classify an Amazon product id, or raise with what is wrong with it.

    Examples
    --------
    >>> product_id_kind("B0CX23V2ZK"), product_id_kind("036000291452")
    ('ASIN', 'UPC')
    >>> try:
    ...     product_id_kind("036000291453")
    ... except InvalidExportNameError as exc:
    ...     print(exc)
    product id '036000291453': UPC check digit should be 2, not 3
    """
    pid = product_id
    if re.fullmatch(r"\d{12}", pid):
        return _checked(pid, "UPC")
    if re.fullmatch(r"\d{13}", pid):
        return _checked(pid, "EAN/JAN")
    if re.fullmatch(r"\d{9}[\dX]", pid):
        expected = _isbn10_check(pid[:9])
        if pid[9] != expected:
            msg = f"product id {pid!r}: ISBN-10 check digit should be {expected}, not {pid[9]}"
            raise InvalidExportNameError(msg)
        return "ISBN-10"
    if re.fullmatch(r"B0[0-9A-Z]{8}", pid):
        return "ASIN"
    problems = []
    if pid != pid.upper():
        problems.append("must be upper case")
    if re.search(r"[^0-9A-Za-z]", pid):
        problems.append("may hold only letters and digits")
    if not problems:
        problems.append(
            f"is {len(pid)} characters: expected a 10-character ASIN starting B0, an ISBN-10, "
            "a 12-digit UPC or a 13-digit EAN/JAN"
        )
    msg = f"product id {pid!r}: " + "; ".join(problems)
    raise InvalidExportNameError(msg)


def _checked(pid: str, kind: Literal["UPC", "EAN/JAN"]) -> IdKind:
    expected = _gtin_check_digit(pid[:-1])
    if int(pid[-1]) != expected:
        msg = f"product id {pid!r}: {kind} check digit should be {expected}, not {pid[-1]}"
        raise InvalidExportNameError(msg)
    return kind


def amazon_slot(role: str, index: int = 0) -> str:
    """The variant code for an image role: ``main``, ``swatch``, or the n-th alternate (1..8).

    Examples
    --------
    >>> amazon_slot("main"), amazon_slot("alternate", 3), amazon_slot("swatch")
    ('MAIN', 'PT03', 'SWCH')
    """
    if role == "main":
        return "MAIN"
    if role == "swatch":
        return "SWCH"
    if not 1 <= index <= MAX_ALTERNATES:
        msg = f"alternate image {index}: Amazon takes alternates PT01 to PT{MAX_ALTERNATES:02d}"
        raise InvalidExportNameError(msg)
    return f"PT{index:02d}"


def amazon_image_name(product_id: str, slot: str, extension: str = "jpg") -> str:
    """Build a valid Amazon image file name (validated).

    Examples
    --------
    >>> amazon_image_name("B0CX23V2ZK", "PT01")
    'B0CX23V2ZK.PT01.jpg'
    """
    return parse_amazon_name(f"{product_id}.{slot}.{extension.lstrip('.')}").name


def parse_amazon_name(name: str) -> AmazonImageName:
    """Take an Amazon image file name apart; the error lists everything that is wrong.

    Examples
    --------
    >>> parse_amazon_name("B0CX23V2ZK.MAIN.jpg").slot
    'MAIN'
    >>> try:
    ...     parse_amazon_name("B0CX23V2ZK_main.webp")
    ... except InvalidExportNameError as exc:
    ...     problems = str(exc).split("; ")
    >>> problems[0].split(", ")[-1]
    'got 2 dot-separated parts'
    >>> problems[1]
    "extension 'webp' is not accepted (jpg, jpeg, tif, tiff, png, gif)"
    """
    parts = name.split(".")
    problems: list[str] = []
    shape = f"<product id>.<MAIN|PT01..PT{MAX_ALTERNATES:02d}|SWCH>.<{'|'.join(EXTENSIONS)}>"
    if len(parts) != 3:  # noqa: PLR2004
        problems.append(f"expected {shape}, got {len(parts)} dot-separated parts")
    ext = parts[-1].lower() if len(parts) > 1 else ""
    if ext not in EXTENSIONS:
        problems.append(f"extension {parts[-1]!r} is not accepted ({', '.join(EXTENSIONS)})")
    kind: IdKind | None = None
    if len(parts) == 3:  # noqa: PLR2004
        slot = parts[1]
        if slot not in SLOTS:
            hint = " (variant codes are upper case)" if slot.upper() in SLOTS else ""
            problems.append(
                f"variant code {slot!r} is not one of MAIN, PT01..PT{MAX_ALTERNATES:02d}, "
                f"SWCH{hint}"
            )
        try:
            kind = product_id_kind(parts[0])
        except InvalidExportNameError as exc:
            problems.append(str(exc))
    if problems or kind is None:
        raise InvalidExportNameError(f"{name}: " + "; ".join(problems))
    return AmazonImageName(parts[0], kind, parts[1], ext)
