"""Real photographic material from ``skimage.data``: colour photos and grey textures.

Every image used here ships inside the scikit-image wheel (no download) and is public domain or CC0;
``bench/README.md`` and ``samples/README.md`` list the sources. Photos whose licence is unclear
(the Middlebury stereo motorcycle) are deliberately left out.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import cv2
import numpy as np
import numpy.typing as npt
from skimage import data

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]
Rng = np.random.Generator

_COLOUR: dict[str, Callable[[], U8]] = {
    "coffee": data.coffee,
    "chelsea": data.chelsea,
    "astronaut": data.astronaut,
    "rocket": data.rocket,
}
_GREY: dict[str, Callable[[], U8]] = {
    "grass": data.grass,
    "gravel": data.gravel,
    "brick": data.brick,
}
COLOUR_PHOTOS = tuple(_COLOUR)
GREY_TEXTURES = tuple(_GREY)


@cache
def colour_photo(name: str) -> U8:
    """A colour photograph from ``skimage.data`` as uint8 RGB."""
    return np.ascontiguousarray(_COLOUR[name]()[..., :3])


@cache
def grey_texture(name: str) -> U8:
    """A greyscale texture from ``skimage.data`` as uint8."""
    return np.ascontiguousarray(_GREY[name]())


def crop_resized(image: U8, rng: Rng, rows: int, cols: int, min_frac: float = 0.35) -> U8:
    """A random crop with the target aspect ratio, resized to ``(rows, cols)``."""
    src_r, src_c = image.shape[:2]
    aspect = cols / rows
    frac = rng.uniform(min_frac, 1.0)
    crop_c = min(src_c, int(src_r * frac * aspect))
    crop_r = min(src_r, max(8, int(crop_c / aspect)))
    crop_c = max(8, min(src_c, int(crop_r * aspect)))
    top = int(rng.integers(0, src_r - crop_r + 1))
    left = int(rng.integers(0, src_c - crop_c + 1))
    patch = image[top : top + crop_r, left : left + crop_c]
    interp = cv2.INTER_AREA if crop_r > rows else cv2.INTER_CUBIC
    return np.asarray(cv2.resize(patch, (cols, rows), interpolation=interp), np.uint8)


def photo_crop(rng: Rng, rows: int, cols: int, names: tuple[str, ...] = COLOUR_PHOTOS) -> F32:
    """A crop of a real colour photo as float32 RGB in [0, 1] (for labels and packaging)."""
    name = names[int(rng.integers(len(names)))]
    return (crop_resized(colour_photo(name), rng, rows, cols) / 255.0).astype(np.float32)


def tile(image: U8, rows: int, cols: int, scale: float) -> U8:
    """Mirror-tile a texture at ``scale`` to cover ``(rows, cols)`` without visible seams."""
    scaled = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    reps_r = rows // (2 * scaled.shape[0]) + 1
    reps_c = cols // (2 * scaled.shape[1]) + 1
    block = np.concatenate([scaled, scaled[::-1]], axis=0)
    block = np.concatenate([block, block[:, ::-1]], axis=1)
    reps = (reps_r, reps_c) + (1,) * (image.ndim - 2)
    return np.tile(block, reps)[:rows, :cols]


def tinted_texture(
    rng: Rng,
    rows: int,
    cols: int,
    dark: F32,
    light: F32,
    *,
    names: tuple[str, ...] = GREY_TEXTURES,
    scale: float | None = None,
) -> F32:
    """A grey texture mapped onto a dark-to-light colour ramp (leather, fur, stone, grass)."""
    name = names[int(rng.integers(len(names)))]
    grey = tile(grey_texture(name), rows, cols, scale or float(rng.uniform(0.6, 1.4)))
    t = (grey.astype(np.float32) / 255.0)[..., None]
    return (dark * (1.0 - t) + light * t).astype(np.float32)
