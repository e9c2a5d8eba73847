"""The matting Laplacian as box filters on band tiles, and the conjugate-gradient solve.

Levin, Lischinski and Weiss's matting Laplacian, applied as a guided filter (He, Sun and Tang
2010) so that each product costs a few box filters; only the 16-px tiles that touch the band are
filtered, stacked into one tall image. Used by :mod:`pixellift.core.imaging.matting`.
"""

from __future__ import annotations

from typing import Final, TypeVar

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.imaging.trimap import FloatMap
from pixellift.core.types import Alpha, Mask

Stack = npt.NDArray[np.float32]
_Float = TypeVar("_Float", np.float32, np.float64)
_Any = TypeVar("_Any", np.uint8, np.float32)

WINDOW: Final = 3  # Laplacian window (radius 1), as in Levin et al. and pymatting
TILE: Final = 16
HALO: Final = 2  # two chained radius-1 box filters reach two pixels
_STOP: Final = 1e-8  # relative squared residual at which conjugate gradients stop early


class Tiles:
    """The tiles of an image that touch a mask, each with a halo, stacked for box filtering.

    Box filters run on the stack as one tall image; a filter's bleed across stacked tiles
    stays inside the halos, which are never read back.
    """

    def __init__(self, mask: Mask) -> None:
        self.rows, self.cols = mask.shape
        t, h = TILE, HALO
        grid_r, grid_c = -(-self.rows // t), -(-self.cols // t)
        grid = np.zeros((grid_r * t, grid_c * t), bool)
        grid[: self.rows, : self.cols] = mask
        tile_r, tile_c = np.nonzero(grid.reshape(grid_r, t, grid_c, t).any(axis=(1, 3)))
        self.count = tile_r.size
        self.padded_shape = (grid_r * t + 2 * h, grid_c * t + 2 * h)
        span = np.arange(t + 2 * h)
        rows = (tile_r * t)[:, None, None] + span[None, :, None]
        cols = (tile_c * t)[:, None, None] + span[None, None, :]
        self._halo_index = rows * self.padded_shape[1] + cols
        self._inner_index = np.ascontiguousarray(self._halo_index[:, h : h + t, h : h + t])

    def pad(self, image: npt.NDArray[_Any], *, constant: bool = False) -> npt.NDArray[_Any]:
        """The image grown by the halo and rounded up to whole tiles (reflected or zero)."""
        h = HALO
        bottom = self.padded_shape[0] - h - self.rows
        right = self.padded_shape[1] - h - self.cols
        border = cv2.BORDER_CONSTANT if constant else cv2.BORDER_REFLECT
        padded = cv2.copyMakeBorder(image, h, bottom, h, right, border, value=0)
        return np.asarray(padded, dtype=image.dtype)

    def gather(self, padded: npt.NDArray[_Any]) -> npt.NDArray[_Any]:
        """The band tiles of a padded image, halos included, stacked into one tall image."""
        flat = padded.reshape(-1, *padded.shape[2:])
        side = TILE + 2 * HALO
        return np.ascontiguousarray(flat[self._halo_index]).reshape(
            self.count * side, side, *padded.shape[2:]
        )

    def inner(self, stack: Stack) -> Stack:
        """The tiles' interiors (halos dropped) as a ``(count, tile, tile, ...)`` view."""
        side, h = TILE + 2 * HALO, HALO
        tiles = stack.reshape(self.count, side, side, *stack.shape[2:])
        return tiles[:, h : h + TILE, h : h + TILE]

    def scatter(self, values: Stack, padded: npt.NDArray[np.float32]) -> None:
        """Write tile interiors back into a padded image, in place."""
        padded.reshape(-1, *padded.shape[2:])[self._inner_index] = values

    def assemble(self, stack: Stack) -> npt.NDArray[np.float32]:
        """Tile interiors placed back into an image (zeros away from the tiles)."""
        padded = np.zeros((*self.padded_shape, *stack.shape[2:]), np.float32)
        self.scatter(self.inner(stack), padded)
        h = HALO
        return padded[h : h + self.rows, h : h + self.cols]


class GuidedLaplacian:
    """The matting Laplacian divided by the window size, applied with box filters.

    Only windows lying wholly inside the photo count (``valid``), as in Levin et al.: padding
    beyond the border then couples nothing, and the operator stays symmetric, which conjugate
    gradients need.
    """

    def __init__(self, guide: Stack, valid: Stack, eps: float) -> None:
        ch = [np.ascontiguousarray(guide[..., k]) for k in range(3)]
        mean = [box3(c) for c in ch]
        # E[xy] - E[x]E[y] cancels badly in float32 on flat colours, and the inverse amplifies
        # the error: the covariance and its inverse are built in float64.
        ch64 = [c.astype(np.float64) for c in ch]
        mean64 = [m.astype(np.float64) for m in mean]
        cov: dict[tuple[int, int], npt.NDArray[np.float64]] = {}
        for j in range(3):
            for k in range(j, 3):
                prod = box3(ch64[j] * ch64[k]) - mean64[j] * mean64[k]
                cov[j, k] = prod + eps / WINDOW**2 if j == k else prod
        inv = [[v * valid for v in row] for row in inverse_sym3(cov)]
        self.count = box3(valid)
        # Diagonal for the Jacobi preconditioner: over the valid windows around a pixel, the
        # mean of 1 + (I - mu)' inv (I - mu), expanded so that each term is one box filter.
        quad = np.array(valid)
        for j in range(3):
            inv_mean = inv[j][0] * mean[0] + inv[j][1] * mean[1] + inv[j][2] * mean[2]
            quad += mean[j] * inv_mean
        quad = box3(quad)
        for j in range(3):
            inv_mean = inv[j][0] * mean[0] + inv[j][1] * mean[1] + inv[j][2] * mean[2]
            quad -= 2.0 * ch[j] * box3(inv_mean)
            for k in range(3):
                quad += ch[j] * box3(inv[j][k]) * ch[k]
        self.diagonal = (self.count - quad / WINDOW**2).astype(np.float32)
        self.channels, self.mean, self.inverse, self.valid = ch, mean, inv, valid

    def coefficients(self, p: Stack) -> tuple[Stack, Stack]:
        """Window-averaged guided-filter coefficients of ``p``: slope ``(.., 3)`` and offset."""
        slope, offset = self._summed(p)
        norm = np.asarray(1.0 / np.maximum(self.count, 1e-6), np.float32)
        return np.stack([s * norm for s in slope], axis=-1), np.asarray(offset * norm, np.float32)

    def apply(self, p: Stack) -> Stack:
        """The Laplacian applied to ``p`` (one matrix-vector product of the solve)."""
        (s0, s1, s2), offset = self._summed(p)
        ch = self.channels
        fitted = s0 * ch[0] + s1 * ch[1] + s2 * ch[2] + offset
        return np.asarray(self.count * p - fitted, np.float32)

    def _summed(self, p: Stack) -> tuple[list[Stack], Stack]:
        """Sums (over the valid windows around each pixel, divided by 9) of the coefficients."""
        inv, mean = self.inverse, self.mean
        p_mean = box3(p)
        cov = [box3(c * p) - m * p_mean for c, m in zip(self.channels, mean, strict=True)]
        slope = [inv[j][0] * cov[0] + inv[j][1] * cov[1] + inv[j][2] * cov[2] for j in range(3)]
        offset = (
            p_mean - slope[0] * mean[0] - slope[1] * mean[1] - slope[2] * mean[2]
        ) * self.valid
        return [box3(s) for s in slope], box3(offset)


def conjugate_gradient(
    laplacian: GuidedLaplacian,
    tiles: Tiles,
    *,
    start: Alpha,
    target: Alpha,
    unknown: Mask,
    weight: FloatMap,
    iterations: int,
) -> Alpha:
    """Minimise ``a' L a + sum(weight * (a - target)^2)`` over the band from ``start``.

    Known pixels stay fixed; they enter through the Laplacian's windows that touch the band.
    """
    inner = tiles.inner
    padded_start = tiles.pad(start)
    u = inner(tiles.gather(tiles.pad(as_f32(unknown))))
    w = inner(tiles.gather(tiles.pad(weight))) * u
    x = inner(tiles.gather(padded_start)).copy()
    goal = inner(tiles.gather(tiles.pad(target)))
    residual = u * (w * goal - inner(laplacian.apply(tiles.gather(padded_start))) - w * x)
    precond = u / np.maximum(inner(laplacian.diagonal) + w, np.float32(1e-6))
    z = residual * precond
    direction = z.copy()
    rz = float((residual * z).sum())
    first = rz
    buffer = np.zeros(tiles.padded_shape, np.float32)
    for _ in range(iterations):
        if rz <= _STOP * first or rz == 0.0:
            break
        tiles.scatter(direction.astype(np.float32, copy=False), buffer)
        a_dir = u * (inner(laplacian.apply(tiles.gather(buffer))) + w * direction)
        step = np.float32(rz / max(float((direction * a_dir).sum()), 1e-30))
        x += step * direction
        residual -= step * a_dir
        z = residual * precond
        rz_next = float((residual * z).sum())
        direction = z + np.float32(rz_next / rz) * direction
        rz = rz_next
    tiles.scatter(x, padded_start)
    h = HALO
    solved = padded_start[h : h + tiles.rows, h : h + tiles.cols]
    alpha = start.copy()
    alpha[unknown] = np.clip(solved[unknown], 0.0, 1.0)
    return alpha


def inverse_sym3(cov: dict[tuple[int, int], npt.NDArray[np.float64]]) -> list[list[Stack]]:
    """Inverse of a field of symmetric 3x3 matrices, by the adjugate (float32 result)."""
    a, b, c = cov[0, 0], cov[0, 1], cov[0, 2]
    d, e, f = cov[1, 1], cov[1, 2], cov[2, 2]
    i00, i01, i02 = d * f - e * e, c * e - b * f, b * e - c * d
    i11, i12, i22 = a * f - c * c, b * c - a * e, a * d - b * b
    inv_det = 1.0 / np.maximum(a * i00 + b * i01 + c * i02, 1e-300)
    rows = [[i00, i01, i02], [i01, i11, i12], [i02, i12, i22]]
    return [[(v * inv_det).astype(np.float32) for v in row] for row in rows]


def as_f32(mask: Mask) -> npt.NDArray[np.float32]:
    """A boolean mask as float32 zeros and ones."""
    return mask.astype(np.float32)


def box3(image: npt.NDArray[_Float]) -> npt.NDArray[_Float]:
    """3x3 box mean with reflected borders, in the input's dtype."""
    out = cv2.boxFilter(image, -1, (WINDOW, WINDOW), borderType=cv2.BORDER_REFLECT)
    return np.asarray(out, dtype=image.dtype)
