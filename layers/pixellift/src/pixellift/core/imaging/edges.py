"""Edge refinement: from a coarse probability map to a clean alpha matte and foreground.

The steps follow a post-production house's edge work:

1. work at most at ``solve_max_side`` pixels (the band is solved there and carried back to
   full resolution by its colour-line model, so hair keeps full-resolution detail);
2. remove false transparency deep inside the product, then open enclosed holes that show
   the backdrop (:mod:`pixellift.core.imaging.holes`);
3. measure edge complexity and build a trimap whose unknown band is tight on hard edges and
   wide on hair (:mod:`pixellift.core.imaging.trimap`);
4. solve alpha in the band (:mod:`pixellift.core.imaging.matting`), trusting colour lines
   on hard edges and colour samples on hair;
5. estimate the foreground colours so the old backdrop does not tint the edge
   (:mod:`pixellift.core.imaging.foreground`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.errors import InvalidImageArrayError, InvalidPresetError
from pixellift.core.imaging.foreground import estimate_foreground, shrink
from pixellift.core.imaging.holes import fill_interior, fit_background_model, open_enclosed_holes
from pixellift.core.imaging.matting import solve_matte
from pixellift.core.imaging.trimap import (
    CONTOUR,
    FOREGROUND,
    SOFT_HIGH,
    UNKNOWN,
    FloatMap,
    build_trimap,
    edge_cues,
    unsure_zone,
)
from pixellift.core.types import Alpha, RgbImage

# Weight of the colour samples against the matting Laplacian where edges are hair (complexity
# above _SAMPLING_FULL); below _SAMPLING_START only the Laplacian counts, which follows colour
# lines on hard, multicoloured or textured edges far better than samples do.
_SAMPLING_WEIGHT: Final = 0.3
_SAMPLING_START: Final = 0.3
_SAMPLING_FULL: Final = 0.7
# Band alpha this close to 0 or 1 is snapped: it is mostly solver noise, and with a
# decontaminated foreground it would show as a faint veil around the product on a new page.
_SNAP_LOW: Final = 0.04
_SNAP_HIGH: Final = 0.98


@dataclass(frozen=True)
class EdgeParams:
    """Settings of :func:`refine_edges`.

    Attributes
    ----------
    hard_band_px
        Unknown half-width for hard, smooth edges, in pixels at the working scale.
    soft_band_px
        Unknown half-width for hair, fur and other complex edges.
    solver
        ``"guided"`` (fast) or ``"closed_form"`` (pymatting, for comparison).
    solve_max_side
        The band is solved at most at this size, then carried to full resolution.
    fill_holes
        Remove false interior transparency and open enclosed backdrop holes.
    decontaminate
        Estimate foreground colours free of the old backdrop (otherwise the photo's own).
    """

    hard_band_px: int = 2
    soft_band_px: int = 16
    solver: Literal["guided", "closed_form"] = "guided"
    solve_max_side: int = 1024
    fill_holes: bool = True
    decontaminate: bool = True


@dataclass(frozen=True)
class EdgeResult:
    """Refined matte and what was done to get it.

    Attributes
    ----------
    alpha
        Final alpha, float32 in ``[0, 1]``, at the photo's size.
    foreground
        Decontaminated foreground colours (uint8), valid where alpha is above 0.
    trimap
        0 background, 128 unknown, 255 foreground, at the photo's size.
    unknown_fraction
        Fraction of the photo's pixels in the unknown band.
    complexity
        Mean edge complexity along the contour: 0 hard edges .. 1 hair or fur.
    holes_opened
        Enclosed backdrop regions made transparent.
    interior_filled_px
        Pixels (at the photo's size) forced opaque inside the product.
    solver
        The alpha solver used.
    """

    alpha: Alpha
    foreground: RgbImage
    trimap: npt.NDArray[np.uint8]
    unknown_fraction: float
    complexity: float
    holes_opened: int
    interior_filled_px: int
    solver: str


def refine_edges(rgb: RgbImage, coarse: Alpha, params: EdgeParams = EdgeParams()) -> EdgeResult:  # noqa: B008
    """Refine a coarse foreground probability into an alpha matte and clean foreground.

    Parameters
    ----------
    rgb
        The photo at output scale, uint8 ``(rows, cols, 3)``.
    coarse
        Foreground probability at the same size, float32 in ``[0, 1]`` (a segmentation
        model's upsampled output or a classical segmenter's mask).
    params
        Band widths, solver, working scale and the optional steps.

    Returns
    -------
    EdgeResult

    Raises
    ------
    InvalidImageArrayError
        If the photo is not ``(rows, cols, 3)`` uint8 or the map's shape does not match it.
    InvalidPresetError
        If the band widths or the working size are out of range.

    Examples
    --------
    >>> rgb = np.zeros((64, 64, 3), np.uint8)
    >>> rgb[16:48, 16:48] = (220, 60, 40)
    >>> coarse = cv2.GaussianBlur((rgb[..., 0] > 0).astype(np.float32), (0, 0), 2.0)
    >>> result = refine_edges(rgb, coarse)
    >>> float(result.alpha[32, 32]), float(result.alpha[32, 14]), result.holes_opened
    (1.0, 0.0, 0)
    """
    _validate(rgb, coarse, params)
    rows, cols = coarse.shape
    rgb = np.ascontiguousarray(rgb)
    work_rgb = shrink(rgb, params.solve_max_side)
    work_coarse = shrink(np.ascontiguousarray(coarse, dtype=np.float32), params.solve_max_side)
    if not np.isfinite(work_coarse).all():
        work_coarse = np.nan_to_num(work_coarse, nan=0.0, posinf=1.0, neginf=0.0)
    work_coarse = np.clip(work_coarse, 0.0, 1.0)
    reduced = work_rgb.shape[:2] != (rows, cols)

    work_coarse, filled, holes_opened = _holes(work_rgb, work_coarse, params)
    cues = edge_cues(
        work_rgb, work_coarse, hard_px=params.hard_band_px, soft_px=params.soft_band_px
    )
    complexity = cues.complexity
    band = params.hard_band_px + complexity * (params.soft_band_px - params.hard_band_px)
    unsure = unsure_zone(work_coarse, cues.strands, reach_px=2 * params.soft_band_px)
    work_trimap = build_trimap(work_coarse, band, unsure=unsure)
    filled &= work_trimap == FOREGROUND
    solution = solve_matte(
        work_rgb,
        work_trimap,
        solver=params.solver,
        prior=work_coarse,
        sample_weight=_sampling_weight(cues.strands, params.soft_band_px),
    )

    if reduced:
        trimap = np.asarray(
            cv2.resize(work_trimap, (cols, rows), interpolation=cv2.INTER_NEAREST), np.uint8
        )
        alpha = (trimap == FOREGROUND).astype(np.float32)
        where = np.nonzero(trimap == UNKNOWN)
        alpha[where] = solution.model.sample(rgb, where)
        filled_px = round(int(filled.sum()) * (rows * cols) / filled.size)
    else:
        trimap, alpha, filled_px = work_trimap, solution.alpha.copy(), int(filled.sum())
    alpha[alpha < _SNAP_LOW] = 0.0
    alpha[alpha > _SNAP_HIGH] = 1.0
    foreground = estimate_foreground(rgb, alpha) if params.decontaminate else rgb.copy()
    return EdgeResult(
        alpha=alpha,
        foreground=foreground,
        trimap=trimap,
        unknown_fraction=float((trimap == UNKNOWN).mean()),
        complexity=_contour_mean(complexity, work_coarse),
        holes_opened=holes_opened,
        interior_filled_px=filled_px,
        solver=params.solver,
    )


def _holes(
    rgb: RgbImage, coarse: Alpha, params: EdgeParams
) -> tuple[Alpha, npt.NDArray[np.bool_], int]:
    """Coarse map with false interior transparency removed and enclosed holes opened."""
    if not params.fill_holes:
        return coarse, np.zeros(coarse.shape, bool), 0
    solid = fill_interior(coarse, edge_px=float(params.soft_band_px))
    opened = open_enclosed_holes(solid, rgb, fit_background_model(rgb, solid))
    filled = ((solid > coarse) & (coarse < SOFT_HIGH) & ~opened.mask) | opened.filled
    result = np.where(opened.mask, np.float32(0.0), coarse).astype(np.float32)
    result[opened.filled] = 1.0
    return result, filled, opened.count


def _sampling_weight(strands: FloatMap, soft_band_px: int) -> FloatMap:
    """Weight of the colour samples against the Laplacian, per pixel.

    Only strands call for samples (not a merely blurred coarse map); they keep that weight a
    band's width into the zone where the coarse map hesitates.
    """
    # Square rather than round: OpenCV dilates with a rectangle in two cheap 1-D passes.
    size = 2 * max(1, soft_band_px) + 1
    reach = cv2.dilate(strands, np.ones((size, size), np.uint8))
    ramp = (reach - _SAMPLING_START) / (_SAMPLING_FULL - _SAMPLING_START)
    return np.asarray(_SAMPLING_WEIGHT * np.clip(ramp, 0.0, 1.0), np.float32)


def _contour_mean(complexity: FloatMap, coarse: Alpha) -> float:
    solid = (coarse >= CONTOUR).astype(np.uint8)
    contour = (solid > 0) & (cv2.erode(solid, np.ones((3, 3), np.uint8)) == 0)
    return float(complexity[contour].mean()) if contour.any() else 0.0


def _validate(rgb: RgbImage, coarse: Alpha, params: EdgeParams) -> None:
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:  # noqa: PLR2004
        msg = f"expected an RGB uint8 photo (rows, cols, 3), got {rgb.dtype} {rgb.shape}"
        raise InvalidImageArrayError(msg)
    if coarse.shape != rgb.shape[:2]:
        msg = f"coarse map shape {coarse.shape} does not match photo shape {rgb.shape[:2]}"
        raise InvalidImageArrayError(msg)
    if not 0 <= params.hard_band_px <= params.soft_band_px:
        msg = (
            f"edge bands must satisfy 0 <= hard_band_px <= soft_band_px, "
            f"got {params.hard_band_px} and {params.soft_band_px}"
        )
        raise InvalidPresetError(msg)
    if params.solve_max_side < 64:  # noqa: PLR2004
        msg = f"solve_max_side must be at least 64 pixels, got {params.solve_max_side}"
        raise InvalidPresetError(msg)
