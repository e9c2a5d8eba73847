"""One entry point that runs every Text Guard detector on a photo: :func:`inspect_photo`.

OCR runs once; its lines feed the text classifier, the contact-detail patterns and the badge
and inset detectors. Ringed logo stamps are found without it, and the initials OCR read inside
one are folded into the stamp. The other detectors work on a small copy of the photo, so the whole
inspection costs little more than the OCR call. Caption bands found on that copy settle lines
read on them as captions, and stand for the caption themselves where OCR read nothing on them.
A flat shape lying inside a detected inset is part of the pasted picture, not a badge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from pixellift.core.guard.badges import find_badges
from pixellift.core.guard.bands import find_caption_bands, on_bands
from pixellift.core.guard.findings import GuardClass, GuardFinding
from pixellift.core.guard.graphics import find_borders
from pixellift.core.guard.insets import find_insets
from pixellift.core.guard.logos import DETECTOR as LOGO
from pixellift.core.guard.logos import find_logo_stamps
from pixellift.core.guard.ports import CodeReader, SceneDetector
from pixellift.core.guard.regions import ProductMap, check_inputs, overlap, working_copy
from pixellift.core.guard.text import text_findings
from pixellift.core.ports import OcrReader
from pixellift.core.types import Alpha, Mask, RgbImage

_ON_BADGE = 0.8
_IN_INSET = 0.8  # a flat shape this much inside an inset is part of the pasted picture
_IN_LOGO = 0.8  # a line this much inside a logo stamp's ring is its initials
_INITIALS = 4  # a stamp carries initials, not a phrase
_FOLDED = frozenset({GuardClass.OVERLAY_TEXT, GuardClass.PACKAGING_TEXT, GuardClass.WATERMARK})


@dataclass(frozen=True)
class GuardServices:
    """The ports the guard reads through; a missing one leaves its classes unchecked."""

    ocr: OcrReader | None
    codes: CodeReader | None = None
    scene: SceneDetector | None = None
    detectors: frozenset[str] = field(
        default=frozenset({"text", "border", "badge", "inset", "codes", "scene"})
    )
    """Which detector groups run (``text`` also covers contact details)."""
    missing: tuple[str, ...] = ()
    """Why a detector is absent (its engine is not installed), for warnings."""


class GuardReport(BaseModel):
    """Everything the guard found in one photo, and which detectors did not run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rows: int
    cols: int
    findings: tuple[GuardFinding, ...]
    unchecked: tuple[str, ...] = ()
    """Detector groups that did not run (no engine configured, or switched off)."""

    def of(self, *classes: GuardClass) -> tuple[GuardFinding, ...]:
        """The findings of the given classes, in report order."""
        return tuple(f for f in self.findings if f.cls in classes)


def _on_badges(findings: list[GuardFinding], badges: list[GuardFinding]) -> list[GuardFinding]:
    """Text printed on a detected badge was added with it, whatever the product map says."""
    out = []
    for f in findings:
        on_badge = any(overlap(f.box, b.box) >= _ON_BADGE for b in badges)
        if on_badge and f.cls is GuardClass.PACKAGING_TEXT:
            out.append(f.model_copy(update={"cls": GuardClass.OVERLAY_TEXT}))
        else:
            out.append(f)
    return out


def _in_logos(findings: list[GuardFinding], logos: list[GuardFinding]) -> list[GuardFinding]:
    """Initials read inside a logo stamp's ring belong to the stamp: one watermark, its text."""
    kept: list[GuardFinding] = []
    texts: list[list[str]] = [[] for _ in logos]
    for f in findings:
        inside = [i for i, s in enumerate(logos) if overlap(f.box, s.box) >= _IN_LOGO]
        initials = f.detector != "contact" and len(f.text or "") <= _INITIALS
        if inside and initials and f.cls in _FOLDED:
            texts[inside[0]].append(f.text or "")
        else:
            kept.append(f)
    return kept + [
        s.model_copy(update={"text": " ".join(t)}) if t else s
        for s, t in zip(logos, texts, strict=True)
    ]


def inspect_photo(rgb: RgbImage, alpha: Alpha | Mask, services: GuardServices) -> GuardReport:
    """Run every configured detector on one photo.

    Parameters
    ----------
    rgb
        ``(rows, cols, 3)`` uint8 photo.
    alpha
        The product's alpha (or mask) at the photo's size, as Auto-Fix segmentation makes it.
    services
        OCR, code reader and scene detector; ``None`` ones are listed in ``unchecked``.

    Returns
    -------
    GuardReport
        Findings ordered by detector, boxes in ``rgb``'s pixels.

    Raises
    ------
    GuardInputError
        ``rgb`` is not an RGB uint8 image or ``alpha`` is of another size.

    Examples
    --------
    >>> import numpy as np
    >>> photo = np.full((300, 400, 3), 245, np.uint8)
    >>> photo[:10], photo[-10:], photo[:, :10], photo[:, -10:] = 20, 20, 20, 20
    >>> alpha = np.zeros((300, 400), np.float32)
    >>> alpha[100:200, 150:250] = 1
    >>> photo[100:200, 150:250] = (30, 80, 160)
    >>> report = inspect_photo(photo, alpha, GuardServices(ocr=None))
    >>> sorted({f.cls.value for f in report.findings}), report.unchecked
    (['border'], ('codes', 'scene', 'text'))
    """
    check_inputs(rgb, alpha)
    wanted = services.detectors
    product = ProductMap.from_alpha(alpha)
    small, scale = working_copy(rgb)
    unchecked: list[str] = []
    findings: list[GuardFinding] = []
    text_boxes = []
    if "text" in wanted and services.ocr is not None:
        reading = services.ocr.read(rgb)
        text_boxes = [
            (ln.box.left, ln.box.top, ln.box.right, ln.box.bottom) for ln in reading.lines
        ]
        bands = find_caption_bands(small, scale, product)
        findings.extend(on_bands(text_findings(rgb, reading, product), bands))
        findings = _in_logos(findings, find_logo_stamps(small, scale, product, text_boxes))
    else:
        unchecked.append("text")
    insets = find_insets(rgb, small, scale, product, text_boxes) if "inset" in wanted else []
    badges = find_badges(small, scale, text_boxes, product) if "badge" in wanted else []
    badges = [b for b in badges if not any(overlap(b.box, i.box) >= _IN_INSET for i in insets)]
    findings = [
        f
        for f in findings
        if f.detector != LOGO or not any(overlap(f.box, b.box) >= _ON_BADGE for b in badges)
    ]
    findings = _on_badges(findings, badges) + badges
    if "border" in wanted:
        findings.extend(find_borders(rgb, product))
    findings.extend(insets)
    for group, port in (("codes", services.codes), ("scene", services.scene)):
        if group not in wanted or port is None:
            unchecked.append(group)
        elif group == "codes":
            findings.extend(services.codes.find_codes(rgb))  # type: ignore[union-attr]
        else:
            findings.extend(services.scene.find_people(rgb))  # type: ignore[union-attr]
    unchecked.extend(sorted({"badge", "border", "inset"} - wanted))
    return GuardReport(
        rows=int(rgb.shape[0]),
        cols=int(rgb.shape[1]),
        findings=tuple(findings),
        unchecked=tuple(sorted(unchecked)),
    )
