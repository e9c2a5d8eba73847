"""Real sample photos with their exact product alpha, and fonts, for the cleanup and synth tests.

The samples are rendered by ``bench/make_samples.py`` from fixed seeds, so re-rendering a
sample's scene gives the exact alpha of the committed file; both are halved in size to keep
the tests fast.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import ImageFont
from pixellift.core.imaging.decode import decode_image
from pixellift.core.types import Alpha, RgbImage

from bench.make_samples import SAMPLES
from bench.scenes import compose

REPO = Path(__file__).resolve().parents[3]
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_NAMES = ("DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSansCondensed-Bold.ttf")

Photo = tuple[RgbImage, Alpha]


def _sample(name: str) -> Photo:
    sample = next(s for s in SAMPLES if s.name == name)
    scene = compose(
        np.random.default_rng(sample.seed),
        sample.obj,
        sample.setting,
        sample.rows,
        sample.cols,
        style=sample.style,
    )
    rgb = decode_image((REPO / "samples" / name).read_bytes(), name).rgb
    size = (rgb.shape[1] // 2, rgb.shape[0] // 2)
    half_rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    half_alpha = cv2.resize(scene.alpha, size, interpolation=cv2.INTER_AREA)
    return half_rgb, np.where(half_alpha < 1e-3, 0.0, half_alpha).astype(np.float32)


@pytest.fixture(scope="session")
def sneaker() -> Photo:
    """A sneaker on brick paving (busy texture), 750 x 562, and its alpha."""
    return _sample("sneaker-on-brick-paving.jpg")


@pytest.fixture(scope="session")
def bottle() -> Photo:
    """A bottle on a light-grey paper sweep, 600 x 800, and its alpha."""
    return _sample("bottle-white-sweep.jpg")


@pytest.fixture(scope="session")
def carton() -> Photo:
    """A carton before a brick wall on a linen-toned table (a horizon behind it), 800 x 600."""
    return _sample("carton-phone-rotated.jpg")


@pytest.fixture(scope="session")
def fonts() -> list[ImageFont.FreeTypeFont]:
    """DejaVu fonts at 160 px (Debian's fonts-dejavu-core)."""
    if not all((FONT_DIR / name).exists() for name in FONT_NAMES):
        pytest.skip("DejaVu fonts are not installed")
    return [ImageFont.truetype(str(FONT_DIR / name), 160) for name in FONT_NAMES]
