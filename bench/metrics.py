"""Quality metrics for cut-outs against a known ground-truth alpha.

Every function takes float alphas in ``[0, 1]`` of the same ``(rows, cols)`` shape as the ground
truth, or uint8 RGB composites, and returns a plain float so results serialise to JSON.

Definitions
-----------
IoU
    Intersection over union of the two masks ``alpha > 0.5`` and ``gt > 0.5``; 1.0 when both masks
    are empty.
MAE
    Mean of ``|alpha - gt|`` over the whole image.
SAD in the unknown band
    ``sum(|alpha - gt|) / 1000`` over the band: the pixels where the ground truth is fractional
    (``0 < gt < 1``), dilated by ``radius`` pixels with a disc. Fractional ground truth covers
    anti-aliased hard edges as well as hair, fur and translucent edges, so the band is where edge
    quality is decided; dividing by 1000 follows the alphamatting.com convention.
Background purity
    Fraction of ground-truth background pixels (``gt == 0``) whose composite colour is *exactly*
    the target colour, as a marketplace checker sees them.
Fill error
    ``|achieved - target|`` of the longest-side fill: the product's bounding box side over the
    canvas side, taking whichever of rows or columns is the larger fraction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating[Any]]
BoolArray = npt.NDArray[np.bool_]
Uint8Array = npt.NDArray[np.uint8]

WHITE = (255, 255, 255)
# Ground truth is stored as 16-bit PNG; anything within one 16-bit step of 0 or 1 is not fractional.
_FRACTION_EPS = 1.0 / 65535.0


def _check_pair(alpha: FloatArray, gt: FloatArray) -> None:
    if alpha.shape != gt.shape or alpha.ndim != 2:
        msg = f"alpha {alpha.shape} and ground truth {gt.shape} must be equal 2-D shapes"
        raise ValueError(msg)


def iou(alpha: FloatArray, gt: FloatArray, threshold: float = 0.5) -> float:
    """Intersection over union of the thresholded alpha and ground truth.

    Examples
    --------
    >>> gt = np.array([[1.0, 1.0, 0.0, 0.0]])
    >>> iou(np.array([[1.0, 0.0, 0.0, 0.0]]), gt)
    0.5
    """
    _check_pair(alpha, gt)
    a = alpha > threshold
    g = gt > threshold
    union = int(np.count_nonzero(a | g))
    if union == 0:
        return 1.0
    return int(np.count_nonzero(a & g)) / union


def mae(alpha: FloatArray, gt: FloatArray) -> float:
    """Mean absolute alpha error over the whole image.

    Examples
    --------
    >>> mae(np.array([[0.5, 1.0]]), np.array([[1.0, 1.0]]))
    0.25
    """
    _check_pair(alpha, gt)
    return float(np.mean(np.abs(alpha.astype(np.float64) - gt.astype(np.float64))))


def unknown_band(gt: FloatArray, radius: int = 3) -> BoolArray:
    """Pixels where the ground truth is fractional, dilated by ``radius`` pixels with a disc.

    Examples
    --------
    >>> gt = np.zeros((1, 7))
    >>> gt[0, 3] = 0.5
    >>> unknown_band(gt, radius=1).astype(int)
    array([[0, 0, 1, 1, 1, 0, 0]])
    """
    if radius < 0:
        msg = f"radius must be >= 0, got {radius}"
        raise ValueError(msg)
    fractional = (gt > _FRACTION_EPS) & (gt < 1.0 - _FRACTION_EPS)
    if radius == 0:
        return fractional
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(fractional.astype(np.uint8), disc).astype(bool)


def sad_in_band(alpha: FloatArray, gt: FloatArray, radius: int = 3) -> float:
    """Sum of absolute alpha differences over the unknown band, divided by 1000.

    Examples
    --------
    >>> gt = np.zeros((1, 7))
    >>> gt[0, 3] = 0.5
    >>> alpha = np.zeros((1, 7))
    >>> alpha[0, :] = 0.5
    >>> sad_in_band(alpha, gt, radius=1)
    0.001
    """
    _check_pair(alpha, gt)
    band = unknown_band(gt, radius)
    diff = np.abs(alpha.astype(np.float64) - gt.astype(np.float64))
    return float(diff[band].sum()) / 1000.0


def background_purity(
    composite: Uint8Array, gt: FloatArray, colour: tuple[int, int, int] = WHITE
) -> float:
    """Fraction of ground-truth background pixels whose composite colour is exactly ``colour``.

    Examples
    --------
    >>> comp = np.full((1, 3, 3), 255, np.uint8)
    >>> comp[0, 1] = (254, 255, 255)
    >>> background_purity(comp, np.array([[0.0, 0.0, 1.0]]))
    0.5
    """
    if composite.shape[:2] != gt.shape or composite.ndim != 3 or composite.shape[2] != 3:
        msg = f"composite {composite.shape} must be (rows, cols, 3) matching {gt.shape}"
        raise ValueError(msg)
    background = gt <= 0.0
    total = int(np.count_nonzero(background))
    if total == 0:
        msg = "the ground truth has no background pixels"
        raise ValueError(msg)
    exact = np.all(composite == np.asarray(colour, np.uint8), axis=2)
    return int(np.count_nonzero(exact & background)) / total


def longest_side_fill(product: BoolArray) -> float:
    """Largest fraction of the canvas side covered by the product's bounding box.

    Examples
    --------
    >>> mask = np.zeros((10, 20), bool)
    >>> mask[1:9, 5:10] = True
    >>> longest_side_fill(mask)
    0.8
    """
    rows = np.flatnonzero(product.any(axis=1))
    cols = np.flatnonzero(product.any(axis=0))
    if rows.size == 0:
        return 0.0
    height = (rows[-1] - rows[0] + 1) / product.shape[0]
    width = (cols[-1] - cols[0] + 1) / product.shape[1]
    return float(max(height, width))


def product_pixels(
    rgb: Uint8Array, colour: tuple[int, int, int] = WHITE, tolerance: int = 12
) -> BoolArray:
    """Pixels of a finished image that differ from the background colour by more than ``tolerance``.

    The tolerance absorbs JPEG ringing near the product so the fill is measured on the product, not
    on compression noise.

    Examples
    --------
    >>> rgb = np.full((1, 3, 3), 255, np.uint8)
    >>> rgb[0, 0] = (250, 250, 250)
    >>> rgb[0, 2] = (0, 0, 0)
    >>> product_pixels(rgb).tolist()
    [[False, False, True]]
    """
    diff = np.abs(rgb.astype(np.int16) - np.asarray(colour, np.int16)).max(axis=2)
    return np.asarray(diff > tolerance)


def fill_error(achieved: float, target: float) -> float:
    """Absolute difference between the achieved and the target fill.

    Examples
    --------
    >>> round(fill_error(0.83, 0.87), 4)
    0.04
    """
    return abs(achieved - target)


def summarise(values: Sequence[float]) -> dict[str, float]:
    """Mean, median, 10th/90th percentiles and worst-direction extremes of a metric.

    Examples
    --------
    >>> summarise([1.0, 2.0, 3.0])["median"]
    2.0
    """
    if not values:
        msg = "no values to summarise"
        raise ValueError(msg)
    arr = np.asarray(values, np.float64)
    return {
        "n": float(arr.size),
        "mean": float(arr.mean()),
        "median": float(np.median(arr)),
        "p10": float(np.percentile(arr, 10)),
        "p90": float(np.percentile(arr, 90)),
        "min": float(arr.min()),
        "max": float(arr.max()),
    }
