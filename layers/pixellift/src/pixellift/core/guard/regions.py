"""The product region at a working scale, and the box arithmetic the detectors share.

Detectors ask one question of the product alpha: how much of a box (or of the ring around it)
is product. A summed-area table answers it in constant time per box, on a copy small enough
that building it costs a few milliseconds whatever the photo's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.errors import GuardInputError
from pixellift.core.guard.findings import Box, GuardClass, GuardFinding
from pixellift.core.types import Alpha, Mask, RgbImage

WORKING_SIDE: Final = 640
"""Long side of the copy the non-OCR detectors work on."""
_PRODUCT_ALPHA: Final = 0.5
_SPECK: Final = 0.05  # components under this share of the largest one are specks, not product
_HOLE: Final = 0.1  # enclosed background under this share of the product is filled in


def check_inputs(rgb: RgbImage, alpha: Alpha | Mask) -> None:
    """Refuse a photo that is not ``(rows, cols, 3)`` uint8 or an alpha of another size.

    Raises
    ------
    GuardInputError
        Naming what is wrong.

    Examples
    --------
    >>> check_inputs(np.zeros((4, 4, 3), np.uint8), np.zeros((4, 5), np.float32))
    Traceback (most recent call last):
    ...
    pixellift.core.errors.GuardInputError: alpha is (4, 5) but the photo is (4, 4)
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or rgb.size == 0:  # noqa: PLR2004
        msg = f"photo must be (rows, cols, 3) uint8, got {rgb.shape} {rgb.dtype}"
        raise GuardInputError(msg)
    if alpha.shape != rgb.shape[:2]:
        msg = f"alpha is {alpha.shape} but the photo is {rgb.shape[:2]}"
        raise GuardInputError(msg)


def working_copy(rgb: RgbImage, side: int = WORKING_SIDE) -> tuple[RgbImage, float]:
    """A copy at most ``side`` pixels on its long side, and its scale (working / input).

    Examples
    --------
    >>> small, scale = working_copy(np.zeros((1000, 2000, 3), np.uint8), 500)
    >>> small.shape, scale
    ((250, 500, 3), 0.25)
    """
    rows, cols = rgb.shape[:2]
    scale = min(1.0, side / max(rows, cols))
    if scale == 1.0:
        return rgb, 1.0
    size = (max(1, round(cols * scale)), max(1, round(rows * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), scale  # type: ignore[return-value]


def clip_box(box: Box, rows: int, cols: int) -> Box:
    """``box`` limited to a ``rows``×``cols`` image.

    Examples
    --------
    >>> clip_box((-5, 2, 30, 40), 20, 25)
    (0, 2, 25, 20)
    """
    x0, y0, x1, y1 = box
    return (max(0, x0), max(0, y0), min(cols, x1), min(rows, y1))


def scale_box(box: Box, factor: float) -> Box:
    """``box`` multiplied by ``factor``, rounded outwards.

    Examples
    --------
    >>> scale_box((10, 10, 21, 21), 0.5)
    (5, 5, 11, 11)
    """
    x0, y0, x1, y1 = box
    return (
        int(np.floor(x0 * factor)),
        int(np.floor(y0 * factor)),
        int(np.ceil(x1 * factor)),
        int(np.ceil(y1 * factor)),
    )


def overlap(inner: Box, outer: Box) -> float:
    """Share of ``inner``'s area that lies inside ``outer``.

    Examples
    --------
    >>> overlap((0, 0, 10, 10), (5, 0, 20, 10))
    0.5
    """
    x0, y0 = max(inner[0], outer[0]), max(inner[1], outer[1])
    x1, y1 = min(inner[2], outer[2]), min(inner[3], outer[3])
    area = max(0, inner[2] - inner[0]) * max(0, inner[3] - inner[1])
    if area == 0:
        return 0.0
    return max(0, x1 - x0) * max(0, y1 - y0) / area


def _clean(mask: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.zeros(count, np.uint8)
    keep[1:] = areas >= _SPECK * areas.max()
    product = keep[labels]
    holes = (1 - product).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=4)
    rows, cols = mask.shape
    limit = _HOLE * max(1, int(product.sum()))
    for label in range(1, count):
        x, y, w, h, area = stats[label]
        enclosed = x > 0 and y > 0 and x + w < cols and y + h < rows
        if enclosed and area < limit:
            product[labels == label] = 1
    return product  # type: ignore[no-any-return]


@dataclass(frozen=True)
class ProductMap:
    """The product mask at a working scale, answering box queries in input pixels.

    Specks (overlay letters, dust) are dropped and small enclosed holes filled, so text drawn
    on the backdrop does not count as product just because the segmenter kept its letters.

    Examples
    --------
    >>> alpha = np.zeros((100, 100), np.float32)
    >>> alpha[20:80, 20:80] = 1.0
    >>> product = ProductMap.from_alpha(alpha)
    >>> product.coverage((30, 30, 70, 70)), product.coverage((0, 0, 10, 100))
    (1.0, 0.0)
    >>> round(product.ring_coverage((30, 30, 70, 70), 5), 2)
    1.0
    """

    mask: Mask
    scale: float
    _table: npt.NDArray[np.int64] = field(repr=False)

    @classmethod
    def from_alpha(cls, alpha: Alpha | Mask, side: int = WORKING_SIDE) -> ProductMap:
        """Threshold ``alpha`` at 0.5 on a copy at most ``side`` pixels long."""
        rows, cols = alpha.shape
        scale = min(1.0, side / max(rows, cols))
        values = alpha.astype(np.float32)
        if scale < 1.0:
            size = (max(1, round(cols * scale)), max(1, round(rows * scale)))
            values = cv2.resize(values, size, interpolation=cv2.INTER_AREA)  # type: ignore[assignment]
        mask = _clean((values > _PRODUCT_ALPHA).astype(np.uint8))
        table = cv2.integral(mask, sdepth=cv2.CV_64F).astype(np.int64)
        return cls(mask.astype(bool), scale, table)

    @property
    def image_rows(self) -> int:
        """Rows of the photo the map was made from."""
        return int(round(self.mask.shape[0] / self.scale))

    def _sum(self, box: Box) -> tuple[int, int]:
        rows, cols = self.mask.shape
        x0, y0, x1, y1 = clip_box(scale_box(box, self.scale), rows, cols)
        if x1 <= x0 or y1 <= y0:
            return 0, 0
        t = self._table
        total = int(t[y1, x1] - t[y0, x1] - t[y1, x0] + t[y0, x0])
        return total, (x1 - x0) * (y1 - y0)

    def coverage(self, box: Box) -> float:
        """Share of ``box`` (input pixels) that is product."""
        inside, area = self._sum(box)
        return inside / area if area else 0.0

    def ring_coverage(self, box: Box, margin: int) -> float:
        """Share of the ``margin``-wide ring around ``box`` that is product (inside the image)."""
        x0, y0, x1, y1 = box
        outer_in, outer_area = self._sum((x0 - margin, y0 - margin, x1 + margin, y1 + margin))
        inner_in, inner_area = self._sum(box)
        area = outer_area - inner_area
        return (outer_in - inner_in) / area if area > 0 else 0.0

    def window(self, box: Box) -> Mask:
        """The product mask over ``box`` (input pixels, inside the image) at the box's size.

        Examples
        --------
        >>> alpha = np.zeros((100, 100), np.float32)
        >>> alpha[:, 50:] = 1.0
        >>> ProductMap.from_alpha(alpha).window((40, 0, 60, 4)).astype(int).tolist()[0][8:12]
        [0, 0, 1, 1]
        """
        x0, y0, x1, y1 = box
        rows, cols = self.mask.shape
        ys = np.clip((np.arange(y0, y1) * self.scale).astype(np.int64), 0, rows - 1)
        xs = np.clip((np.arange(x0, x1) * self.scale).astype(np.int64), 0, cols - 1)
        return self.mask[np.ix_(ys, xs)]

    @property
    def fraction(self) -> float:
        """Share of the whole image that is product."""
        return float(self.mask.mean())


def make_finding(
    cls: GuardClass,
    box: Box,
    confidence: float,
    *,
    text: str | None = None,
    polygon: tuple[tuple[int, int], ...] | None = None,
    detector: str = "",
) -> GuardFinding:
    """A validated :class:`GuardFinding` (its ``class`` field is an alias, so built by name).

    Examples
    --------
    >>> make_finding(GuardClass.BORDER, (0, 0, 5, 5), 0.9).cls.value
    'border'
    """
    fields = {"class": cls, "box": box, "confidence": confidence, "text": text}
    return GuardFinding.model_validate({**fields, "polygon": polygon, "detector": detector})
