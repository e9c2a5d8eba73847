"""Alpha inside the trimap's unknown band.

``guided`` (the default) works in two steps, both restricted to the band:

1. *Sampling*: each band pixel is explained as a mix of a foreground and a background colour
   taken from the nearest known pixels (sharp) or a push-pull fill of them (smooth); the pair
   that reconstructs the pixel best gives a first alpha, trusted as far as the two colours
   differ. This reaches strands of hair far from the known foreground.
2. *Propagation*: preconditioned conjugate gradients on Levin's matting Laplacian, applied
   with box filters as a guided filter (He, Sun and Tang 2010), with the sampled alpha as a
   data term where the edge calls for it (hair). The Laplacian makes alpha follow the local
   colour lines, which fixes multicoloured and textured edges that sampling gets wrong. The
   band is solved coarse to fine (three scales, each half the next), so a dozen steps at full
   scale reach the closed-form solution's quality, and the filters run only on tiles that
   touch the band, so the cost follows the band's area, not the photo's.

The solution's local colour-line model (``alpha = slope . rgb + offset``) comes back with it,
so that a band solved at a reduced scale can be applied to the full-resolution photo.

``closed_form`` runs pymatting's ``estimate_alpha_cf`` on the band's bounding box instead: the
exact sparse solve of the same Laplacian, slower, kept as a reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, TypeVar

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.errors import InvalidImageArrayError, InvalidPresetError
from pixellift.core.imaging.foreground import fill_from_known, sample_field
from pixellift.core.imaging.laplacian import (
    GuidedLaplacian,
    Tiles,
    as_f32,
    conjugate_gradient,
)
from pixellift.core.imaging.trimap import BACKGROUND, FOREGROUND, UNKNOWN, FloatMap, Trimap
from pixellift.core.types import Alpha, FloatImage, Mask, RgbImage

Solver = Literal["guided", "closed_form"]
_Float = TypeVar("_Float", np.float32, np.float64)
_Any = TypeVar("_Any", np.uint8, np.float32)

DEFAULT_EPS: Final = 1e-5
DEFAULT_ITERATIONS: Final = 12
DEFAULT_LEVELS: Final = 3
# Squared RGB distance (0..1 units) between the sampled foreground and background colours at
# which sampling is trusted fully; closer colours cannot tell foreground from background.
_SEPARATION: Final = 0.02
_SAMPLE_REACH: Final = 64  # colour samples are looked for at most this far from the band
_MIN_LEVEL_SIDE: Final = 48  # no coarser level below this size


@dataclass(frozen=True)
class ColourLineModel:
    """Local linear model ``alpha = slope . rgb / 255 + offset``, valid around the band.

    Attributes
    ----------
    slope
        float32 ``(rows, cols, 3)``.
    offset
        float32 ``(rows, cols)``.
    """

    slope: FloatImage
    offset: npt.NDArray[np.float32]

    def sample(self, rgb: RgbImage, where: tuple[npt.NDArray[np.intp], ...]) -> FloatMap:
        """Evaluate the model at pixels ``where`` of a photo ``1 / scale`` times its size.

        The model is interpolated bilinearly; the colours are the photo's own, so detail finer
        than the model's grid (a strand of hair) survives the change of scale.
        """
        scale = (self.offset.shape[0] / rgb.shape[0], self.offset.shape[1] / rgb.shape[1])
        slope = sample_field(self.slope, where, scale)
        offset = sample_field(self.offset[..., None], where, scale)[:, 0]
        guide = rgb[where].astype(np.float32) * np.float32(1 / 255)
        alpha = np.einsum("nk,nk->n", guide, slope) + offset
        return np.asarray(np.clip(alpha, 0.0, 1.0), dtype=np.float32)


@dataclass(frozen=True)
class MatteSolution:
    """Solved alpha and the colour-line model that reproduces it."""

    alpha: Alpha
    model: ColourLineModel


def sample_alpha(
    rgb: RgbImage, trimap: Trimap, prior: Alpha | None = None, *, only: Mask | None = None
) -> tuple[Alpha, FloatMap]:
    """First alpha guess in the band from foreground and background colour samples.

    Parameters
    ----------
    rgb
        The photo, uint8 ``(rows, cols, 3)``.
    trimap
        0 background, 128 unknown, 255 foreground.
    prior
        Coarse alpha to fall back on where the two colours are too close to tell apart.
    only
        Sample only these band pixels; the others get the fallback with confidence 0.

    Returns
    -------
    tuple of (Alpha, FloatMap)
        Alpha (the trimap's 0 or 1 outside the band) and the confidence in ``[0, 1]``.

    Examples
    --------
    >>> rgb = np.array([[[0, 0, 0], [64, 64, 64], [255, 255, 255]]], np.uint8)
    >>> alpha, confidence = sample_alpha(rgb, np.array([[0, 128, 255]], np.uint8))
    >>> alpha.round(2).tolist(), confidence.tolist()
    ([[0.0, 0.25, 1.0]], [[1.0, 1.0, 1.0]])
    """
    unknown = trimap == UNKNOWN
    alpha = (trimap == FOREGROUND).astype(np.float32)
    alpha[unknown] = 0.5 if prior is None else prior[unknown]
    confidence = np.where(unknown, np.float32(0.0), np.float32(1.0)).astype(np.float32)
    where = np.nonzero(unknown if only is None else unknown & only)
    fg_known, bg_known = trimap == FOREGROUND, trimap == BACKGROUND
    if where[0].size == 0 or not fg_known.any() or not bg_known.any():
        return alpha, confidence
    fallback = alpha[where]
    pixel = _unit(rgb[where])
    # Samples come from near the band: work in its bounding box plus a margin.
    rows, cols = trimap.shape
    r0, c0 = (
        max(0, int(where[0].min()) - _SAMPLE_REACH),
        max(0, int(where[1].min()) - _SAMPLE_REACH),
    )
    r1 = min(rows, int(where[0].max()) + _SAMPLE_REACH + 1)
    c1 = min(cols, int(where[1].max()) + _SAMPLE_REACH + 1)
    box = (slice(r0, r1), slice(c0, c1))
    local = where
    if fg_known[box].any() and bg_known[box].any():
        rgb, fg_known, bg_known = rgb[box], fg_known[box], bg_known[box]
        local = (where[0] - r0, where[1] - c0)
    fgs = [_nearest_colour(rgb, fg_known, local), _smooth_colour(rgb, fg_known, local)]
    bgs = [_nearest_colour(rgb, bg_known, local), _smooth_colour(rgb, bg_known, local)]
    best_alpha = np.zeros(pixel.shape[0], np.float32)
    best_cost = np.full(pixel.shape[0], np.inf, np.float32)
    best_sep = np.zeros(pixel.shape[0], np.float32)
    for fg in fgs:
        for bg in bgs:
            diff = fg - bg
            sep = np.einsum("nk,nk->n", diff, diff)
            a = np.clip(np.einsum("nk,nk->n", pixel - bg, diff) / np.maximum(sep, 1e-6), 0, 1)
            residual = pixel - (a[:, None] * fg + (1.0 - a[:, None]) * bg)
            cost = np.einsum("nk,nk->n", residual, residual) / np.maximum(sep, 1e-4)
            better = cost < best_cost
            best_alpha[better], best_cost[better], best_sep[better] = (
                a[better],
                cost[better],
                sep[better],
            )
    trust = np.clip(best_sep / _SEPARATION, 0.0, 1.0)
    alpha[where] = trust * best_alpha + (1.0 - trust) * fallback
    confidence[where] = trust
    return alpha, confidence


def solve_matte(
    rgb: RgbImage,
    trimap: Trimap,
    *,
    solver: Solver = "guided",
    prior: Alpha | None = None,
    sample_weight: float | FloatMap = 0.0,
    iterations: int = DEFAULT_ITERATIONS,
    eps: float = DEFAULT_EPS,
    levels: int = DEFAULT_LEVELS,
) -> MatteSolution:
    """Solve alpha in the band and return it with its colour-line model.

    Parameters
    ----------
    rgb
        The photo, uint8 ``(rows, cols, 3)``.
    trimap
        0 background, 128 unknown, 255 foreground, same rows and columns as ``rgb``.
    solver
        ``"guided"`` or ``"closed_form"`` (see the module notes).
    prior
        Coarse alpha, used where sampling cannot decide.
    sample_weight
        Weight of the sampled alpha against the Laplacian's smoothness (scalar or per pixel):
        0 on hard edges, where colour lines know best (the coarse map then only seeds the
        solver), about 0.3 on hair, where the samples do.
    iterations
        Conjugate-gradient steps at full scale (each coarser level gets twice as many).
    eps
        Regularisation of the local colour covariance.
    levels
        Scales solved coarse to fine, each half the next: the coarse solution, carried up by its
        colour-line model, leaves the fine level only local detail to fix, which is what a few
        conjugate-gradient steps do well.

    Returns
    -------
    MatteSolution

    Raises
    ------
    InvalidImageArrayError
        If the trimap's shape does not match the photo or the solver is unknown.

    Examples
    --------
    Solved at half size, the model gives alpha for the full-size photo's band pixels.

    >>> rgb = np.zeros((8, 16, 3), np.uint8)
    >>> rgb[:, 8:] = 200
    >>> trimap = np.array([[0] * 6 + [128] * 4 + [255] * 6] * 8, np.uint8)
    >>> solution = solve_matte(rgb, trimap)
    >>> big = np.repeat(np.repeat(rgb, 2, axis=0), 2, axis=1)
    >>> where = (np.array([0, 0]), np.array([14, 17]))
    >>> solution.model.sample(big, where).round(1).tolist()
    [0.0, 1.0]
    """
    if rgb.ndim != 3 or rgb.shape[:2] != trimap.shape:  # noqa: PLR2004
        msg = f"trimap shape {trimap.shape} does not match photo shape {rgb.shape}"
        raise InvalidImageArrayError(msg)
    if solver not in ("guided", "closed_form"):
        msg = f"unknown alpha solver {solver!r}; expected 'guided' or 'closed_form'"
        raise InvalidPresetError(msg)
    if solver == "closed_form":
        return _with_model(rgb, trimap, closed_form_alpha(rgb, trimap, prior=prior), eps)
    wanted = np.broadcast_to(np.asarray(sample_weight, np.float32), trimap.shape)
    # Where samples carry no weight they would only seed the solver, and the coarse map seeds
    # it as well at none of the cost.
    target, confidence = sample_alpha(rgb, trimap, prior, only=wanted > 0)
    weight = (wanted * confidence).astype(np.float32)
    return _cascade(rgb, trimap, target, weight, iterations=iterations, eps=eps, levels=levels)


def solve_alpha(
    rgb: RgbImage,
    trimap: Trimap,
    *,
    solver: Solver = "guided",
    prior: Alpha | None = None,
    sample_weight: float | FloatMap = 0.0,
    iterations: int = DEFAULT_ITERATIONS,
) -> Alpha:
    """Solve alpha in the trimap's unknown band; known pixels keep their 0 or 1.

    Parameters are those of :func:`solve_matte`.

    Returns
    -------
    Alpha
        float32 in ``[0, 1]``.

    Raises
    ------
    InvalidImageArrayError
        If the trimap's shape does not match the photo or the solver is unknown.

    Examples
    --------
    A black-to-white step whose middle column is half covered, in a six-pixel band:

    >>> rgb = np.zeros((8, 12, 3), np.uint8)
    >>> rgb[:, 6:], rgb[:, 5] = 255, 128
    >>> trimap = np.array([[0] * 3 + [128] * 6 + [255] * 3] * 8, np.uint8)
    >>> [round(float(a), 1) for a in solve_alpha(rgb, trimap)[0]]
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    solution = solve_matte(
        rgb, trimap, solver=solver, prior=prior, sample_weight=sample_weight, iterations=iterations
    )
    return solution.alpha


def closed_form_alpha(
    rgb: RgbImage, trimap: Trimap, *, prior: Alpha | None = None, margin: int = 4
) -> Alpha:
    """Closed-form matting (pymatting) on the bounding box of the unknown band.

    Parameters
    ----------
    rgb
        The photo, uint8 ``(rows, cols, 3)``.
    trimap
        0 background, 128 unknown, 255 foreground.
    prior
        Alpha for the band when the box holds no foreground or no background to solve from
        (0.5 when omitted).
    margin
        Known pixels kept around the band's bounding box as boundary conditions.

    Returns
    -------
    Alpha
        float32 in ``[0, 1]``; outside the box it is the trimap's 0 or 1.

    Examples
    --------
    >>> rgb = np.zeros((8, 12, 3), np.uint8)
    >>> rgb[:, 6:], rgb[:, 5] = 255, 128
    >>> trimap = np.array([[0] * 3 + [128] * 6 + [255] * 3] * 8, np.uint8)
    >>> [round(float(a), 1) for a in closed_form_alpha(rgb, trimap)[0]]
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    from pymatting import estimate_alpha_cf

    unknown = trimap == UNKNOWN
    alpha: Alpha = (trimap == FOREGROUND).astype(np.float32)
    alpha[unknown] = 0.5 if prior is None else prior[unknown]
    rows, cols = np.nonzero(unknown)
    if rows.size == 0:
        return alpha
    r0, r1 = max(0, int(rows.min()) - margin), min(trimap.shape[0], int(rows.max()) + margin + 1)
    c0, c1 = max(0, int(cols.min()) - margin), min(trimap.shape[1], int(cols.max()) + margin + 1)
    crop = trimap[r0:r1, c0:c1]
    if not (crop == FOREGROUND).any() or not (crop == BACKGROUND).any():
        return alpha
    image = rgb[r0:r1, c0:c1].astype(np.float64) / 255.0
    # pymatting's conjugate gradients divide by zero on degenerate crops (flat colour) and
    # give up on noise; the band then keeps the fallback.
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            solved = estimate_alpha_cf(image, crop.astype(np.float64) / 255.0)
    except ValueError:
        return alpha
    window = alpha[r0:r1, c0:c1]
    alpha[r0:r1, c0:c1] = np.where(np.isfinite(solved), np.clip(solved, 0.0, 1.0), window)
    return alpha


def _cascade(
    rgb: RgbImage,
    trimap: Trimap,
    target: Alpha,
    weight: FloatMap,
    *,
    iterations: int,
    eps: float,
    levels: int,
) -> MatteSolution:
    unknown = trimap == UNKNOWN
    start = target
    rows, cols = trimap.shape
    if levels > 1 and min(rows, cols) >= 2 * _MIN_LEVEL_SIDE and unknown.any():
        coarse = _cascade(
            np.asarray(cv2.resize(rgb, _half(rgb), interpolation=cv2.INTER_AREA), np.uint8),
            _halve_trimap(trimap),
            _halve(target),
            _halve(weight),
            iterations=2 * iterations,
            eps=eps,
            levels=levels - 1,
        )
        where = np.nonzero(unknown)
        start = target.copy()
        start[where] = coarse.model.sample(rgb, where)
    return _with_model(rgb, trimap, start, eps, target=target, weight=weight, iterations=iterations)


def _with_model(
    rgb: RgbImage,
    trimap: Trimap,
    start: Alpha,
    eps: float,
    *,
    target: Alpha | None = None,
    weight: FloatMap | None = None,
    iterations: int = 0,
) -> MatteSolution:
    """Optionally refine ``start`` by conjugate gradients, then fit its colour-line model."""
    unknown = trimap == UNKNOWN
    rows, cols = trimap.shape
    if not unknown.any():
        empty = ColourLineModel(
            np.zeros((rows, cols, 3), np.float32), np.zeros((rows, cols), np.float32)
        )
        return MatteSolution(start, empty)
    tiles = Tiles(cv2.dilate(unknown.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0)
    guide = _unit(tiles.gather(tiles.pad(rgb)))
    # A window is valid when it lies wholly inside the photo: its centre is off the border.
    centres = np.zeros((rows, cols), np.float32)
    centres[1:-1, 1:-1] = 1.0
    valid = tiles.gather(tiles.pad(centres, constant=True))
    laplacian = GuidedLaplacian(guide, valid, eps)
    alpha = start
    if iterations > 0 and target is not None and weight is not None:
        alpha = conjugate_gradient(
            laplacian,
            tiles,
            start=start,
            target=target,
            unknown=unknown,
            weight=weight,
            iterations=iterations,
        )
    slope, offset = laplacian.coefficients(tiles.gather(tiles.pad(alpha)))
    return MatteSolution(alpha, ColourLineModel(tiles.assemble(slope), tiles.assemble(offset)))


def _half(image: npt.NDArray[np.generic]) -> tuple[int, int]:
    """OpenCV ``(width, height)`` of an image halved, rounding up."""
    rows, cols = image.shape[:2]
    return (cols + 1) // 2, (rows + 1) // 2


def _halve(image: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    out = cv2.resize(image, _half(image), interpolation=cv2.INTER_AREA)
    return np.asarray(out, dtype=np.float32)


def _halve_trimap(trimap: Trimap) -> Trimap:
    """Half-size trimap: a 2x2 block is known only if all four pixels agree."""
    rows, cols = trimap.shape
    padded = np.pad(trimap, ((0, rows % 2), (0, cols % 2)), mode="edge")
    corners = [padded[r::2, c::2] for r in (0, 1) for c in (0, 1)]
    low, high = np.minimum.reduce(corners), np.maximum.reduce(corners)
    return np.where(low == high, low, np.uint8(UNKNOWN)).astype(np.uint8)


def _nearest_colour(
    rgb: RgbImage, known: Mask, where: tuple[npt.NDArray[np.intp], ...]
) -> npt.NDArray[np.float32]:
    """Colour of the nearest known pixel, at pixels ``where``."""
    _, labels = cv2.distanceTransformWithLabels(
        (~known).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    # Labels number the known pixels in raster order, starting at 1.
    return _unit(rgb[known][labels[where] - 1])


def _smooth_colour(
    rgb: RgbImage, known: Mask, where: tuple[npt.NDArray[np.intp], ...]
) -> npt.NDArray[np.float32]:
    """Push-pull fill of the known colours (at half scale: it is smooth anyway), at ``where``."""
    small = _unit(np.asarray(cv2.resize(rgb, _half(rgb), interpolation=cv2.INTER_AREA)))
    weights = _halve(as_f32(known))
    scale = (small.shape[0] / rgb.shape[0], small.shape[1] / rgb.shape[1])
    return sample_field(fill_from_known(small, weights), where, scale)


def _unit(values: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """uint8 colours as float32 in [0, 1]."""
    return values.astype(np.float32) * np.float32(1 / 255)
