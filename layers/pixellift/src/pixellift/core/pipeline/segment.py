"""Use case: find the product in a photo; classically when the backdrop allows, else by model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pixellift.core.errors import ModelNotFoundError
from pixellift.core.imaging.classical import segment_plain_background
from pixellift.core.imaging.segmentation import mask_confidence
from pixellift.core.ports import Segmenter
from pixellift.core.types import Alpha, RgbImage

SegmentationMode = Literal["auto", "model", "classical"]

CLASSICAL_MIN_CONFIDENCE = 0.6
"""Below this the classical result is not trusted in ``auto`` mode.

Studio shots on a sweep score 0.9–1.0; a light-grey product on white scores about 0.65;
textured or real-world backgrounds score near 0.
"""


@dataclass(frozen=True)
class SegmentationOutcome:
    """The chosen mask and how it was made.

    Parameters
    ----------
    alpha
        float32 ``(rows, cols)`` in ``[0, 1]`` at the photo's size.
    method
        ``"classical"`` or ``"model:<segmenter name>"``.
    confidence
        In ``[0, 1]``: the classical score, or :func:`mask_confidence` of the model's map.
    classical_confidence
        The classical score when the classical path was tried, else ``None``.
    reason
        Why this method was chosen, for step logs and review queues.
    """

    alpha: Alpha
    method: str
    confidence: float
    classical_confidence: float | None
    reason: str = ""


def segment_subject(
    rgb: RgbImage,
    segmenter: Segmenter | None,
    *,
    mode: SegmentationMode = "auto",
    classical_min_confidence: float = CLASSICAL_MIN_CONFIDENCE,
) -> SegmentationOutcome:
    """Segment the main subject of a photo.

    Parameters
    ----------
    rgb
        ``(rows, cols, 3)`` uint8 photo.
    segmenter
        The model; may be ``None`` where none is installed (``auto`` then falls back to the
        classical result whatever its confidence, and says so in ``reason``).
    mode
        ``"auto"``: classical first, kept when its confidence reaches
        ``classical_min_confidence``, else the model. ``"model"``: the model only.
        ``"classical"``: the classical path only, whatever its confidence.
    classical_min_confidence
        Threshold for keeping the classical result in ``auto`` mode.

    Returns
    -------
    SegmentationOutcome

    Raises
    ------
    ModelNotFoundError
        ``mode="model"`` without a segmenter.
    ValueError
        Unknown ``mode``, or ``classical_min_confidence`` outside ``[0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> photo = np.full((120, 160, 3), 245, np.uint8)
    >>> photo[40:90, 50:110] = (30, 60, 200)
    >>> outcome = segment_subject(photo, None)
    >>> outcome.method, outcome.alpha.shape, float(outcome.alpha[60, 80])
    ('classical', (120, 160), 1.0)
    """
    if mode not in ("auto", "model", "classical"):
        raise ValueError(f"unknown segmentation mode {mode!r}: use auto, model or classical")
    if not 0.0 <= classical_min_confidence <= 1.0:
        raise ValueError(
            f"classical_min_confidence must be in [0, 1], got {classical_min_confidence}"
        )
    if mode == "model":
        if segmenter is None:
            raise ModelNotFoundError(
                "segmentation mode 'model' needs a segmentation model, and none is configured: "
                "run `make models` or set PIXELLIFT_SEGMENTATION_MODEL"
            )
        return _with_model(rgb, segmenter, None, "model requested")
    classical = segment_plain_background(rgb)
    confident = classical.confidence >= classical_min_confidence
    if segmenter is None or mode == "classical" or confident:
        why = classical.reason
        if segmenter is None and mode == "auto":
            why = f"no model configured; {why}"
        return SegmentationOutcome(
            classical.alpha, "classical", classical.confidence, classical.confidence, why
        )
    reason = (
        f"classical confidence {classical.confidence:.2f} < {classical_min_confidence:.2f} "
        f"({classical.reason})"
    )
    return _with_model(rgb, segmenter, classical.confidence, reason)


def _with_model(
    rgb: RgbImage, segmenter: Segmenter, classical_confidence: float | None, reason: str
) -> SegmentationOutcome:
    alpha = segmenter.predict(rgb)
    if alpha.shape != rgb.shape[:2]:
        raise ValueError(
            f"segmenter {segmenter.name} returned a {alpha.shape} map for a {rgb.shape[:2]} photo"
        )
    return SegmentationOutcome(
        alpha, f"model:{segmenter.name}", mask_confidence(alpha), classical_confidence, reason
    )
