from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pixellift.core.errors import InvalidPresetError
from pixellift.core.imaging.framing import MARKETPLACE_ASPECTS, FramingSpec, plan_frame
from pixellift.core.imaging.geometry import Box
from pixellift.core.imaging.resize import (
    ResizePlan,
    SizeSpec,
    plan_resize,
    resize_alpha,
    resize_image,
)


def test_plan_resize_reaches_the_exact_canvas() -> None:
    # GIVEN a square framed canvas and a 2000 x 2000 target
    spec = SizeSpec(width=2000, height=2000, min_long_edge=1000)
    # WHEN the resize is planned
    plan = plan_resize(1200, 1200, spec)
    # THEN the output is exactly the canvas, enlarged but not capped
    assert (plan.rows, plan.cols) == (2000, 2000)
    assert plan.scale == pytest.approx(2000 / 1200)
    assert plan.upscaled
    assert not plan.upscale_capped
    assert not plan.below_minimum


def test_plan_resize_exact_canvas_tolerates_a_pixel_of_aspect_rounding() -> None:
    # GIVEN a 16:9 canvas framed to the nearest pixel (1067 x 600)
    # WHEN it is sized for 1920 x 1080
    plan = plan_resize(600, 1067, SizeSpec(width=1920, height=1080))
    # THEN the exact size is produced
    assert (plan.rows, plan.cols) == (1080, 1920)


def test_plan_resize_exact_canvas_refuses_another_aspect() -> None:
    # GIVEN a 4:5 image and a square canvas
    # WHEN the resize is planned
    # THEN it is refused rather than stretching the product
    with pytest.raises(InvalidPresetError, match="does not have the aspect"):
        plan_resize(1000, 800, SizeSpec(width=2000, height=2000))


def test_plan_resize_long_edge_scales_proportionally() -> None:
    # GIVEN a 12 MP landscape photo
    # WHEN it is sized to a 2000 px long edge
    plan = plan_resize(3000, 4000, SizeSpec(long_edge=2000))
    # THEN the long side is 2000 and the short side follows
    assert plan == ResizePlan(1500, 2000, 0.5, False, False, False)


def test_plan_resize_caps_enlargement_and_flags_it() -> None:
    # GIVEN a small source and a large canvas with a marketplace minimum
    spec = SizeSpec(width=2000, height=2000, min_long_edge=1500, max_upscale=2.0)
    # WHEN the resize is planned
    plan = plan_resize(500, 500, spec)
    # THEN enlargement stops at 2x and both flags are raised
    assert (plan.rows, plan.cols, plan.scale) == (1000, 1000, 2.0)
    assert plan.upscaled
    assert plan.upscale_capped
    assert plan.below_minimum


def test_plan_resize_limits_only_enlarges_to_the_minimum() -> None:
    # GIVEN a spec with only long-edge limits and a source below the minimum
    # WHEN the resize is planned
    plan = plan_resize(600, 800, SizeSpec(min_long_edge=1000, max_long_edge=3000))
    # THEN the long edge is raised to the minimum
    assert (plan.rows, plan.cols) == (750, 1000)
    assert not plan.below_minimum


def test_plan_resize_limits_only_shrinks_to_the_maximum() -> None:
    # GIVEN a source above the maximum long edge
    # WHEN the resize is planned
    plan = plan_resize(6000, 4000, SizeSpec(max_long_edge=3000))
    # THEN the long edge is lowered to the maximum
    assert (plan.rows, plan.cols, plan.scale) == (3000, 2000, 0.5)


def test_plan_resize_limits_only_keeps_a_size_in_range() -> None:
    # GIVEN a source within the limits
    # WHEN the resize is planned
    plan = plan_resize(1200, 1600, SizeSpec(min_long_edge=1000, max_long_edge=3000))
    # THEN nothing changes
    assert plan == ResizePlan(1200, 1600, 1.0, False, False, False)


def test_plan_resize_rejects_an_empty_image() -> None:
    # GIVEN a zero-sized image
    # WHEN the resize is planned
    # THEN it is refused
    with pytest.raises(ValueError, match="must be positive"):
        plan_resize(0, 10, SizeSpec(long_edge=100))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"width": 2000}, "both width and height"),
        ({"width": 10, "height": 10, "long_edge": 10}, "not both"),
        ({"long_edge": 500, "min_long_edge": 1000}, "outside the long-edge limits"),
        ({"min_long_edge": 3000, "max_long_edge": 1000}, "outside the long-edge limits"),
        ({"long_edge": 0}, "must be positive"),
        ({"max_upscale": 0.5}, "max_upscale"),
    ],
)
def test_size_spec_rejects_contradictions(kwargs: dict[str, float], message: str) -> None:
    # GIVEN size values that contradict each other
    # WHEN the spec is built
    # THEN it is refused as an invalid preset
    with pytest.raises(InvalidPresetError, match=message):
        SizeSpec(**kwargs)  # type: ignore[arg-type]


@settings(deadline=None)
@given(
    st.integers(1, 5000),
    st.integers(1, 5000),
    st.integers(100, 4000),
    st.floats(1.0, 4.0),
)
def test_plan_resize_long_edge_is_exact_unless_capped(
    rows: int, cols: int, long_edge: int, max_upscale: float
) -> None:
    # GIVEN any image size and long-edge target
    spec = SizeSpec(long_edge=long_edge, max_upscale=max_upscale)
    # WHEN the resize is planned
    plan = plan_resize(rows, cols, spec)
    # THEN the long edge is the target, or the cap applied and is flagged
    wanted = long_edge / max(rows, cols)
    assert plan.upscale_capped == (wanted > max_upscale)
    if plan.upscale_capped:
        assert plan.scale == max_upscale
        assert max(plan.rows, plan.cols) < long_edge + 1
    else:
        assert max(plan.rows, plan.cols) == long_edge
    assert plan.upscaled == (plan.scale > 1.0)
    assert min(plan.rows, plan.cols) >= 1


@settings(deadline=None)
@given(st.integers(20, 3000), st.sampled_from(MARKETPLACE_ASPECTS), st.integers(1, 4))
def test_plan_resize_accepts_every_framed_canvas_of_the_aspect(
    rows: int, aspect: tuple[int, int], size: int
) -> None:
    # GIVEN a canvas framed to an aspect and an exact output of that aspect
    width, height = aspect
    canvas = plan_frame(rows, rows, Box(0, 0, rows, 1), FramingSpec(aspect=aspect, fill=1.0))
    spec = SizeSpec(width=width * 120 * size, height=height * 120 * size, max_upscale=1000.0)
    # WHEN the resize is planned
    plan = plan_resize(canvas.canvas.rows, canvas.canvas.cols, spec)
    # THEN the output is exactly the requested size
    assert (plan.rows, plan.cols) == (spec.height, spec.width)


def test_resize_image_downscales_by_area_averaging() -> None:
    # GIVEN a one-pixel black and white checkerboard
    board = np.indices((8, 8)).sum(axis=0) % 2 * 255
    rgb = np.repeat(board[..., None], 3, axis=2).astype(np.uint8)
    # WHEN it is halved
    out = resize_image(rgb, 4, 4)
    # THEN every pixel averages to mid-grey instead of aliasing
    assert out.shape == (4, 4, 3)
    assert np.abs(out.astype(int) - 128).max() <= 1


def test_resize_image_upscales_a_flat_colour_unchanged() -> None:
    # GIVEN a flat colour image
    rgb = np.full((10, 12, 3), (30, 60, 90), np.uint8)
    # WHEN it is enlarged
    out = resize_image(rgb, 25, 30)
    # THEN it is the same colour at the new size
    assert out.shape == (25, 30, 3)
    assert (out == (30, 60, 90)).all()


def test_resize_image_same_size_returns_a_copy() -> None:
    # GIVEN an image already at the target size
    rgb = np.zeros((5, 5, 3), np.uint8)
    # WHEN it is resized to its own size
    out = resize_image(rgb, 5, 5)
    # THEN the result is equal but independent
    out[0, 0] = 9
    assert rgb[0, 0, 0] == 0


def test_resize_image_rejects_a_non_image() -> None:
    # GIVEN a 2-D array
    # WHEN it is resized
    # THEN it is refused
    with pytest.raises(ValueError, match="uint8"):
        resize_image(np.zeros((5, 5), np.uint8), 2, 2)


def test_resize_alpha_stays_within_zero_and_one() -> None:
    # GIVEN a hard-edged matte (where bicubic enlargement overshoots)
    alpha = np.zeros((16, 16), np.float32)
    alpha[4:12, 4:12] = 1.0
    # WHEN it is enlarged
    out = resize_alpha(alpha, 53, 53)
    # THEN every value is a valid opacity and the interior stays opaque
    assert out.dtype == np.float32
    assert out.shape == (53, 53)
    assert float(out.min()) == 0.0
    assert float(out.max()) == 1.0
    assert float(out[26, 26]) == 1.0


def test_resize_alpha_same_size_is_a_float32_copy() -> None:
    # GIVEN a float64 alpha already at the target size
    alpha = np.full((3, 3), 0.5)
    # WHEN it is resized to its own size
    out = resize_alpha(alpha, 3, 3)
    # THEN it comes back as an independent float32 array
    assert out.dtype == np.float32
    out[0, 0] = 0.0
    assert alpha[0, 0] == 0.5


def test_resize_alpha_rejects_a_colour_image() -> None:
    # GIVEN a 3-D array
    # WHEN it is resized as an alpha
    # THEN it is refused
    with pytest.raises(ValueError, match="2-D"):
        resize_alpha(np.zeros((4, 4, 3), np.float32), 2, 2)


def test_resize_alpha_rejects_a_non_positive_size() -> None:
    # GIVEN a target with no rows
    # WHEN the alpha is resized
    # THEN it is refused
    with pytest.raises(ValueError, match="must be positive"):
        resize_alpha(np.zeros((4, 4), np.float32), 0, 4)
