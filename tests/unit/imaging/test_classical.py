from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.data
from pixellift.core.imaging.classical import (
    ClassicalSegmentation,
    border_strip,
    segment_plain_background,
)
from pixellift.core.pipeline.segment import CLASSICAL_MIN_CONFIDENCE

RED = (190, 70, 45)


def _jpeg(rgb: np.ndarray, quality: int = 85) -> np.ndarray:
    ok, data = cv2.imencode(
        ".jpg", np.ascontiguousarray(rgb[..., ::-1]), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1].copy()


def studio_photo(
    rows: int = 180,
    cols: int = 240,
    *,
    colour: tuple[int, int, int] = RED,
    sweep: tuple[float, float] = (250.0, 222.0),
    vignette: float = 0.06,
    shape: str = "disc",
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A shaded product on a studio sweep, with a soft shadow, sensor noise and JPEG artefacts.

    Returns the photo and the ground-truth product mask (pixels at least half covered).
    """
    rr, cc = np.mgrid[0:rows, 0:cols].astype(np.float32)
    top, bottom = sweep
    backdrop = top + (bottom - top) * rr / (rows - 1)
    radius2 = ((rr / (rows - 1) - 0.5) ** 2 + (cc / (cols - 1) - 0.5) ** 2) / 0.5
    photo = np.repeat((backdrop * (1.0 - vignette * radius2))[..., None], 3, axis=2)
    centre_r, centre_c, size = rows * 0.48, cols * 0.5, min(rows, cols) * 0.28
    shadow = np.zeros((rows, cols), np.float32)
    cv2.ellipse(
        shadow,
        (int(centre_c), int(centre_r + size * 0.9)),
        (int(size * 1.1), int(size * 0.25)),
        0,
        0,
        360,
        1.0,
        -1,
    )
    photo *= (1.0 - 0.16 * cv2.GaussianBlur(shadow, (0, 0), size * 0.15))[..., None]
    # Coverage from a signed distance gives the outline a realistic one-pixel anti-aliased edge.
    if shape == "disc":
        outside = np.hypot(rr - centre_r, cc - centre_c) - size
    else:
        outside = np.maximum(np.abs(rr - centre_r) - size * 0.8, np.abs(cc - centre_c) - size * 1.2)
    coverage = np.clip(0.5 - outside, 0.0, 1.0)
    shading = np.clip(1.0 - 0.12 * ((rr - centre_r) + (cc - centre_c)) / size, 0.6, 1.3)
    product = np.asarray(colour, np.float32) * shading[..., None]
    photo = photo * (1.0 - coverage[..., None]) + product * coverage[..., None]
    photo += np.random.default_rng(seed).normal(0.0, 3.0, photo.shape)
    return _jpeg(np.clip(photo, 0, 255).astype(np.uint8)), coverage >= 0.5


def textured_photo(texture: str) -> tuple[np.ndarray, np.ndarray]:
    """A red disc on a real texture from scikit-image (grass, gravel, brick), tinted."""
    grey = getattr(skimage.data, texture)().astype(np.float32)[::2, ::2]
    tint = {"grass": (0.6, 1.0, 0.5), "gravel": (1.0, 0.95, 0.85), "brick": (1.0, 0.6, 0.5)}[
        texture
    ]
    photo = grey[..., None] * np.asarray(tint, np.float32)
    rows, cols = grey.shape
    rr, cc = np.mgrid[0:rows, 0:cols]
    disc = (rr - rows / 2) ** 2 + (cc - cols / 2) ** 2 <= (rows / 4) ** 2
    photo[disc] = RED
    return np.clip(photo, 0, 255).astype(np.uint8), disc


def iou(alpha: np.ndarray, truth: np.ndarray) -> float:
    predicted = alpha >= 0.5
    return float((predicted & truth).sum() / (predicted | truth).sum())


@pytest.mark.parametrize(
    ("label", "options"),
    [
        ("red disc on a white sweep", {}),
        (
            "blue box on a grey sweep",
            {"colour": (60, 90, 160), "shape": "box", "sweep": (235.0, 200.0)},
        ),
        ("black disc with a strong vignette", {"colour": (25, 25, 28), "vignette": 0.15}),
        ("yellow disc on a dark backdrop", {"colour": (230, 200, 40), "sweep": (60.0, 40.0)}),
    ],
)
def test_segment_plain_background_finds_studio_products_confidently(label, options):
    # GIVEN a product photographed on a studio sweep (shadow, noise, JPEG)
    photo, truth = studio_photo(**options)

    # WHEN it is segmented without a model
    result = segment_plain_background(photo)

    # THEN the mask matches the product and the result is trusted
    assert iou(result.alpha, truth) >= 0.98, label
    assert result.confidence >= CLASSICAL_MIN_CONFIDENCE, result.reason


def test_segment_plain_background_leaves_the_soft_shadow_out():
    # GIVEN a studio photo whose product casts a soft shadow below it
    photo, truth = studio_photo()
    rows, cols = truth.shape
    below = np.zeros_like(truth)
    below[int(rows * 0.77) : int(rows * 0.85), int(cols * 0.4) : int(cols * 0.6)] = True

    # WHEN it is segmented
    result = segment_plain_background(photo)

    # THEN the shadow under the product stays background
    assert not truth[below].any()
    assert result.alpha[below].max() < 0.5


@pytest.fixture(scope="module")
def large_studio() -> tuple[np.ndarray, np.ndarray, ClassicalSegmentation]:
    """A photo larger than the working resolution (so the work is done on a copy), segmented."""
    photo, truth = studio_photo(480, 720)
    return photo, truth, segment_plain_background(photo)


def test_segment_plain_background_returns_float32_alpha_at_the_input_size(large_studio):
    # GIVEN a photo larger than the working resolution
    # WHEN it is segmented
    _, truth, result = large_studio

    # THEN the alpha is float32 in [0, 1] at full size, with an accurate outline
    assert result.alpha.shape == (480, 720)
    assert result.alpha.dtype == np.float32
    assert 0.0 <= result.alpha.min() <= result.alpha.max() <= 1.0
    assert iou(result.alpha, truth) >= 0.99


def test_segment_plain_background_gives_the_outline_fractional_alpha(large_studio):
    # GIVEN a large photo whose disc edge is anti-aliased
    # WHEN it is segmented
    alpha = large_studio[2].alpha

    # THEN some edge pixels are partly transparent rather than all 0 or 1
    partial = np.count_nonzero((alpha > 0.1) & (alpha < 0.9))
    assert partial > 100


@pytest.mark.parametrize("texture", ["grass", "gravel", "brick"])
def test_segment_plain_background_is_not_confident_on_textured_backgrounds(texture):
    # GIVEN a subject on a real textured background
    photo, _ = textured_photo(texture)

    # WHEN it is segmented classically
    result = segment_plain_background(photo)

    # THEN the result is flagged as untrustworthy, with the reason
    assert result.confidence < 0.2
    assert result.reason.startswith("limited by")


def test_segment_plain_background_is_not_confident_on_a_real_photo():
    # GIVEN an ordinary photo (a cup of coffee on a wooden table)
    # WHEN it is segmented classically
    result = segment_plain_background(skimage.data.coffee())

    # THEN it defers to the model
    assert result.confidence < 0.2


def test_segment_plain_background_is_not_confident_when_the_product_matches_the_backdrop():
    # GIVEN an off-white product on a white sweep
    photo, _ = studio_photo(colour=(215, 210, 200), shape="box")

    # WHEN it is segmented
    result = segment_plain_background(photo)

    # THEN the weak outline keeps the confidence below the threshold
    assert result.confidence < CLASSICAL_MIN_CONFIDENCE
    assert "outline separation" in result.reason


def test_segment_plain_background_accepts_a_product_cut_off_by_the_frame():
    # GIVEN a studio photo cropped so the box runs off the bottom edge
    photo, truth = studio_photo(shape="box")
    photo, truth = np.ascontiguousarray(photo[:115]), truth[:115]
    assert truth[-1].any()

    # WHEN it is segmented
    result = segment_plain_background(photo)

    # THEN the product is found and still trusted
    assert iou(result.alpha, truth) >= 0.98
    assert result.confidence >= CLASSICAL_MIN_CONFIDENCE


def test_segment_plain_background_keeps_a_hole_that_shows_the_backdrop():
    # GIVEN a ring-shaped product whose middle shows the white backdrop
    photo, truth = studio_photo(colour=(40, 120, 60))
    rr, cc = np.mgrid[0 : photo.shape[0], 0 : photo.shape[1]]
    hole = (rr - photo.shape[0] * 0.48) ** 2 + (cc - photo.shape[1] * 0.5) ** 2 <= 22**2
    photo[hole] = 240

    # WHEN it is segmented
    result = segment_plain_background(photo)

    # THEN the hole is transparent and the ring opaque
    assert result.alpha[hole].mean() < 0.05
    assert iou(result.alpha, truth & ~hole) >= 0.98


def test_segment_plain_background_keeps_every_item_of_a_set():
    # GIVEN two separate products on one backdrop
    photo = np.full((120, 200, 3), 245, np.uint8)
    photo[40:80, 20:70] = (30, 30, 160)
    photo[30:90, 120:180] = (160, 30, 30)

    # WHEN it is segmented
    alpha = segment_plain_background(photo).alpha

    # THEN both are foreground and the gap between them is not
    assert alpha[60, 45] == 1.0
    assert alpha[60, 150] == 1.0
    assert alpha[60, 95] == 0.0


def test_segment_plain_background_reports_the_backdrop_colour():
    # GIVEN a product on a flat light-blue backdrop
    photo = np.full((100, 100, 3), (200, 220, 250), np.uint8)
    photo[30:70, 30:70] = (20, 20, 20)

    # WHEN it is segmented
    result = segment_plain_background(photo)

    # THEN the backdrop colour is the border's
    assert result.background_rgb == (200, 220, 250)


def test_segment_plain_background_finds_nothing_on_an_empty_backdrop():
    # GIVEN a photo of the backdrop alone
    photo, _ = studio_photo(colour=(0, 0, 0))
    empty = _jpeg(np.full_like(photo, 240))

    # WHEN it is segmented
    result = segment_plain_background(empty)

    # THEN there is no product and no confidence
    assert not result.alpha.any()
    assert result.confidence == 0.0
    assert "covers 0.0%" in result.reason


def test_segment_plain_background_declines_tiny_images():
    # GIVEN a thumbnail smaller than the minimum side
    # WHEN it is segmented
    result = segment_plain_background(np.full((10, 40, 3), 200, np.uint8))

    # THEN it returns an empty mask with zero confidence
    assert result.alpha.shape == (10, 40)
    assert result.confidence == 0.0
    assert result.reason == "image too small"


def test_segment_plain_background_is_deterministic():
    # GIVEN one studio photo
    photo, _ = studio_photo(colour=(170, 170, 175))

    # WHEN it is segmented twice
    first = segment_plain_background(photo)
    second = segment_plain_background(photo)

    # THEN both results are identical
    np.testing.assert_array_equal(first.alpha, second.alpha)
    assert first.confidence == second.confidence


def test_segment_plain_background_rejects_non_rgb_input():
    # GIVEN a greyscale array
    # WHEN / THEN it is refused with a clear message
    with pytest.raises(ValueError, match=r"expected a \(rows, cols, 3\) uint8 image"):
        segment_plain_background(np.zeros((50, 50), np.uint8))


def test_border_strip_covers_four_percent_of_the_short_side():
    # GIVEN a 100 x 300 image
    strip = border_strip(100, 300)

    # WHEN / THEN the strip is 4 px wide on every side and the middle is free
    assert strip[:4].all() and strip[-4:].all() and strip[:, :4].all() and strip[:, -4:].all()
    assert not strip[4:-4, 4:-4].any()
