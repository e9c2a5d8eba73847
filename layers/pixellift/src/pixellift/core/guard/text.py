"""Tell overlay text from packaging text, and find watermarks and contact details in OCR lines.

Where a line sits relative to the product decides most cases: text on the backdrop or across
the product's edge was added over the photo (``overlay_text``), text well inside the product is
printed on it (``packaging_text``). Two looks override a position inside the product: text on a
caption band (a flat block unlike what surrounds it) is overlay text, and faint text is a
watermark. Faint means low contrast with blended glyphs: a semi-transparent mark carries the
texture behind it, while opaque glyphs stay one flat colour, so low-contrast text that is painted
flat, or sits on a band, is still a caption. Text stamped several times at one size, tilted off
level over the backdrop, or running diagonally is a watermark wherever it is, and so are a few
letters with a ring round them (a logo stamp); a tilted run of one or two symbols ("11111") is
brick or mesh texture read as text and is dropped.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np

from pixellift.core.contracts.ocr_reading import OcrLine, OcrReading
from pixellift.core.guard.contact import find_contacts
from pixellift.core.guard.findings import Box, GuardClass, GuardFinding
from pixellift.core.guard.regions import ProductMap, clip_box, make_finding
from pixellift.core.guard.stamps import ringed
from pixellift.core.types import RgbImage

DETECTOR: Final = "text"
_INSIDE: Final = 0.85
_OUTSIDE: Final = 0.15
_RING_ON_PRODUCT: Final = 0.5
_FAINT: Final = 60.0  # glyph-to-fill contrast (0..255) below which text is faint
_FAINT_ON_PRODUCT: Final = 45.0  # printed text can be subtle: a lower bar on the product
_TILT: Final = 3.0  # degrees off level beyond which text is not a typeset caption
_RING: Final = (1.0, 1.5)  # ring around a line's box, in box heights out
_TEXTURED: Final = 5.0  # fill spread from which glyph flatness tells opaque from blended
_SOLID: Final = 0.3  # glyphs blended at opacity a keep (1 - a) of the fill's spread: a >= 0.7
_BAND_SPREAD: Final = 6.0  # a caption band is this flat (levels)
_BAND_STEP: Final = 60.0  # and differs from its surroundings by this much (worst channel)
_SAME_SIZE: Final = 0.8  # two copies within this height ratio are one stamp, repeated
_MIN_PIXELS: Final = 10
_STAMP_LETTERS: Final = 4  # a logo stamp carries initials, not a phrase
_CAPTION_FLATNESS: Final = 2.5  # median absolute deviation of the fill, in levels
_AXIS_DEGREES: Final = 1.5
_DIAGONAL: Final = (15.0, 75.0)
_PACKAGED_CONTACT: Final = 0.5
_MIN_CHARACTERS: Final = 2  # contact details printed on the product: half confidence
_LABEL_TEXT: Final = 0.05  # faint text on the product up to this share of the photo's height


@dataclass(frozen=True)
class TextLook:
    """How a line of text looks, measured on its box and the ring of pixels around it.

    ``contrast`` is glyphs against fill (0..255), ``flatness`` the fill's median absolute
    deviation (levels), ``angle`` the baseline's tilt from the nearest axis (degrees).
    ``glyph_spread`` and ``fill_spread`` are the standard deviations inside the glyphs' and the
    fill's cores (worst channel): an opaque glyph is one flat colour however busy the fill,
    while a semi-transparent one carries the texture behind it. ``block`` is how far the fill's
    colour is from the ring's: a caption band laid under the text stands out from what lies
    around it, a label's surface does not.
    """

    contrast: float
    flatness: float
    angle: float
    glyph_spread: float = -1.0
    fill_spread: float = -1.0
    block: float = 0.0

    @property
    def opaque(self) -> bool:
        """Flat glyphs on a textured fill: painted over the photo, not blended into it."""
        return self.fill_spread >= _TEXTURED and 0 <= self.glyph_spread <= _SOLID * self.fill_spread

    @property
    def banded(self) -> bool:
        """The text sits on a flat block whose colour differs from its surroundings."""
        return 0 <= self.fill_spread <= _BAND_SPREAD and self.block >= _BAND_STEP


def _box(line: OcrLine) -> Box:
    b = line.box
    return (b.left, b.top, b.right, b.bottom)


def _angle(line: OcrLine) -> float:
    a, b = line.quad[0], line.quad[1]
    degrees = math.degrees(math.atan2(b.row - a.row, b.col - a.col)) % 180.0
    return min(degrees, 180.0 - degrees) if line.orientation in (0, 180) else abs(90.0 - degrees)


def _spread(pixels: np.ndarray) -> float:
    return float(pixels.std(axis=0).max()) if len(pixels) > _MIN_PIXELS else -1.0


def look(rgb: RgbImage, line: OcrLine, product: ProductMap | None = None) -> TextLook:
    """Measure a line's glyphs, fill and surroundings on the photo (Otsu split of its box).

    The surroundings are a ring one to one and a half box heights out, clear of a caption
    band's margin. For a line inside ``product`` (when given), only the ring's product pixels
    count when it has enough, so a label near the edge of a small product is compared with the
    product, not the backdrop.

    Examples
    --------
    >>> from pixellift.core.contracts.ocr_reading import PixelBox, Point
    >>> rgb = np.full((60, 120, 3), 200, np.uint8)
    >>> rgb[25:35, 20:100:4] = 20
    >>> quad = (Point(row=20, col=15), Point(row=20, col=105), Point(row=40, col=105),
    ...     Point(row=40, col=15))
    >>> line = OcrLine(text="x", confidence=0.9, quad=quad,
    ...     box=PixelBox(top=20, left=15, bottom=40, right=105))
    >>> t = look(rgb, line)
    >>> round(t.contrast), t.flatness, t.angle, t.block
    (180, 0.0, 0.0, 0.0)
    """
    rows, cols = rgb.shape[:2]
    x0, y0, x1, y1 = clip_box(_box(line), rows, cols)
    angle = _angle(line)
    if (x1 - x0) * (y1 - y0) < 4:  # noqa: PLR2004
        return TextLook(0.0, 0.0, angle)
    near, margin = round(_RING[0] * (y1 - y0)), max(3, round(_RING[1] * (y1 - y0)))
    ox0, oy0, ox1, oy1 = clip_box((x0 - margin, y0 - margin, x1 + margin, y1 + margin), rows, cols)
    around = rgb[oy0:oy1, ox0:ox1]
    colour = around[y0 - oy0 : y1 - oy0, x0 - ox0 : x1 - ox0]
    crop = cv2.cvtColor(np.ascontiguousarray(colour), cv2.COLOR_RGB2GRAY)
    _, split = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    high = split > 0
    if high.all() or not high.any():
        return TextLook(0.0, 0.0, angle)
    fill_mask = high if high.mean() >= 0.5 else ~high  # noqa: PLR2004
    fill = crop[fill_mask]
    contrast = abs(float(crop[high].mean()) - float(crop[~high].mean()))
    flatness = float(np.median(np.abs(fill.astype(np.float32) - np.median(fill))))
    core = np.ones((3, 3), np.uint8)
    glyph_core = cv2.erode((~fill_mask).astype(np.uint8), core) > 0
    fill_core = cv2.erode(fill_mask.astype(np.uint8), core) > 0
    ring = np.ones(around.shape[:2], bool)
    ring[max(0, y0 - oy0 - near) : y1 - oy0 + near, max(0, x0 - ox0 - near) : x1 - ox0 + near] = (
        False
    )
    if product is not None and product.coverage((x0, y0, x1, y1)) >= _INSIDE:
        on = ring & product.window((ox0, oy0, ox1, oy1))
        ring = on if on.sum() > _MIN_PIXELS else ring
    block = 0.0
    if fill_core.sum() > _MIN_PIXELS and ring.sum() > _MIN_PIXELS:
        inner = np.median(colour[fill_core].astype(np.float32), axis=0)
        outer = np.median(around[ring].astype(np.float32), axis=0)
        block = float(np.abs(inner - outer).max())
    return TextLook(
        contrast,
        flatness,
        angle,
        glyph_spread=_spread(colour[glyph_core].astype(np.float32)),
        fill_spread=_spread(colour[fill_core].astype(np.float32)),
        block=block,
    )


def _normal(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _repeated(lines: tuple[OcrLine, ...]) -> set[str]:
    """Texts stamped several times: three copies, or two of the same size (a tiled mark).

    Two captions that happen to say the same thing are drawn at different sizes.
    """
    heights: dict[str, list[int]] = defaultdict(list)
    for line in lines:
        heights[_normal(line.text)].append(line.box.bottom - line.box.top)
    out = set()
    for text, hs in heights.items():
        if len(text) < 3 or len(hs) < 2:  # noqa: PLR2004
            continue
        if len(hs) >= 3 or min(hs) >= _SAME_SIZE * max(hs):  # noqa: PLR2004
            out.add(text)
    return out


def _texture(line: OcrLine, text_look: TextLook) -> bool:
    """A tilted run of one or two symbols ("11111", "80800"): brick or mesh read as text."""
    text = _normal(line.text)
    return text_look.angle >= _TILT and len(text) >= 3 and len(set(text)) <= 2  # noqa: PLR2004


def classify_line(
    line: OcrLine, product: ProductMap, text_look: TextLook, *, repeated: bool
) -> GuardFinding:
    """Classify one OCR line as overlay text, packaging text or a watermark."""
    box = _box(line)
    thickness = min(box[2] - box[0], box[3] - box[1])
    inside = product.coverage(box)
    ring = product.ring_coverage(box, max(3, round(0.6 * thickness)))
    share = (inside + ring) / 2.0
    confidence = line.confidence
    diagonal = _DIAGONAL[0] <= text_look.angle <= _DIAGONAL[1]
    cls = GuardClass.OVERLAY_TEXT
    # Fully inside, most of its surroundings product too: a label near the edge of a small
    # product (a pendant, a tag) still reads as printed on it.
    on_product = inside >= _INSIDE and ring >= _RING_ON_PRODUCT
    # Captions are set level; text stamped at a tilt over the backdrop is a mark.
    tilted = text_look.angle >= _TILT and not on_product
    painted = text_look.banded or text_look.opaque
    if repeated or diagonal or tilted:
        cls = GuardClass.WATERMARK
        confidence *= 0.95 if repeated else 0.8
    elif text_look.contrast < (_FAINT_ON_PRODUCT if on_product else _FAINT) and not painted:
        if on_product and box[3] - box[1] <= _LABEL_TEXT * product.image_rows:
            # Faint, but wholly on the product at a label's size: printed in a subtle colour.
            # Laid-over marks are set large to be seen across the photo (a stamp's initials
            # are told by their ring, below).
            cls = GuardClass.PACKAGING_TEXT
            confidence *= min(inside, ring) * 0.8
        else:
            cls = GuardClass.WATERMARK
            confidence *= 0.7
    elif on_product:
        caption = (
            text_look.banded
            and text_look.flatness <= _CAPTION_FLATNESS
            and text_look.angle <= _AXIS_DEGREES
        )
        if caption:
            confidence *= 0.85
        else:
            cls = GuardClass.PACKAGING_TEXT
            confidence *= min(inside, ring)
    elif max(inside, ring) > _OUTSIDE:
        # Across the product's edge: surest when the line is half on, half off the product.
        confidence *= 0.6 + 0.4 * (1.0 - abs(2.0 * share - 1.0))
    return make_finding(
        cls=cls,
        box=box,
        confidence=round(float(np.clip(confidence, 0.0, 1.0)), 4),
        text=line.text,
        detector=DETECTOR,
    )


def _stamped(rgb: RgbImage, line: OcrLine, finding: GuardFinding) -> bool:
    """A few letters with a ring round them: a logo stamp, not a caption or a label."""
    stampable = (GuardClass.OVERLAY_TEXT, GuardClass.PACKAGING_TEXT)
    if finding.cls not in stampable or len(_normal(line.text)) > _STAMP_LETTERS:
        return False
    return ringed(rgb, _box(line))


def _span_box(line: OcrLine, start: int, end: int) -> Box:
    x0, y0, x1, y1 = _box(line)
    if line.orientation != 0 or not line.text:
        return (x0, y0, x1, y1)
    width = x1 - x0
    n = len(line.text)
    return (x0 + width * start // n, y0, x0 + -(-width * end // n), y1)


def text_findings(rgb: RgbImage, reading: OcrReading, product: ProductMap) -> list[GuardFinding]:
    """Classify every OCR line, and report the contact details found in each.

    Contact details printed on the product keep half their confidence, so a profile routes them
    to review rather than failing the photo outright.
    """
    repeated = _repeated(reading.lines)
    findings: list[GuardFinding] = []
    for line in reading.lines:
        if len(_normal(line.text)) < _MIN_CHARACTERS:
            continue  # a lone letter or mark: as often a ring, a hole or a chain link
        text_look = look(rgb, line, product)
        if _texture(line, text_look):
            continue
        finding = classify_line(line, product, text_look, repeated=_normal(line.text) in repeated)
        if _stamped(rgb, line, finding):
            finding = finding.model_copy(
                update={"cls": GuardClass.WATERMARK, "confidence": round(line.confidence * 0.9, 4)}
            )
        findings.append(finding)
        factor = _PACKAGED_CONTACT if finding.cls is GuardClass.PACKAGING_TEXT else 1.0
        findings.extend(
            make_finding(
                cls=match.cls,
                box=_span_box(line, match.start, match.end),
                confidence=round(line.confidence * factor, 4),
                text=match.text,
                detector="contact",
            )
            for match in find_contacts(line.text)
        )
    return findings
