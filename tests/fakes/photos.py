"""Small synthetic product photos: a dark product on a plain light sweep (the classical path)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def product_photo(rows: int = 240, cols: int = 320, *, shade: int = 60, fmt: str = "JPEG") -> bytes:
    """A round product on a light grey background, encoded; ``shade`` varies the content."""
    rgb = np.full((rows, cols, 3), 232, np.uint8)
    yy, xx = np.mgrid[0:rows, 0:cols]
    disc = (yy - rows // 2) ** 2 + (xx - cols // 2) ** 2 <= (min(rows, cols) // 3) ** 2
    rgb[disc] = (shade, shade // 2 + 20, 140)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, fmt)
    return buf.getvalue()


def busy_photo(rows: int = 240, cols: int = 320, *, seed: int = 7) -> bytes:
    """A product on random texture: the classical path is not confident, so the model is used.

    The seed is fixed so the texture (and the content key of the photo) is reproducible.
    """
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, (rows, cols, 3), dtype=np.uint8)
    rgb[rows // 4 : 3 * rows // 4, cols // 4 : 3 * cols // 4] = (40, 70, 150)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()
