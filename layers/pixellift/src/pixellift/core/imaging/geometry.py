"""Axis-aligned pixel boxes in row/column order.

A :class:`Box` is half-open: ``top``/``left`` are the first rows/columns inside it and
``bottom``/``right`` the first ones past it, so ``image[box.top:box.bottom, box.left:box.right]`` is
exactly the box. Coordinates may be negative or exceed an image: a framing canvas can extend beyond
the photo it frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.types import Mask


@dataclass(frozen=True)
class Box:
    """A non-empty, half-open rectangle of pixels.

    Parameters
    ----------
    top, left
        First row and column inside the box.
    bottom, right
        First row and column past the box (exclusive).

    Raises
    ------
    ValueError
        If a coordinate is not an integer or the box would be empty.

    Examples
    --------
    >>> box = Box(10, 20, 30, 60)
    >>> box.rows, box.cols, box.area, box.center
    (20, 40, 800, (20.0, 40.0))
    >>> box.intersect(Box(25, 0, 100, 30))
    Box(top=25, left=20, bottom=30, right=30)
    >>> box.union(Box(0, 0, 5, 5))
    Box(top=0, left=0, bottom=30, right=60)
    """

    top: int
    left: int
    bottom: int
    right: int

    def __post_init__(self) -> None:
        for name in ("top", "left", "bottom", "right"):
            value = getattr(self, name)
            # numpy integers are accepted but stored as int so boxes compare and hash like tuples.
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                msg = f"Box.{name} must be an integer, got {value!r}"
                raise ValueError(msg)
            object.__setattr__(self, name, int(value))
        if self.bottom <= self.top or self.right <= self.left:
            msg = (
                f"Box must be non-empty, got rows {self.top}..{self.bottom}, "
                f"cols {self.left}..{self.right}"
            )
            raise ValueError(msg)

    @classmethod
    def of_shape(cls, rows: int, cols: int) -> Box:
        """Return the box covering a whole ``rows × cols`` image.

        Examples
        --------
        >>> Box.of_shape(3, 4)
        Box(top=0, left=0, bottom=3, right=4)
        """
        return cls(0, 0, rows, cols)

    @property
    def rows(self) -> int:
        """Height in pixels."""
        return self.bottom - self.top

    @property
    def cols(self) -> int:
        """Width in pixels."""
        return self.right - self.left

    @property
    def area(self) -> int:
        """Number of pixels inside the box."""
        return self.rows * self.cols

    @property
    def center(self) -> tuple[float, float]:
        """Centre as ``(row, col)`` in continuous coordinates (pixel edges at integers)."""
        return ((self.top + self.bottom) / 2, (self.left + self.right) / 2)

    @property
    def aspect(self) -> float:
        """Width divided by height."""
        return self.cols / self.rows

    def contains(self, other: Box) -> bool:
        """Return whether ``other`` lies entirely inside this box.

        Examples
        --------
        >>> outer = Box(0, 0, 10, 10)
        >>> outer.contains(Box(2, 2, 10, 10)), outer.contains(Box(2, 2, 11, 5))
        (True, False)
        """
        return (
            self.top <= other.top
            and self.left <= other.left
            and other.bottom <= self.bottom
            and other.right <= self.right
        )

    def intersect(self, other: Box) -> Box | None:
        """Return the overlap of two boxes, or ``None`` when they share no pixel.

        Examples
        --------
        >>> Box(0, 0, 4, 4).intersect(Box(4, 0, 8, 4)) is None
        True
        """
        top, left = max(self.top, other.top), max(self.left, other.left)
        bottom, right = min(self.bottom, other.bottom), min(self.right, other.right)
        if bottom <= top or right <= left:
            return None
        return Box(top, left, bottom, right)

    def union(self, other: Box) -> Box:
        """Return the smallest box containing both boxes.

        Examples
        --------
        >>> Box(0, 0, 2, 2).union(Box(5, 5, 6, 9))
        Box(top=0, left=0, bottom=6, right=9)
        """
        return Box(
            min(self.top, other.top),
            min(self.left, other.left),
            max(self.bottom, other.bottom),
            max(self.right, other.right),
        )

    def translated(self, d_rows: int, d_cols: int) -> Box:
        """Return the box moved by ``d_rows`` down and ``d_cols`` right.

        Examples
        --------
        >>> Box(0, 0, 2, 3).translated(-1, 5)
        Box(top=-1, left=5, bottom=1, right=8)
        """
        return Box(self.top + d_rows, self.left + d_cols, self.bottom + d_rows, self.right + d_cols)

    def scaled(self, factor: float) -> Box:
        """Return the box in the coordinates of an image resized by ``factor``.

        Edges are rounded outwards, so the result always covers every pixel the scaled box touches
        (a subject box never loses a row to rounding).

        Raises
        ------
        ValueError
            If ``factor`` is not a positive finite number.

        Examples
        --------
        >>> Box(10, 10, 21, 21).scaled(0.5)
        Box(top=5, left=5, bottom=11, right=11)
        """
        if not (math.isfinite(factor) and factor > 0):
            msg = f"scale factor must be positive and finite, got {factor!r}"
            raise ValueError(msg)
        # A tolerance keeps exact products (e.g. 10 * 0.3) from being pushed out by float error.
        eps = 1e-9
        return Box(
            math.floor(self.top * factor + eps),
            math.floor(self.left * factor + eps),
            math.ceil(self.bottom * factor - eps),
            math.ceil(self.right * factor - eps),
        )

    def clipped(self, rows: int, cols: int) -> Box | None:
        """Return the part of the box inside a ``rows × cols`` image, or ``None`` if none is.

        Examples
        --------
        >>> Box(-5, -5, 5, 20).clipped(10, 10)
        Box(top=0, left=0, bottom=5, right=10)
        """
        return self.intersect(Box.of_shape(rows, cols))

    def slices(self) -> tuple[slice, slice]:
        """Return ``(row_slice, col_slice)`` for indexing an image with this box.

        Raises
        ------
        ValueError
            If the box starts at a negative coordinate (numpy would wrap around).

        Examples
        --------
        >>> image = np.arange(16).reshape(4, 4)
        >>> image[Box(1, 1, 3, 3).slices()].tolist()
        [[5, 6], [9, 10]]
        """
        if self.top < 0 or self.left < 0:
            msg = f"{self} starts outside the image; clip it first"
            raise ValueError(msg)
        return slice(self.top, self.bottom), slice(self.left, self.right)


def bounding_box(
    mask: Mask, *, min_component_fraction: float = 0.0, near_fraction: float = 0.0
) -> Box | None:
    """Return the smallest box holding the ``True`` pixels of ``mask``, or ``None`` without any.

    With ``min_component_fraction`` above zero, 8-connected components smaller than that fraction
    of the largest one are left out, unless they lie within ``near_fraction`` of the long side of
    the box around the kept components.

    Parameters
    ----------
    mask
        ``(rows, cols)`` boolean mask.
    min_component_fraction
        Relative area below which a component far from the others is ignored.
    near_fraction
        Distance, relative to the kept box's long side, within which small components count.

    Returns
    -------
    Box or None
        The bounding box.

    Raises
    ------
    ValueError
        If the mask is not 2-D or the fraction is outside ``[0, 1]``.

    Examples
    --------
    >>> mask = np.zeros((50, 60), bool); mask[10:30, 20:50] = True; mask[45, 2] = True
    >>> bounding_box(mask)
    Box(top=10, left=2, bottom=46, right=50)
    >>> bounding_box(mask, min_component_fraction=0.01)
    Box(top=10, left=20, bottom=30, right=50)
    >>> bounding_box(np.zeros((3, 3), bool)) is None
    True
    """
    if mask.ndim != 2:  # noqa: PLR2004
        msg = f"mask must be 2-D (rows, cols), got shape {mask.shape}"
        raise ValueError(msg)
    if not 0.0 <= min_component_fraction <= 1.0:
        msg = f"min_component_fraction must be in [0, 1], got {min_component_fraction}"
        raise ValueError(msg)
    if min_component_fraction == 0.0:
        row_hits = np.flatnonzero(mask.any(axis=1))
        if row_hits.size == 0:
            return None
        col_hits = np.flatnonzero(mask.any(axis=0))
        return Box(int(row_hits[0]), int(col_hits[0]), int(row_hits[-1]) + 1, int(col_hits[-1]) + 1)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return None
    stats = stats[1:].astype(np.int64)
    tops, lefts = stats[:, cv2.CC_STAT_TOP], stats[:, cv2.CC_STAT_LEFT]
    bottoms = tops + stats[:, cv2.CC_STAT_HEIGHT]
    rights = lefts + stats[:, cv2.CC_STAT_WIDTH]
    edges = np.stack([tops, lefts, bottoms, rights])
    areas = stats[:, cv2.CC_STAT_AREA]
    big = areas >= min_component_fraction * areas.max()
    core = _union(edges[:, big])
    near = near_fraction * max(core.rows, core.cols)
    gap = np.maximum.reduce(
        [core.top - bottoms, tops - core.bottom, core.left - rights, lefts - core.right]
    )
    return _union(edges[:, big | (gap <= near)])


def _union(edges: npt.NDArray[np.int64]) -> Box:
    """Box around components given as a ``(4, n)`` array of top, left, bottom, right."""
    top, left = edges[:2].min(axis=1)
    bottom, right = edges[2:].max(axis=1)
    return Box(int(top), int(left), int(bottom), int(right))
