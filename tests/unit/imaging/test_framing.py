from __future__ import annotations

from typing import Literal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pixellift.core.errors import InvalidPresetError
from pixellift.core.imaging.framing import (
    MARKETPLACE_ASPECTS,
    FramePlan,
    FramingSpec,
    Margins,
    apply_frame,
    plan_aspect_crops,
    plan_frame,
    subject_box,
)
from pixellift.core.imaging.geometry import Box
from pixellift.core.imaging.quality import fill_ratio


def _alpha(rows: int, cols: int, *parts: Box) -> np.ndarray:
    alpha = np.zeros((rows, cols), np.float32)
    for part in parts:
        alpha[part.slices()] = 1.0
    return alpha


def test_subject_box_is_none_without_product() -> None:
    # GIVEN an alpha with nothing at or above the threshold
    alpha = np.full((20, 20), 0.4, np.float32)
    # WHEN the subject is located
    # THEN there is none
    assert subject_box(alpha) is None


def test_subject_box_ignores_far_dust_specks() -> None:
    # GIVEN a product and three small specks far from it
    alpha = _alpha(200, 200, Box(50, 60, 150, 140))
    for row, col in [(2, 2), (195, 190), (10, 180)]:
        alpha[row : row + 2, col : col + 2] = 1.0
    # WHEN the subject is located
    # THEN the specks do not stretch the box
    assert subject_box(alpha) == Box(50, 60, 150, 140)


def test_subject_box_keeps_both_earrings_of_a_pair() -> None:
    # GIVEN two equal, well separated components (a pair of earrings)
    alpha = _alpha(200, 300, Box(40, 20, 160, 80), Box(40, 220, 160, 280))
    # WHEN the subject is located
    # THEN both parts are inside the box
    assert subject_box(alpha) == Box(40, 20, 160, 280)


def test_subject_box_keeps_a_small_part_touching_distance() -> None:
    # GIVEN a product and a tiny detached part just below it (a clasp)
    alpha = _alpha(200, 200, Box(50, 50, 150, 150), Box(151, 99, 152, 101))
    # WHEN the subject is located
    # THEN the part counts as product
    assert subject_box(alpha) == Box(50, 50, 152, 150)


def test_subject_box_keeps_small_parts_when_the_fraction_is_zero() -> None:
    # GIVEN a product and a far speck, and no minimum component size
    alpha = _alpha(100, 100, Box(40, 40, 60, 60), Box(0, 0, 1, 1))
    # WHEN the subject is located
    # THEN the speck counts
    assert subject_box(alpha, min_component_fraction=0.0) == Box(0, 0, 60, 60)


def test_plan_frame_fill_sets_the_canvas_side_and_centres_the_product() -> None:
    # GIVEN a 400 x 200 product in a large photo
    subject = Box(300, 500, 700, 700)
    # WHEN it is framed at fill 0.85 on a square canvas
    plan = plan_frame(1500, 1500, subject, FramingSpec(aspect=(1, 1), fill=0.85))
    # THEN the side is 400 / 0.85 and the product sits in the middle
    assert abs(plan.canvas.rows - 400 / 0.85) <= 1
    assert plan.canvas.cols == plan.canvas.rows
    assert abs(plan.canvas.center[0] - subject.center[0]) <= 1
    assert abs(plan.canvas.center[1] - subject.center[1]) <= 1
    assert plan.fill_achieved == pytest.approx(0.85, abs=0.003)
    assert not plan.extends_source
    assert not plan.cuts_subject


def test_plan_frame_honours_per_edge_margins() -> None:
    # GIVEN margins that leave more room below the product than above it
    spec = FramingSpec(aspect=(1, 1), fill=None, margins=Margins(0.1, 0.05, 0.3, 0.05))
    subject = Box(1000, 1000, 1300, 1200)
    # WHEN the product is framed
    plan = plan_frame(3000, 3000, subject, spec)
    # THEN the limiting (vertical) axis gets exactly the margins, the other at least them
    side = plan.canvas.rows
    assert abs((subject.top - plan.canvas.top) - 0.1 * side) <= 1
    assert abs((plan.canvas.bottom - subject.bottom) - 0.3 * side) <= 1
    assert subject.left - plan.canvas.left >= 0.05 * side - 1
    assert plan.canvas.right - subject.right >= 0.05 * side - 1


@pytest.mark.parametrize("anchor", ["bottom", "top"])
def test_plan_frame_anchor_sets_the_baseline(anchor: Literal["bottom", "top"]) -> None:
    # GIVEN a wide, flat product (the horizontal axis limits the fill)
    subject = Box(500, 200, 600, 800)
    # WHEN it is framed anchored to an edge
    plan = plan_frame(1000, 1000, subject, FramingSpec(fill=0.8, anchor=anchor))
    # THEN that edge's margin is (1 - fill) / 2 of the height and the slack goes to the other
    above, below = subject.top - plan.canvas.top, plan.canvas.bottom - subject.bottom
    near, far = (below, above) if anchor == "bottom" else (above, below)
    assert abs(near - 0.1 * plan.canvas.rows) <= 1
    assert far > 5 * near


def test_plan_frame_min_margin_caps_the_fill() -> None:
    # GIVEN a fill that would leave less than the minimum margin
    spec = FramingSpec(fill=0.98, min_margin=0.05)
    # WHEN a product is framed
    plan = plan_frame(1000, 1000, Box(100, 100, 900, 900), spec)
    # THEN the product keeps the minimum margin
    assert plan.fill_achieved <= 0.9 + 1e-3
    assert plan.subject.top - plan.canvas.top >= 0.05 * plan.canvas.rows - 1


def test_plan_frame_flags_canvas_extension_at_the_photo_edge() -> None:
    # GIVEN a product touching the photo's left edge
    subject = Box(100, 0, 300, 150)
    # WHEN it is framed centred
    plan = plan_frame(400, 600, subject, FramingSpec(fill=0.8))
    # THEN the canvas reaches beyond the photo, is flagged, and still holds the whole product
    assert plan.canvas.left < 0
    assert plan.extends_source
    assert not plan.cuts_subject
    assert plan.adjustments()["pad_left"] == -plan.canvas.left


def test_plan_frame_rejects_a_subject_outside_the_photo() -> None:
    # GIVEN a subject box past the photo's bottom edge
    # WHEN it is framed
    # THEN it is refused
    with pytest.raises(ValueError, match="not inside"):
        plan_frame(100, 100, Box(50, 50, 120, 90), FramingSpec())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"aspect": (0, 1)}, "aspect"),
        ({"fill": 0.0}, "fill"),
        ({"fill": None}, "fill"),
        ({"min_margin": 0.5}, "min_margin"),
        ({"anchor": "left"}, "anchor"),
        ({"margins": Margins(0.5, 0.0, 0.5, 0.0)}, "no room"),
    ],
)
def test_framing_spec_rejects_impossible_values(kwargs: dict[str, object], message: str) -> None:
    # GIVEN spec values that cannot frame a product
    # WHEN the spec is built
    # THEN it is refused as an invalid preset
    with pytest.raises(InvalidPresetError, match=message):
        FramingSpec(**kwargs)  # type: ignore[arg-type]


def test_margins_reject_values_outside_a_fraction() -> None:
    # GIVEN a margin of the whole side
    # WHEN it is built
    # THEN it is refused
    with pytest.raises(InvalidPresetError, match="margin left"):
        Margins(0.1, 0.1, 0.1, 1.0)


def test_plan_adjustments_record_the_crop() -> None:
    # GIVEN a plan that crops inside the photo
    plan = plan_frame(1000, 1000, Box(300, 400, 700, 600), FramingSpec(fill=0.8))
    # WHEN its adjustments are read
    record = plan.adjustments()
    # THEN they describe the 500 px canvas at (250, 250) without padding
    assert record["canvas_top"] == 250
    assert record["canvas_rows"] == 500
    assert record["offset_rows"] == 0.0
    assert [record[f"pad_{edge}"] for edge in ("top", "bottom", "left", "right")] == [0] * 4
    assert record["scale"] == 2.0
    assert record["fill_achieved"] == 0.8


def test_apply_frame_pads_with_transparent_edge_colours() -> None:
    # GIVEN a photo with a distinct colour per edge and a product touching the left edge
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[:, 0] = (200, 10, 10)
    alpha = _alpha(40, 60, Box(10, 0, 30, 20))
    plan = plan_frame(40, 60, Box(10, 0, 30, 20), FramingSpec(fill=0.5))
    # WHEN the frame is applied
    out_rgb, out_alpha = apply_frame(rgb, alpha, plan)
    # THEN the canvas has its exact size, the padding is transparent and replicates the edge
    assert out_rgb.shape == (plan.canvas.rows, plan.canvas.cols, 3)
    pad = -plan.canvas.left
    assert pad > 0
    assert float(out_alpha[:, :pad].max()) == 0.0
    assert (out_rgb[:, :pad] == (200, 10, 10)).all()
    assert float(out_alpha.sum()) == float(alpha.sum())


def test_apply_frame_inside_the_photo_is_a_plain_crop() -> None:
    # GIVEN a plan that stays inside the photo
    rgb = np.random.default_rng(7).integers(0, 256, (100, 100, 3), dtype=np.uint8)
    alpha = _alpha(100, 100, Box(40, 40, 60, 60))
    plan = plan_frame(100, 100, Box(40, 40, 60, 60), FramingSpec(fill=0.5))
    # WHEN the frame is applied
    out_rgb, out_alpha = apply_frame(rgb, alpha, plan)
    # THEN the output is the canvas region, copied
    assert np.array_equal(out_rgb, rgb[30:70, 30:70])
    assert np.array_equal(out_alpha, alpha[30:70, 30:70])
    out_rgb[...] = 0
    assert rgb[30:70, 30:70].any()


def test_apply_frame_rejects_arrays_of_another_size() -> None:
    # GIVEN a plan for a 100 x 100 photo
    plan = plan_frame(100, 100, Box(40, 40, 60, 60), FramingSpec())
    # WHEN it is applied to a 50 x 50 photo
    # THEN it is refused
    with pytest.raises(ValueError, match="do not match"):
        apply_frame(np.zeros((50, 50, 3), np.uint8), np.zeros((50, 50), np.float32), plan)


def test_apply_frame_rejects_a_canvas_off_the_photo() -> None:
    # GIVEN a hand-made plan whose canvas lies beside the photo
    far = Box(0, 200, 10, 210)
    plan = FramePlan(far, far, True, 1.0, False, image_rows=10, image_cols=10)
    # WHEN it is applied
    # THEN it is refused
    with pytest.raises(ValueError, match="does not overlap"):
        apply_frame(np.zeros((10, 10, 3), np.uint8), np.zeros((10, 10), np.float32), plan)


def test_plan_aspect_crops_covers_every_marketplace_aspect() -> None:
    # GIVEN a tall product in a landscape photo
    subject = Box(100, 500, 900, 800)
    # WHEN the marketplace aspects are planned from it
    plans = plan_aspect_crops(1000, 1500, subject, MARKETPLACE_ASPECTS, 0.85)
    # THEN every aspect gets an exact canvas that keeps the product whole
    assert set(plans) == {"1:1", "4:5", "5:4", "3:4", "9:16", "16:9"}
    for key, plan in plans.items():
        width, height = (int(part) for part in key.split(":"))
        assert abs(plan.canvas.cols - plan.canvas.rows * width / height) <= 1
        assert plan.canvas.contains(subject)
        assert not plan.cuts_subject
    assert plans["16:9"].extends_source


ANCHORS: tuple[Literal["center", "bottom", "top"], ...] = ("center", "bottom", "top")


@st.composite
def framing_cases(draw: st.DrawFn) -> tuple[int, int, Box, FramingSpec]:
    rows, cols = draw(st.integers(8, 120)), draw(st.integers(8, 120))
    top, left = draw(st.integers(0, rows - 1)), draw(st.integers(0, cols - 1))
    bottom, right = draw(st.integers(top + 1, rows)), draw(st.integers(left + 1, cols))
    aspect = draw(st.sampled_from([*MARKETPLACE_ASPECTS, (3, 2), (7, 5)]))
    anchor = draw(st.sampled_from(ANCHORS))
    min_margin = draw(st.sampled_from([0.0, 0.02, 0.1]))
    if draw(st.booleans()):
        spec = FramingSpec(aspect, draw(st.floats(0.3, 1.0)), None, anchor, min_margin)
    else:
        sides = [draw(st.floats(0.0, 0.3)) for _ in range(4)]
        spec = FramingSpec(aspect, None, Margins(*sides), anchor, min_margin)
    return rows, cols, Box(top, left, bottom, right), spec


def _check_plan(plan: FramePlan, spec: FramingSpec) -> None:
    width, height = spec.aspect
    assert plan.canvas.contains(plan.subject)
    assert not plan.cuts_subject
    assert abs(plan.canvas.cols - plan.canvas.rows * width / height) <= 1
    assert 0.0 < plan.fill_achieved <= 1.0


@settings(deadline=None)
@given(framing_cases())
def test_plan_frame_never_cuts_and_keeps_the_aspect(
    case: tuple[int, int, Box, FramingSpec],
) -> None:
    # GIVEN any photo, subject box and framing spec
    rows, cols, subject, spec = case
    # WHEN a frame is planned
    plan = plan_frame(rows, cols, subject, spec)
    # THEN the subject is whole, the aspect exact within a pixel, and extension is flagged truly
    _check_plan(plan, spec)
    assert plan.extends_source == (not Box.of_shape(rows, cols).contains(plan.canvas))
    if spec.margins is None and spec.fill is not None:
        assert plan.fill_achieved <= min(spec.fill, 1 - 2 * spec.min_margin) + 1e-9


@settings(deadline=None, max_examples=40)
@given(framing_cases())
def test_apply_frame_reaches_the_exact_canvas(case: tuple[int, int, Box, FramingSpec]) -> None:
    # GIVEN any planned frame over a photo whose product fills the subject box
    rows, cols, subject, spec = case
    plan = plan_frame(rows, cols, subject, spec)
    alpha = _alpha(rows, cols, subject)
    # WHEN it is applied
    out_rgb, out_alpha = apply_frame(np.zeros((rows, cols, 3), np.uint8), alpha, plan)
    # THEN the output is exactly the canvas, the product is all there and fill_ratio is a fraction
    assert out_rgb.shape[:2] == out_alpha.shape == (plan.canvas.rows, plan.canvas.cols)
    assert float(out_alpha.sum()) == subject.area
    assert 0.0 < fill_ratio(out_alpha) <= 1.0
