"""Quality metrics measured on finished images.

Each function's name is the metric's name in the rules engine (``metric: fill_ratio``), so they
stay snake_case, pure and cheap enough to run on every output.
"""

from __future__ import annotations

import cv2
import numpy as np

from pixellift.core.imaging.background import BACKGROUND_ALPHA_FLOOR
from pixellift.core.imaging.framing import Margins, subject_box
from pixellift.core.types import Alpha, Mask, RgbImage

FLOOD_TOLERANCE = 24
"""Without an alpha, pixels this close to the colour and connected to the border are background."""

EDGE_GUARD_PX = 2
"""Without an alpha, pixels this close to the product are its anti-aliased edge, not background."""


def _check_rgb(rgb: RgbImage) -> None:
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:  # noqa: PLR2004
        msg = f"image must be uint8 (rows, cols, 3), got {rgb.dtype} {rgb.shape}"
        raise ValueError(msg)


def _near(rgb: RgbImage, colour: tuple[int, int, int], tolerance: int) -> Mask:
    """Pixels whose every channel is within ``tolerance`` of ``colour``."""
    low = tuple(max(0, c - tolerance) for c in colour)
    high = tuple(min(255, c + tolerance) for c in colour)
    return np.asarray(cv2.inRange(rgb, low, high) > 0)


def _border_background(rgb: RgbImage, colour: tuple[int, int, int], tolerance: int) -> Mask:
    """Guess the background without an alpha: the border and near-colour regions reaching it.

    The border itself always counts, so a photo whose background is far from the colour (a grey
    studio sweep) scores low instead of having no background to measure. Pixels next to far-off
    ones are the product's anti-aliased edge and are left out.
    """
    near = _near(rgb, colour, max(tolerance, FLOOD_TOLERANCE)).view(np.uint8)
    count, labels = cv2.connectedComponents(near, connectivity=4)
    side = 2 * EDGE_GUARD_PX + 1
    edge = cv2.dilate(1 - near, np.ones((side, side), np.uint8)).view(np.bool_)
    ring = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    reaches_border = np.zeros(count, np.bool_)
    reaches_border[ring] = True
    reaches_border[0] = False
    background: Mask = reaches_border[labels] & ~edge
    background[[0, -1], :] = True
    background[:, [0, -1]] = True
    return background


def background_purity(
    rgb: RgbImage,
    alpha: Alpha | None,
    colour: tuple[int, int, int] = (255, 255, 255),
    *,
    tolerance: int = 0,
    product_threshold: float = BACKGROUND_ALPHA_FLOOR,
    exclude: Mask | None = None,
) -> float:
    """Fraction of background pixels within ``tolerance`` (per channel) of ``colour``.

    With an alpha, background is every pixel whose alpha is below ``product_threshold``. Without
    one, it is the near-colour region connected to the image border, plus the border itself.

    Parameters
    ----------
    rgb
        ``(rows, cols, 3)`` uint8 finished image.
    alpha
        The product's alpha, or ``None`` to find the background from the border.
    colour
        Required background colour.
    tolerance
        Largest per-channel difference that still counts as that colour.
    product_threshold
        Alpha from which a pixel belongs to the product.
    exclude
        Pixels not to judge, such as an intended contact shadow.

    Returns
    -------
    float
        In ``[0, 1]``; ``1.0`` when there is no background at all.

    Examples
    --------
    >>> rgb = np.full((10, 10, 3), 255, np.uint8); rgb[0, :5] = 250
    >>> background_purity(rgb, np.zeros((10, 10), np.float32))
    0.95
    >>> background_purity(rgb, None, tolerance=5)
    1.0
    """
    _check_rgb(rgb)
    if alpha is None:
        background = _border_background(rgb, colour, tolerance)
    elif alpha.shape != rgb.shape[:2]:
        msg = f"alpha {alpha.shape} does not match the image {rgb.shape[:2]}"
        raise ValueError(msg)
    else:
        background = alpha < product_threshold
    if exclude is not None:
        if exclude.shape != rgb.shape[:2]:
            msg = f"exclude {exclude.shape} does not match the image {rgb.shape[:2]}"
            raise ValueError(msg)
        background = background & ~exclude
    total = int(np.count_nonzero(background))
    if total == 0:
        return 1.0
    pure = int(np.count_nonzero(_near(rgb, colour, tolerance) & background))
    return pure / total


def fill_ratio(alpha: Alpha, threshold: float = 0.5) -> float:
    """Fraction of the canvas area covered by the product (``alpha >= threshold``).

    Examples
    --------
    >>> a = np.zeros((4, 4), np.float32); a[:2, :2] = 1.0
    >>> fill_ratio(a)
    0.25
    """
    if alpha.size == 0:
        msg = "alpha is empty"
        raise ValueError(msg)
    return int(np.count_nonzero(alpha >= threshold)) / alpha.size


def longest_side_fill(alpha: Alpha, threshold: float = 0.5) -> float:
    """Product extent over canvas extent on the limiting axis (``0.0`` without a product).

    This is the "product fills 85 % of the frame" measure; dust specks are ignored as in
    :func:`~pixellift.core.imaging.framing.subject_box`.

    Examples
    --------
    >>> a = np.zeros((100, 100), np.float32); a[10:90, 40:60] = 1.0
    >>> longest_side_fill(a)
    0.8
    """
    box = subject_box(alpha, threshold=threshold)
    if box is None:
        return 0.0
    rows, cols = alpha.shape
    return float(max(box.rows / rows, box.cols / cols))


def margins(alpha: Alpha, threshold: float = 0.5) -> Margins | None:
    """Space between the product and each canvas edge, as fractions of that side.

    Examples
    --------
    >>> a = np.zeros((100, 50), np.float32); a[10:80, 5:45] = 1.0
    >>> margins(a)
    Margins(top=0.1, right=0.1, bottom=0.2, left=0.1)
    """
    box = subject_box(alpha, threshold=threshold)
    if box is None:
        return None
    rows, cols = alpha.shape
    return Margins(
        top=box.top / rows,
        right=(cols - box.right) / cols,
        bottom=(rows - box.bottom) / rows,
        left=box.left / cols,
    )


def pixel_delta(before: RgbImage, after: RgbImage) -> float:
    """Mean absolute difference between two same-shaped uint8 images, scaled to ``[0, 1]``.

    Examples
    --------
    >>> pixel_delta(np.zeros((2, 2, 3), np.uint8), np.full((2, 2, 3), 51, np.uint8))
    0.2
    """
    if before.shape != after.shape or before.dtype != np.uint8 or after.dtype != np.uint8:
        msg = f"images must be uint8 of one shape, got {before.shape} and {after.shape}"
        raise ValueError(msg)
    if before.size == 0:
        msg = "images are empty"
        raise ValueError(msg)
    total = float(np.sum(cv2.absdiff(before, after), dtype=np.float64))
    return total / (before.size * 255.0)
