"""Small images built in code for the imaging tests, and a helper to save them in any format."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pillow_heif
import pytest
from PIL import Image
from pixellift.core.types import RgbImage

SaveAs = Callable[..., bytes]

BLOCK = 8
BLOCK_COLOURS = np.array(
    [[(255, 0, 0), (0, 255, 0), (0, 0, 255)], [(255, 255, 0), (0, 255, 255), (255, 0, 255)]],
    dtype=np.uint8,
)
"""2 x 3 grid of distinct colours; each is an 8 x 8 block so JPEG keeps it intact."""


@pytest.fixture(scope="session")
def save_as() -> SaveAs:
    """Return ``save(image, format, **options) -> bytes``; HEIF goes through pillow-heif."""
    pillow_heif.register_heif_opener()

    def save(image: Image.Image, fmt: str, **options: Any) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, fmt, **options)
        return buffer.getvalue()

    return save


@pytest.fixture
def colour_blocks() -> RgbImage:
    """A 16 x 24 image whose six 8 x 8 blocks have distinct colours (asymmetric in both axes)."""
    return np.repeat(np.repeat(BLOCK_COLOURS, BLOCK, axis=0), BLOCK, axis=1)


@pytest.fixture
def noisy_photo() -> RgbImage:
    """A 192 x 256 gradient with strong noise: expensive to compress, so caps bite."""
    rng = np.random.default_rng(20240101)  # fixed seed: file sizes in the cap tests depend on it
    rows, cols = np.mgrid[0:192, 0:256]
    base = np.dstack([rows, cols, (rows + cols) // 2]).astype(np.float64)
    return np.clip(base + rng.normal(0.0, 40.0, base.shape), 0, 255).astype(np.uint8)
