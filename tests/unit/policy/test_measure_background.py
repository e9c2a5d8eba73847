"""Measuring real encoded files: background purity, product fill and margins."""

from __future__ import annotations

import numpy as np
import pytest
from pixellift.core.policy.measure import measure_image
from pixellift.core.policy.schema import BackgroundSpec

from tests.unit.policy.measuring import PURE, encode, measure, product_on


def test_pure_white_background_is_fully_pure():
    # GIVEN a product on exact white
    # WHEN measured
    m = measure(encode(product_on()))

    # THEN the background is 100% pure and the border scan was used
    assert m[PURE] == 1.0


def test_off_white_background_is_not_pure():
    # GIVEN a product on off-white (250, 250, 250): 5 levels off
    # WHEN measured
    m = measure(encode(product_on(background=(250, 250, 250))))

    # THEN no background pixel is within 3 levels of white
    assert m[PURE] == 0.0


def test_partly_grey_background_gives_the_pure_fraction():
    # GIVEN white with a light grey band over the top 10 rows of a 200 x 200 frame
    rgb = product_on()
    rgb[:10] = (244, 244, 244)

    # WHEN measured
    m = measure(encode(rgb))

    # THEN purity is the white share of the background (guard band around the product excluded)
    background = 200 * 200 - (100 + 6) * (120 + 6)
    assert m[PURE] == pytest.approx(1 - 2000 / background, abs=1e-6)


def test_jpeg_ringing_next_to_the_product_does_not_break_purity():
    # GIVEN a JPEG of a product on exact white (ringing around the edges)
    data = encode(product_on(size=(400, 400), box=(60, 80, 340, 320)), "JPEG", quality=80)

    # WHEN measured with Amazon's tolerance
    m = measure(data, "p.jpg")

    # THEN at least 99% of the background is still white within 3 levels
    assert m[PURE] >= 0.99


def test_transparent_background_uses_the_alpha_channel_and_is_never_pure():
    # GIVEN an RGBA cut-out: product opaque, background fully transparent (white RGB underneath)
    rgb = product_on()
    alpha = np.zeros((200, 200), np.uint8)
    alpha[50:150, 40:160] = 255
    data = encode(np.dstack([rgb, alpha]))

    # WHEN measured
    result = measure_image(data, "cutout.png")

    # THEN alpha finds the product, transparency is reported, and transparent pixels are not white
    assert result.details["background_source"] == "alpha"
    assert result.values["has_transparency"] is True
    assert result.values["area_fill"] == pytest.approx(100 * 120 / 40000)
    assert result.values[PURE] == 0.0


def test_frame_edge_always_counts_as_background():
    # GIVEN pure white with a dark 1-px line around the frame (a drawn border)
    rgb = product_on()
    rgb[[0, -1], :] = rgb[:, [0, -1]] = (20, 20, 20)

    # WHEN measured
    m = measure(encode(rgb))

    # THEN the frame is not pure white
    assert m[PURE] < 0.99


def test_opaque_alpha_channel_falls_back_to_the_border_scan():
    # GIVEN an RGBA file whose alpha is 255 everywhere, on off-white
    rgb = product_on(background=(248, 248, 248))
    data = encode(np.dstack([rgb, np.full((200, 200), 255, np.uint8)]))

    # WHEN measured
    result = measure_image(data, "opaque.png")

    # THEN the product is found by the border scan and the off-white background is impure
    assert result.details["background_source"] == "border"
    assert result.values["has_transparency"] is False
    assert result.values[PURE] == 0.0
    assert result.values["longest_side_fill"] == 0.6


def test_fill_and_margins_follow_the_product_box():
    # GIVEN a 100 x 120 product box at rows 50-150, cols 40-160 of a 200 x 200 frame
    # WHEN measured
    m = measure(encode(product_on()))

    # THEN fills and margins are those of the box
    assert (m["longest_side_fill"], m["area_fill"]) == (0.6, 0.3)
    assert (m["min_margin"], m["min_margin_px"]) == (0.2, 40)
    assert m["product_coverage"] == 0.3


def test_isolated_specks_do_not_grow_the_product_box():
    # GIVEN a product plus two single dark pixels near the corners
    rgb = product_on()
    rgb[3, 3] = rgb[196, 190] = (0, 0, 0)

    # WHEN measured
    m = measure(encode(rgb))

    # THEN the box is still the product's
    assert (m["longest_side_fill"], m["min_margin_px"]) == (0.6, 40)


def test_product_touching_the_edge_has_zero_margin():
    # GIVEN a product running off the left edge
    # WHEN measured
    m = measure(encode(product_on(box=(50, 0, 150, 120))))

    # THEN the smallest margin is zero
    assert m["min_margin_px"] == 0


def test_blank_image_has_no_product_and_no_margins():
    # GIVEN a blank white frame
    # WHEN measured
    m = measure(encode(np.full((50, 50, 3), 255, np.uint8)))

    # THEN fill is zero and margins are absent
    assert (m["longest_side_fill"], m["area_fill"], m["min_margin_px"]) == (0.0, 0.0, None)


def test_every_requested_background_is_measured():
    # GIVEN a light grey background and two specs: white, and grey #F0F0F0 within 5
    rgb = product_on(background=(240, 240, 240))
    grey = BackgroundSpec(colours=("#F0F0F0",), tolerance=5)
    white = BackgroundSpec(colours=("#FFFFFF",), tolerance=3)

    # WHEN measured against both
    m = measure(encode(rgb), backgrounds=[white, grey])

    # THEN each spec has its own purity
    assert (m[PURE], m["background_purity[#F0F0F0~5]"]) == (0.0, 1.0)
