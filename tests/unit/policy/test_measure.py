"""Measuring real encoded files: size, format, colour, DPI, names and unreadable files."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageCms
from pixellift.core.errors import (
    CorruptImageError,
    DecompressionBombError,
    EmptyImageError,
    UnsupportedImageFormatError,
)
from pixellift.core.policy.measure import measure_image

from tests.unit.policy.measuring import encode, measure, product_on


def test_measure_reports_dimensions_of_the_file():
    # GIVEN a 300 x 120 JPEG
    data = encode(product_on(size=(120, 300), box=(20, 20, 100, 280)), "JPEG", quality=90)

    # WHEN it is measured
    m = measure(data, "wide.jpg")

    # THEN width, height and derived sizes are the file's
    assert (m["width"], m["height"], m["longest_side"], m["shortest_side"]) == (300, 120, 300, 120)
    assert (m["sum_of_sides"], m["megapixels"], m["aspect_ratio"]) == (420, 0.036, 2.5)
    assert (m["format"], m["file_bytes"], m["animated"]) == ("JPEG", len(data), False)


def test_measure_applies_exif_orientation_to_dimensions():
    # GIVEN a 300 x 120 JPEG tagged "rotate 90°" (orientation 6)
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(product_on(size=(120, 300), box=(20, 20, 100, 280)), "JPEG", exif=exif.tobytes())

    # WHEN it is measured
    m = measure(data, "rotated.jpg")

    # THEN it is measured as displayed: 120 wide, 300 high
    assert (m["width"], m["height"]) == (120, 300)


def test_dpi_is_read_from_the_file_and_absent_when_untagged():
    # GIVEN a JPEG tagged 300 dpi and a PNG with no tag
    tagged = encode(product_on(), "JPEG", dpi=(300, 300))
    untagged = encode(product_on())

    # WHEN measured
    # THEN the tag is reported, and None when there is none
    assert measure(tagged, "a.jpg")["dpi"] == 300.0
    assert measure(untagged)["dpi"] is None


@pytest.mark.parametrize(
    ("profile", "space"), [("sRGB", "sRGB"), ("LAB", "other"), (None, "untagged")]
)
def test_embedded_icc_profile_sets_the_colour_space(profile, space):
    # GIVEN a PNG with an sRGB profile, a non-sRGB profile, or none
    options = {}
    if profile:
        options["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile(profile)).tobytes()

    # WHEN measured
    m = measure(encode(product_on(), **options))

    # THEN the colour space follows the profile, and its description is kept
    assert m["colour_space"] == space
    assert (m["icc_profile"] is None) == (profile is None)


def test_cmyk_and_grayscale_files_report_their_colour_mode():
    # GIVEN a CMYK JPEG and a grayscale PNG
    cmyk = io.BytesIO()
    Image.fromarray(product_on()).convert("CMYK").save(cmyk, "JPEG")
    gray = encode(np.full((20, 20), 255, np.uint8))

    # WHEN measured
    # THEN CMYK and GRAY are reported (CMYK with no profile is a CMYK colour space)
    m = measure(cmyk.getvalue(), "c.jpg")
    assert (m["colour_mode"], m["colour_space"]) == ("CMYK", "CMYK")
    assert measure(gray)["colour_mode"] == "GRAY"


def test_sixteen_bit_png_reports_its_bit_depth():
    # GIVEN a 16-bit RGB PNG written by OpenCV
    import cv2

    ok, buf = cv2.imencode(".png", np.full((10, 10, 3), 65535, np.uint16))
    assert ok

    # WHEN measured
    # THEN the bit depth is 16
    assert measure(buf.tobytes())["bit_depth"] == 16


def test_animated_gif_is_reported():
    # GIVEN a two-frame GIF
    buf = io.BytesIO()
    first, second = Image.fromarray(product_on()), Image.fromarray(255 - product_on())
    first.save(buf, "GIF", save_all=True, append_images=[second], duration=100)

    # WHEN measured
    m = measure(buf.getvalue(), "anim.gif")

    # THEN it is animated GIF
    assert (m["format"], m["animated"]) == ("GIF", True)


@pytest.mark.parametrize("quality", [60, 75, 92])
def test_jpeg_quality_is_estimated_from_the_quantisation_tables(quality):
    # GIVEN a JPEG saved at a known quality
    # WHEN measured
    m = measure(encode(product_on(), "JPEG", quality=quality), "q.jpg")

    # THEN the estimate is within one step
    assert abs(m["jpeg_quality"] - quality) <= 1


def test_file_name_and_extension_are_measured():
    # GIVEN PNG bytes named as a JPEG inside a folder
    # WHEN measured
    m = measure(encode(product_on()), "shoot/B000123456.MAIN.jpg")

    # THEN the name loses its folder and the extension does not match the format
    assert (m["file_name"], m["extension_matches_format"]) == ("B000123456.MAIN.jpg", False)


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", EmptyImageError, r"x\.jpg: the file is empty"),
        (b"this is not an image", UnsupportedImageFormatError, r"x\.jpg: a text file \(20 bytes\)"),
    ],
)
def test_unreadable_files_fail_naming_the_file(data, error, message):
    # GIVEN bytes that are not an image
    # WHEN measured
    # THEN a decode error names the file and the cause
    with pytest.raises(error, match=message):
        measure_image(data, "x.jpg")


@pytest.mark.parametrize("keep", [0.1, 0.6])
def test_truncated_jpeg_is_corrupt(keep):
    # GIVEN a JPEG cut in its header or in its image data
    whole = encode(np.random.default_rng(7).integers(0, 255, (200, 200, 3), np.uint8), "JPEG")
    data = whole[: int(len(whole) * keep)]

    # WHEN measured
    # THEN it is reported as damaged
    with pytest.raises(CorruptImageError, match=r"cut\.jpg: truncated JPEG data"):
        measure_image(data, "cut.jpg")


def test_images_over_the_pixel_limit_are_refused():
    # GIVEN a 200 x 200 image and a 10,000-pixel limit
    # WHEN measured
    # THEN it is refused as a decompression bomb
    with pytest.raises(
        DecompressionBombError, match=r"big\.png: image declares 200x200 = 40,000 pixels"
    ):
        measure_image(encode(product_on()), "big.png", max_pixels=10_000)
