"""Watermarked previews on real product photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pixellift.core.access.watermark import watermark_preview
from pixellift.core.errors import InvalidImageArrayError

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def _photo(name: str, long_edge: int = 640) -> np.ndarray:
    with Image.open(SAMPLES / name) as image:
        image.thumbnail((long_edge, long_edge))
        return np.asarray(image.convert("RGB"))


@pytest.mark.parametrize("name", ["bottle-white-sweep.jpg", "mug-on-wooden-table.jpg"])
def test_mark_covers_every_region_of_the_photo(name: str) -> None:
    # GIVEN a real photo
    photo = _photo(name)
    # WHEN it is watermarked
    marked = watermark_preview(photo)
    # THEN every quarter of the picture is changed, yet most pixels stay close to the original
    changed = np.abs(marked.astype(int) - photo.astype(int)).max(axis=2) > 20
    rows, cols = changed.shape
    for r in (slice(0, rows // 2), slice(rows // 2, rows)):
        for c in (slice(0, cols // 2), slice(cols // 2, cols)):
            assert changed[r, c].mean() > 0.01
    assert changed.mean() < 0.5
    assert marked.shape == photo.shape and marked.dtype == np.uint8


def test_mark_shows_on_white_and_on_black() -> None:
    # GIVEN pure white and pure black images
    white = np.full((256, 256, 3), 255, np.uint8)
    black = np.zeros((256, 256, 3), np.uint8)
    # WHEN each is watermarked
    # THEN the white one gets darker pixels (outline) and the black one lighter pixels (text)
    assert (watermark_preview(white) < 230).mean() > 0.01
    assert (watermark_preview(black) > 25).mean() > 0.01


def test_higher_opacity_changes_more() -> None:
    # GIVEN a real photo
    photo = _photo("sneaker-on-brick-paving.jpg", 400)
    # WHEN it is marked faintly and strongly
    faint = np.abs(watermark_preview(photo, opacity=0.15).astype(int) - photo).mean()
    strong = np.abs(watermark_preview(photo, opacity=0.8).astype(int) - photo).mean()
    # THEN the strong mark departs further from the photo
    assert strong > 2 * faint > 0


@pytest.mark.parametrize(
    ("array", "opacity", "message"),
    [
        (np.zeros((8, 8), np.uint8), 0.3, "expected an RGB uint8 image"),
        (np.zeros((8, 8, 3), np.float32), 0.3, "expected an RGB uint8 image"),
        (np.zeros((8, 8, 3), np.uint8), 0.0, "opacity must be in"),
    ],
)
def test_bad_input_is_named(array: np.ndarray, opacity: float, message: str) -> None:
    # GIVEN a grey image, a float image, or zero opacity
    # WHEN it is watermarked
    # THEN the error says what is wrong
    with pytest.raises(InvalidImageArrayError, match=message):
        watermark_preview(array, opacity=opacity)
