"""Smart Margins: find the product, then plan a canvas around it that never cuts it.

A plan is made in source pixel coordinates and may reach beyond the photo (canvas extension); the
padding is filled with transparent, edge-replicated pixels so compositing shows no seams.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from pixellift.core.errors import InvalidPresetError
from pixellift.core.imaging.geometry import Box, bounding_box
from pixellift.core.types import Alpha, RgbImage

NEAR_FRACTION = 0.02
"""A small component this close to the product (fraction of its long side) is part of it."""

MARKETPLACE_ASPECTS = ((1, 1), (4, 5), (5, 4), (3, 4), (9, 16), (16, 9))
"""Canvas aspects (width:height) the marketplaces and social placements ask for."""


def subject_box(
    alpha: Alpha, *, threshold: float = 0.5, min_component_fraction: float = 0.001
) -> Box | None:
    """Return the bounding box of the product, ignoring specks and dust.

    Pixels with ``alpha >= threshold`` are product. Connected components smaller than
    ``min_component_fraction`` of the largest one are dropped unless they sit within
    ``NEAR_FRACTION`` of the product's long side (a clasp, a loose strap end). Large separate
    parts, such as the second earring of a pair, are kept.

    Parameters
    ----------
    alpha
        ``(rows, cols)`` float32 in ``[0, 1]``.
    threshold
        Alpha at or above which a pixel is product.
    min_component_fraction
        Area, relative to the largest component, below which a far component is dust.

    Returns
    -------
    Box or None
        The product's box, or ``None`` when no pixel reaches the threshold.

    Examples
    --------
    >>> a = np.zeros((100, 100), np.float32); a[20:80, 30:90] = 1.0; a[95, 2] = 1.0
    >>> subject_box(a)
    Box(top=20, left=30, bottom=80, right=90)
    """
    return bounding_box(
        alpha >= threshold,
        min_component_fraction=min_component_fraction,
        near_fraction=NEAR_FRACTION,
    )


@dataclass(frozen=True)
class Margins:
    """Per-edge margins as fractions of the canvas side.

    Top and bottom are fractions of the canvas height, left and right of its width.

    Examples
    --------
    >>> Margins(0.1, 0.05, 0.2, 0.05).bottom
    0.2
    """

    top: float
    right: float
    bottom: float
    left: float

    def __post_init__(self) -> None:
        for name in ("top", "right", "bottom", "left"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                msg = f"margin {name} must be a fraction in [0, 1), got {value}"
                raise InvalidPresetError(msg)


@dataclass(frozen=True)
class FramingSpec:
    """How the product sits on the canvas.

    ``margins``, when given, replaces ``fill``. In fill mode every edge gets the margin
    ``(1 - fill) / 2``, so ``anchor="bottom"`` puts a catalogue's products on one baseline.
    ``min_margin`` caps the fill at ``1 - 2 * min_margin`` and raises smaller margins to it.

    Raises
    ------
    InvalidPresetError
        If the aspect is not positive, the fill not in ``(0, 1]``, both fill and margins are
        missing, or the margins leave no room for the product.

    Examples
    --------
    >>> FramingSpec(aspect=(4, 5), fill=0.5).edge_margins()
    Margins(top=0.25, right=0.25, bottom=0.25, left=0.25)
    """

    aspect: tuple[int, int] = (1, 1)
    fill: float | None = 0.85
    margins: Margins | None = None
    anchor: Literal["center", "bottom", "top"] = "center"
    min_margin: float = 0.0

    def __post_init__(self) -> None:
        if len(self.aspect) != 2 or min(self.aspect) <= 0:  # noqa: PLR2004
            msg = f"aspect must be two positive integers (width, height), got {self.aspect}"
            raise InvalidPresetError(msg)
        if not 0.0 <= self.min_margin < 0.5:  # noqa: PLR2004
            msg = f"min_margin must be in [0, 0.5), got {self.min_margin}"
            raise InvalidPresetError(msg)
        if self.anchor not in ("center", "bottom", "top"):
            msg = f"anchor must be 'center', 'bottom' or 'top', got {self.anchor!r}"
            raise InvalidPresetError(msg)
        if self.margins is None:
            if self.fill is None or not 0.0 < self.fill <= 1.0:
                msg = f"fill must be in (0, 1] when no margins are given, got {self.fill}"
                raise InvalidPresetError(msg)
            return
        m = self.edge_margins()
        if m.top + m.bottom >= 1.0 or m.left + m.right >= 1.0:
            msg = f"margins {m} leave no room for the product"
            raise InvalidPresetError(msg)

    def edge_margins(self) -> Margins:
        """Return the minimum margin of each edge implied by the spec."""
        floor = self.min_margin
        if self.margins is None:
            side = max(floor, (1.0 - (self.fill or 1.0)) / 2)
            return Margins(side, side, side, side)
        m = self.margins
        return Margins(
            max(m.top, floor), max(m.right, floor), max(m.bottom, floor), max(m.left, floor)
        )


@dataclass(frozen=True)
class FramePlan:
    """Where the canvas lies in the source photo, and how the product fills it."""

    canvas: Box
    subject: Box
    extends_source: bool
    fill_achieved: float
    cuts_subject: bool
    image_rows: int
    image_cols: int

    def adjustments(self) -> dict[str, float | int | bool]:
        """Return a flat numeric record of the plan for the step log.

        ``offset_rows``/``offset_cols`` are how far the frame's centre moved from the photo's
        centre; ``scale`` is the photo's long side over the canvas's (above 1: the frame tightened).
        """
        canvas, rows, cols = self.canvas, self.image_rows, self.image_cols
        return {
            "canvas_top": canvas.top,
            "canvas_left": canvas.left,
            "canvas_rows": canvas.rows,
            "canvas_cols": canvas.cols,
            "pad_top": max(0, -canvas.top),
            "pad_bottom": max(0, canvas.bottom - rows),
            "pad_left": max(0, -canvas.left),
            "pad_right": max(0, canvas.right - cols),
            "offset_rows": canvas.center[0] - rows / 2,
            "offset_cols": canvas.center[1] - cols / 2,
            "scale": max(rows, cols) / max(canvas.rows, canvas.cols),
            "fill_achieved": self.fill_achieved,
            "extends_source": self.extends_source,
            "cuts_subject": self.cuts_subject,
        }


def _canvas_size(subject: Box, margins: Margins, aspect: float) -> tuple[int, int]:
    eps = 1e-9
    need_rows = subject.rows / (1.0 - margins.top - margins.bottom)
    need_cols = subject.cols / (1.0 - margins.left - margins.right)
    min_rows, min_cols = math.ceil(need_rows - eps), math.ceil(need_cols - eps)
    rows = max(min_rows, math.ceil(need_cols / aspect - eps))
    # Rounding the width to the aspect can fall short by a pixel; growing the height fixes it.
    while (cols := max(1, math.floor(rows * aspect + 0.5))) < min_cols:
        rows += 1
    return rows, cols


def _lead(slack: int, size: int, near: float, far: float, anchor: str) -> int:
    """Pixels before the subject on one axis, given the minimum near/far edge margins."""
    low, high = near * size, far * size
    if anchor == "start":
        lead = low
    elif anchor == "end":
        lead = slack - high
    else:
        lead = low + (slack - low - high) / 2
    return min(slack, max(0, math.floor(lead + 0.5)))


def plan_frame(image_rows: int, image_cols: int, subject: Box, spec: FramingSpec) -> FramePlan:
    """Plan the canvas that frames ``subject`` as ``spec`` asks.

    Parameters
    ----------
    image_rows, image_cols
        Size of the source photo.
    subject
        The product's box in source coordinates (see :func:`subject_box`).
    spec
        Aspect, fill or margins, anchor and minimum margin.

    Returns
    -------
    FramePlan
        A canvas of the exact aspect (within one pixel) that contains the whole subject.

    Raises
    ------
    ValueError
        If the subject is not inside the photo.

    Examples
    --------
    >>> plan = plan_frame(1000, 1000, Box(300, 400, 700, 600), FramingSpec(fill=0.8))
    >>> plan.canvas, plan.extends_source, plan.fill_achieved
    (Box(top=250, left=250, bottom=750, right=750), False, 0.8)
    """
    if not Box.of_shape(image_rows, image_cols).contains(subject):
        msg = f"subject {subject} is not inside the {image_rows}x{image_cols} photo"
        raise ValueError(msg)
    margins = spec.edge_margins()
    rows, cols = _canvas_size(subject, margins, spec.aspect[0] / spec.aspect[1])
    anchor = {"top": "start", "bottom": "end"}.get(spec.anchor, "center")
    lead_rows = _lead(rows - subject.rows, rows, margins.top, margins.bottom, anchor)
    lead_cols = _lead(cols - subject.cols, cols, margins.left, margins.right, "center")
    top, left = subject.top - lead_rows, subject.left - lead_cols
    canvas = Box(top, left, top + rows, left + cols)
    return FramePlan(
        canvas=canvas,
        subject=subject,
        extends_source=not Box.of_shape(image_rows, image_cols).contains(canvas),
        fill_achieved=max(subject.rows / rows, subject.cols / cols),
        cuts_subject=not canvas.contains(subject),
        image_rows=image_rows,
        image_cols=image_cols,
    )


def apply_frame(rgb: RgbImage, alpha: Alpha, plan: FramePlan) -> tuple[RgbImage, Alpha]:
    """Crop and pad a photo and its alpha to the plan's canvas.

    Padded pixels get alpha 0 and the photo's edge colour, so later matting and compositing see no
    dark seam. The inputs are not modified.

    Raises
    ------
    ValueError
        If the arrays do not match each other or the plan's photo size.

    Examples
    --------
    >>> rgb = np.full((4, 4, 3), 90, np.uint8); a = np.ones((4, 4), np.float32)
    >>> plan = plan_frame(4, 4, Box(0, 0, 4, 4), FramingSpec(fill=0.5))
    >>> out_rgb, out_a = apply_frame(rgb, a, plan)
    >>> out_rgb.shape, float(out_a[0, 0]), int(out_rgb[0, 0, 0]), float(out_a[4, 4])
    ((8, 8, 3), 0.0, 90, 1.0)
    """
    expected = (plan.image_rows, plan.image_cols)
    if rgb.shape != (*expected, 3) or alpha.shape != expected:
        msg = f"image {rgb.shape} and alpha {alpha.shape} do not match the planned photo {expected}"
        raise ValueError(msg)
    window = plan.canvas.clipped(*expected)
    if window is None:
        msg = f"canvas {plan.canvas} does not overlap the photo"
        raise ValueError(msg)
    canvas = plan.canvas
    pads = (
        window.top - canvas.top,
        canvas.bottom - window.bottom,
        window.left - canvas.left,
        canvas.right - window.right,
    )
    crop_rgb, crop_alpha = rgb[window.slices()], alpha[window.slices()]
    if not any(pads):
        return crop_rgb.copy(), crop_alpha.copy()
    out_rgb = cv2.copyMakeBorder(crop_rgb, *pads, borderType=cv2.BORDER_REPLICATE)
    out_alpha = cv2.copyMakeBorder(crop_alpha, *pads, borderType=cv2.BORDER_CONSTANT, value=0.0)
    return np.asarray(out_rgb, dtype=np.uint8), np.asarray(out_alpha, dtype=np.float32)


def plan_aspect_crops(
    image_rows: int,
    image_cols: int,
    subject: Box,
    aspects: Sequence[tuple[int, int]] = MARKETPLACE_ASPECTS,
    fill: float = 0.85,
    *,
    anchor: Literal["center", "bottom", "top"] = "center",
) -> dict[str, FramePlan]:
    """Plan one canvas per aspect from a single photo, keyed ``"width:height"``.

    No plan cuts the product: where an aspect does not fit inside the photo the canvas extends.

    Examples
    --------
    >>> plans = plan_aspect_crops(800, 600, Box(200, 200, 600, 400), [(1, 1), (16, 9)], 0.8)
    >>> {key: (p.canvas.cols, p.canvas.rows) for key, p in plans.items()}
    {'1:1': (500, 500), '16:9': (889, 500)}
    """
    plans: dict[str, FramePlan] = {}
    for aspect in aspects:
        spec = FramingSpec(aspect=aspect, fill=fill, anchor=anchor)
        plans[f"{aspect[0]}:{aspect[1]}"] = plan_frame(image_rows, image_cols, subject, spec)
    return plans
