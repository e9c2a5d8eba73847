"""Holes that show the backdrop, and false transparency inside a solid product.

Segmentation models paint over small enclosed gaps (the inside of a mug handle, a necklace
loop, the space between a chair's legs) and leave soft dips inside solid products where a
highlight looks like the backdrop. Both are visible on a white page. :func:`fill_interior`
makes everything far from the product's edge opaque; :func:`open_enclosed_holes` then makes
enclosed regions transparent where the photo shows the backdrop's colour *and* the region has
a crisp border. The second condition is what separates a hole (its border is the product's
edge) from a highlight (it fades into the product); a highlight the model had half opened is
closed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.imaging.foreground import fill_from_known
from pixellift.core.imaging.trimap import CONTOUR
from pixellift.core.types import Alpha, FloatImage, Mask, RgbImage

# Coarse values below this are certain background.
TRANSPARENT: Final = 0.1
# Colour tolerance (RGB distance, 0..255) = noise spread x factor, kept within these bounds.
_TOLERANCE_FACTOR: Final = 3.0
_TOLERANCE_MIN: Final = 12.0
_TOLERANCE_MAX: Final = 40.0
_NEAR_RING: Final = 3  # a hole's border pixels, then product
_FAR_RING: Final = (5, 9)  # product further out, the reference for the near ring
_NEAR_PRODUCT: Final = 0.05  # backdrop this share of the frame around the product sets the noise
_TIGHT: Final = 0.5  # large holes: typical distance within this share of the tolerance
_STEP: Final = 0.7  # near ring at least this share of the far ring's distance: a crisp border
_FIELD_SIDE: Final = 128  # the backdrop colour field is interpolated at about this size
_WHOLLY: Final = 0.999  # a reduced pixel is backdrop only if all it averages is backdrop


@dataclass(frozen=True)
class BackgroundModel:
    """The backdrop's colour behind every pixel and how far a backdrop pixel may stray from it.

    Attributes
    ----------
    colour
        float32 ``(rows, cols, 3)`` in 0..255: the backdrop's colour, interpolated behind the
        product from the backdrop around it.
    tolerance
        RGB distance within which a pixel counts as showing the backdrop.
    """

    colour: FloatImage
    tolerance: float

    def distance(self, rgb: RgbImage) -> npt.NDArray[np.float32]:
        """RGB distance of every pixel of ``rgb`` from the backdrop's colour there."""
        diff = rgb.astype(np.float32) - self.colour
        return np.asarray(np.sqrt(np.einsum("rck,rck->rc", diff, diff)), dtype=np.float32)


@dataclass(frozen=True)
class OpenedHoles:
    """Alpha with enclosed backdrop regions made transparent and false holes closed.

    Attributes
    ----------
    alpha
        The new alpha.
    count
        Holes opened that the input alpha had mostly closed.
    mask
        Pixels made transparent.
    filled
        Pixels made opaque: enclosed regions below 0.5 that do not show the backdrop.
    """

    alpha: Alpha
    count: int
    mask: Mask
    filled: Mask


def fit_background_model(rgb: RgbImage, alpha: Alpha) -> BackgroundModel:
    """Estimate the backdrop from the pixels that are certainly background.

    Parameters
    ----------
    rgb
        The photo, uint8 ``(rows, cols, 3)``.
    alpha
        Coarse or refined alpha; pixels below ``TRANSPARENT`` are taken as backdrop.

    Returns
    -------
    BackgroundModel
        With tolerance 0 (nothing matches) when no backdrop pixel is visible.

    Examples
    --------
    >>> rgb = np.full((8, 8, 3), 240, np.uint8)
    >>> alpha = np.zeros((8, 8), np.float32)
    >>> alpha[2:6, 2:6] = 1.0
    >>> model = fit_background_model(rgb, alpha)
    >>> model.colour[4, 4].tolist(), model.tolerance
    ([240.0, 240.0, 240.0], 12.0)
    """
    backdrop = alpha < TRANSPARENT
    if not backdrop.any():
        return BackgroundModel(np.zeros(rgb.shape, np.float32), 0.0)
    rows, cols = alpha.shape
    # The backdrop's colour varies slowly: interpolate it at a small size, then scale it up.
    factor = max(1, max(rows, cols) // _FIELD_SIDE)
    size = (max(1, cols // factor), max(1, rows // factor))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    weights = np.asarray(
        cv2.resize(backdrop.astype(np.float32), size, interpolation=cv2.INTER_AREA), np.float32
    )
    trusted = (weights > _WHOLLY).astype(np.float32)
    if not trusted.any():
        trusted = weights
    field = fill_from_known(small.reshape(size[1], size[0], 3), trusted)
    colour = cv2.resize(field, (cols, rows), interpolation=cv2.INTER_LINEAR).reshape(rows, cols, 3)
    # Spread of the backdrop around its local mean (noise, texture, JPEG), on every other pixel
    # so that the noise is not averaged away, and only near the product: what shows through
    # a hole is the backdrop right behind it, not a smooth sky at the top of the frame.
    sub = rgb[::2, ::2].astype(np.float32)
    product = (alpha[::2, ::2] >= CONTOUR).astype(np.uint8)
    reach = 2 * max(1, round(_NEAR_PRODUCT * max(product.shape))) + 1
    near = cv2.dilate(product, np.ones((reach, reach), np.uint8)) > 0 if product.any() else True
    mask = (backdrop[::2, ::2] & near).astype(np.float32)
    local = (
        cv2.blur(sub * mask[..., None], (5, 5))
        / np.maximum(cv2.blur(mask, (5, 5)), 1e-6)[..., None]
    )
    spread = np.linalg.norm((sub - local)[mask > 0], axis=-1)
    noise = float(np.median(spread)) if spread.size else 0.0
    tolerance = float(np.clip(_TOLERANCE_FACTOR * noise, _TOLERANCE_MIN, _TOLERANCE_MAX))
    return BackgroundModel(colour.astype(np.float32), tolerance)


def open_enclosed_holes(
    alpha: Alpha,
    rgb: RgbImage,
    background: BackgroundModel,
    *,
    min_area_px: int = 12,
    max_area_fraction: float = 0.4,
    contrast: float = 2.0,
) -> OpenedHoles:
    """Make regions enclosed by the product that show the backdrop transparent.

    Candidates are the pixels inside the product (alpha at least 0.5) within the model's
    tolerance of the backdrop's colour, together with the enclosed regions the alpha already
    leaves below 0.5; a connected region of them that does not touch the backdrop around the
    product is a hole when all of these hold:

    * it is not tiny (noise);
    * its typical colour is within the tolerance of the backdrop's, and for a region larger
      than ``max_area_fraction`` of the product's silhouette (a necklace loop, or a white
      product on white) within half of it, as close as the backdrop is to itself;
    * its border is crisp: the pixels 1-3 px around it differ from the backdrop by at least
      ``contrast`` times the tolerance, and nearly as much as the pixels 5-9 px out. A hole's
      border is the product's edge, while a highlight fades into the product slowly.

    A backdrop-coloured region whose border is not crisp (a highlight) but which includes
    enclosed pixels below 0.5 where the model was unsure (not near 0) has those pixels made
    opaque. Enclosed regions of other colours are left as the alpha has them.

    Parameters
    ----------
    alpha
        float32 ``(rows, cols)`` in ``[0, 1]``.
    rgb
        The photo, uint8 ``(rows, cols, 3)``.
    background
        From :func:`fit_background_model`.
    min_area_px, max_area_fraction, contrast
        The thresholds above.

    Returns
    -------
    OpenedHoles
        The new alpha (holes at 0, false holes at 1), how many holes were opened, and where.

    Examples
    --------
    >>> rgb = np.full((24, 24, 3), 250, np.uint8)
    >>> rgb[4:20, 4:20] = (200, 30, 30)
    >>> rgb[9:15, 9:15] = 250
    >>> alpha = np.zeros((24, 24), np.float32)
    >>> alpha[4:20, 4:20] = 1.0
    >>> opened = open_enclosed_holes(alpha, rgb, fit_background_model(rgb, alpha))
    >>> opened.count, float(opened.alpha[12, 12]), float(opened.alpha[6, 6])
    (1, 0.0, 1.0)
    """
    inside = alpha >= CONTOUR
    nothing = np.zeros(alpha.shape, bool)
    none = OpenedHoles(alpha.copy(), 0, nothing, nothing)
    if background.tolerance <= 0 or not inside.any():
        return none
    distance = background.distance(rgb)
    exterior = _exterior(inside)
    enclosed_low = ~inside & ~exterior
    candidates = ((distance < background.tolerance) & inside) | enclosed_low
    count, found, stats, _ = cv2.connectedComponentsWithStats(
        candidates.astype(np.uint8), connectivity=8
    )
    labels = np.asarray(found, dtype=np.int32)
    touching = np.unique(labels[cv2.dilate(exterior.astype(np.uint8), np.ones((3, 3))) > 0])
    max_area = max_area_fraction * int((~exterior).sum())
    opened, filled = nothing.copy(), nothing.copy()
    n_opened = 0
    for label in range(1, count):
        if label in touching:
            continue
        box = _box_slices(stats[label], alpha.shape)
        region = labels[box] == label
        area = int(stats[label, cv2.CC_STAT_AREA])
        level = float(np.median(distance[box][region]))
        limit = background.tolerance * (_TIGHT if area > max_area else 1.0)
        floor = contrast * background.tolerance
        pale = level < limit
        if pale and area >= min_area_px and _border_is_crisp(distance, region, box, floor):
            opened[box] |= region
            n_opened += int(np.mean(inside[box][region]) >= 0.5)  # noqa: PLR2004
            continue
        # Pale but fading into the product: a highlight. Where the model half took it for
        # backdrop (below 0.5, yet not near 0), that is false transparency.
        low = region & enclosed_low[box]
        if pale and low.any() and float(np.median(alpha[box][low])) >= TRANSPARENT:
            filled[box] |= low
    result = alpha.copy()
    result[opened] = 0.0
    result[filled] = 1.0
    return OpenedHoles(result, n_opened, opened, filled)


def fill_interior(alpha: Alpha, *, edge_px: float = 8.0) -> Alpha:
    """Make the product opaque wherever it is farther than ``edge_px`` from its edge.

    The edge is where alpha crosses 0.5, so a soft dip that stays above 0.5 (a highlight the
    model half took for backdrop) is filled, while a soft fringe that reaches below 0.5 (hair,
    or a hole the model already opened) is left for the alpha solver.

    Parameters
    ----------
    alpha
        float32 ``(rows, cols)`` in ``[0, 1]``.
    edge_px
        Width of the zone along the edge that is left alone.

    Returns
    -------
    Alpha
        A new array; the input is not modified.

    Examples
    --------
    >>> alpha = np.zeros((1, 9), np.float32)
    >>> alpha[0, 1:8] = [1.0, 1.0, 1.0, 0.6, 1.0, 1.0, 1.0]
    >>> fill_interior(alpha, edge_px=2).tolist()
    [[0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0]]
    """
    outside = alpha < CONTOUR
    out = alpha.copy()
    if not outside.any():
        out[:] = 1.0
        return out
    depth = cv2.distanceTransform((~outside).astype(np.uint8), cv2.DIST_L2, 5)
    out[depth > edge_px] = 1.0
    return out


def _exterior(inside: Mask) -> Mask:
    """Non-product pixels connected to the image border."""
    outside = (~inside).astype(np.uint8)
    _, labels = cv2.connectedComponents(outside, connectivity=8)
    border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    border_labels = np.unique(border[border > 0])
    return np.isin(labels, border_labels)


def _box_slices(stat: npt.NDArray[np.int32], shape: tuple[int, ...]) -> tuple[slice, slice]:
    col, row = int(stat[cv2.CC_STAT_LEFT]), int(stat[cv2.CC_STAT_TOP])
    width, height = int(stat[cv2.CC_STAT_WIDTH]), int(stat[cv2.CC_STAT_HEIGHT])
    return slice(row, min(shape[0], row + height)), slice(col, min(shape[1], col + width))


def _border_is_crisp(
    distance: npt.NDArray[np.float32], region: Mask, box: tuple[slice, slice], floor: float
) -> bool:
    """Whether the colour steps up to the product right at the region's border.

    Around a hole, a ring 1-3 px out is already as far from the backdrop's colour as a ring
    5-9 px out (both are product); around a highlight the near ring is still pale.
    """
    rows_s, cols_s = box
    pad = _FAR_RING[1]
    r0, c0 = max(0, rows_s.start - pad), max(0, cols_s.start - pad)
    r1 = min(distance.shape[0], rows_s.stop + pad)
    c1 = min(distance.shape[1], cols_s.stop + pad)
    local = np.zeros((r1 - r0, c1 - c0), np.uint8)
    local[rows_s.start - r0 : rows_s.stop - r0, cols_s.start - c0 : cols_s.stop - c0] = region
    values = distance[r0:r1, c0:c1]
    near = values[_ring(local, 0, _NEAR_RING)]
    far = values[_ring(local, *_FAR_RING)]
    if near.size == 0:
        return False
    near_level = float(np.median(near))
    far_level = float(np.median(far)) if far.size else near_level
    return near_level >= floor and near_level >= _STEP * far_level


def _ring(local: npt.NDArray[np.uint8], inner: int, outer: int) -> Mask:
    """Pixels more than ``inner`` and at most ``outer`` pixels out from ``local``'s region."""
    grown = [local if r == 0 else cv2.dilate(local, _disc(r)) for r in (inner, outer)]
    return np.asarray((grown[1] > 0) & (grown[0] == 0), dtype=bool)


def _disc(radius: int) -> npt.NDArray[np.uint8]:
    size = 2 * radius + 1
    return np.asarray(cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)), np.uint8)
