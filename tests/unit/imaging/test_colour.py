from __future__ import annotations

import io
import itertools
import struct
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageCms
from pixellift.core.imaging.colour import (
    SRGB_COLORANTS,
    build_rgb_profile,
    convert_to_srgb,
    needs_srgb_transform,
    srgb_curve,
    srgb_profile_bytes,
)
from pixellift.core.imaging.decode import decode_image
from pixellift.core.types import RgbImage

# Adobe RGB (1998): D50-adapted primaries and its 563/256 gamma, as Adobe's own profile stores them.
ADOBE_COLORANTS = (
    (0.60974, 0.31111, 0.01947),
    (0.20528, 0.62567, 0.06087),
    (0.14919, 0.06322, 0.74457),
)
ADOBE_GAMMA = 563 / 256

SaveAs = Callable[..., bytes]


@pytest.fixture(scope="module")
def adobe_profile() -> bytes:
    return build_rgb_profile("Adobe RGB (1998) compatible", ADOBE_COLORANTS, ADOBE_GAMMA)


def _adobe_to_srgb(rgb: tuple[int, int, int]) -> np.ndarray:
    """Reference conversion: decode the gamma, go through XYZ (D50), encode sRGB."""
    linear = (np.array(rgb) / 255.0) ** ADOBE_GAMMA
    xyz = np.array(ADOBE_COLORANTS).T @ linear
    srgb_linear = np.clip(np.linalg.solve(np.array(SRGB_COLORANTS).T, xyz), 0.0, 1.0)
    encoded = np.where(
        srgb_linear <= 0.0031308, 12.92 * srgb_linear, 1.055 * srgb_linear ** (1 / 2.4) - 0.055
    )
    return encoded * 255.0


def _icc(device_class: bytes, colour_space: bytes, tags: list[tuple[bytes, bytes]]) -> bytes:
    """Assemble an ICC v2 profile (header, tag table, tag data) with a Lab connection space."""
    offset, table, body = 128 + 4 + 12 * len(tags), b"", b""
    for signature, data in tags:
        table += struct.pack(">4sII", signature, offset + len(body), len(data))
        body += data + bytes(-len(data) % 4)
    size = offset + len(body)
    header = struct.pack(">I4sI4s4s4s", size, b"", 0x02100000, device_class, colour_space, b"Lab ")
    header += bytes(12) + b"acsp" + bytes(28) + struct.pack(">3i", 63190, 65536, 54061)  # D50
    return header + bytes(128 - len(header)) + struct.pack(">I", len(tags)) + table + body


def _cmyk_profile(cyan: tuple[int, int, int]) -> bytes:
    """A CMYK printer profile: naive ink mixing, except that cyan ink alone prints ``cyan``.

    Its A2B0 lookup table has one grid point per ink at 0 and 100%, holding the sRGB colour of
    each of the 16 ink combinations as 16-bit ICC v2 Lab.
    """
    corners = np.array(list(itertools.product((0.0, 1.0), repeat=4)))  # C, M, Y, K; K fastest
    rgb = np.round((1.0 - corners[:, :3]) * (1.0 - corners[:, 3:]) * 255).astype(np.uint8)
    rgb[8] = cyan  # corner (1, 0, 0, 0)
    to_lab = ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
    )
    lab = np.asarray(ImageCms.applyTransform(Image.fromarray(rgb.reshape(1, 16, 3)), to_lab))
    lab = lab.reshape(16, 3)
    lightness = np.round(lab[:, 0].astype(np.float64) * 0xFF00 / 255)
    opponents = (lab[:, 1:].view(np.int8).astype(np.int32) + 128) * 256  # Pillow's a, b are signed
    table = np.column_stack([lightness, opponents]).astype(">u2").tobytes()
    identity = struct.pack(">9i", 65536, 0, 0, 0, 65536, 0, 0, 0, 65536)
    ramp = np.array([0, 65535], dtype=">u2").tobytes()
    lut = b"mft2" + bytes(4) + bytes([4, 3, 2, 0]) + identity + struct.pack(">HH", 2, 2)
    lut += ramp * 4 + table + ramp * 3
    desc = b"desc" + bytes(4) + struct.pack(">I", 10) + b"Test CMYK\0" + bytes(78)
    white = b"XYZ " + bytes(4) + struct.pack(">3i", 63190, 65536, 54061)
    return _icc(b"prtr", b"CMYK", [(b"desc", desc), (b"wtpt", white), (b"A2B0", lut)])


def _probe_colours() -> Image.Image:
    rng = np.random.default_rng(3)  # fixed seed: the probe set is part of the expectation
    grey = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
    colours = np.concatenate([grey, rng.integers(0, 256, (4096, 3), dtype=np.uint8)])
    return Image.fromarray(colours.reshape(1, -1, 3))


def test_srgb_profile_bytes_is_a_v2_srgb_profile_littlecms_reads() -> None:
    # GIVEN the profile outputs embed
    profile = ImageCms.ImageCmsProfile(io.BytesIO(srgb_profile_bytes()))
    # THEN it names the standard colour space and is version 2 for old viewers
    assert ImageCms.getProfileDescription(profile).strip() == "sRGB IEC61966-2.1"
    assert profile.profile.version == pytest.approx(2.1)
    assert profile.profile.xcolor_space == "RGB "


def test_srgb_profile_bytes_matches_littlecms_builtin_srgb() -> None:
    # GIVEN a transform from our profile to LittleCMS's analytic sRGB
    ours = ImageCms.ImageCmsProfile(io.BytesIO(srgb_profile_bytes()))
    builtin = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    transform = ImageCms.buildTransform(ours, builtin, "RGB", "RGB")
    probe = _probe_colours()
    # WHEN every grey level and 4,096 random colours go through it
    out = np.asarray(ImageCms.applyTransform(probe, transform), dtype=int)
    # THEN no value moves by more than one level, and almost none moves at all
    change = np.abs(out - np.asarray(probe, dtype=int))
    assert change.max() <= 1
    assert (change > 0).mean() < 0.002


def test_srgb_profile_bytes_is_cached() -> None:
    # GIVEN / WHEN asked twice THEN the same object is returned
    assert srgb_profile_bytes() is srgb_profile_bytes()


def test_srgb_curve_follows_iec_61966_2_1() -> None:
    # GIVEN code values on the linear toe and on the power segment
    curve = srgb_curve(256)
    # THEN they decode as the standard says
    assert curve[10] == pytest.approx((10 / 255) / 12.92)
    assert curve[128] == pytest.approx(((128 / 255 + 0.055) / 1.055) ** 2.4)


def test_convert_to_srgb_maps_adobe_rgb_like_the_reference_math(adobe_profile: bytes) -> None:
    # GIVEN a muted green, a warm red and a grey in Adobe RGB
    colours = [(120, 160, 120), (200, 80, 60), (128, 128, 128)]
    image = Image.fromarray(np.array([colours], dtype=np.uint8))
    # WHEN converted with the embedded profile
    result = convert_to_srgb(image, adobe_profile)
    # THEN each lands within two levels of the colorimetric reference
    out = np.asarray(result.image, dtype=float)[0]
    expected = np.array([_adobe_to_srgb(c) for c in colours])
    assert np.abs(out - expected).max() <= 2.0
    assert (result.source_profile, result.converted) == ("Adobe RGB (1998) compatible", True)


def test_convert_to_srgb_makes_wide_gamut_colours_more_saturated(adobe_profile: bytes) -> None:
    # GIVEN a muted green in Adobe RGB, whose green primary lies outside sRGB
    image = Image.new("RGB", (1, 1), (120, 160, 120))
    # WHEN converted
    red, green, _ = np.asarray(convert_to_srgb(image, adobe_profile).image, dtype=int)[0, 0]
    # THEN sRGB needs a larger green-red difference to show the same colour
    assert green - red > 160 - 120 + 15


def test_convert_to_srgb_leaves_srgb_tagged_pixels_untouched() -> None:
    # GIVEN pixels tagged with LittleCMS's own sRGB profile
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    probe = _probe_colours()
    before = np.asarray(probe).copy()
    # WHEN converted
    result = convert_to_srgb(probe, icc)
    # THEN nothing runs and nothing changes
    assert result.converted is False
    assert result.source_profile == "sRGB built-in"
    assert np.array_equal(np.asarray(result.image), before)


def test_convert_to_srgb_ignores_an_unreadable_profile() -> None:
    # GIVEN a profile that is not ICC data
    image = Image.new("RGB", (1, 1), (10, 20, 30))
    # WHEN converted THEN the pixels are taken as sRGB
    result = convert_to_srgb(image, b"not a profile" * 20)
    assert (result.source_profile, result.converted) == (None, False)
    assert result.image.getpixel((0, 0)) == (10, 20, 30)


def test_convert_to_srgb_converts_cielab() -> None:
    # GIVEN CIELAB white and mid grey (a and b given as 128 + value, as Pillow's LAB colours are)
    image = Image.new("LAB", (2, 1), (255, 128, 128))
    image.putpixel((1, 0), (128, 128, 128))
    # WHEN converted
    out = np.asarray(convert_to_srgb(image, None).image, dtype=int)
    # THEN white is white and grey stays neutral
    assert np.abs(out[0, 0] - 255).max() <= 1
    assert out[0, 1].max() - out[0, 1].min() <= 1


def test_convert_to_srgb_rejects_an_unknown_mode() -> None:
    # GIVEN a 32-bit float image WHEN / THEN
    with pytest.raises(ValueError, match="cannot convert mode F"):
        convert_to_srgb(Image.new("F", (1, 1)), None)


def test_needs_srgb_transform_tells_wide_gamut_from_srgb(adobe_profile: bytes) -> None:
    # GIVEN an Adobe RGB and an sRGB profile
    # WHEN / THEN only Adobe RGB needs a conversion, and a mismatched layout never does
    assert needs_srgb_transform(adobe_profile, "RGB") == (True, "Adobe RGB (1998) compatible")
    assert needs_srgb_transform(srgb_profile_bytes(), "RGB") == (False, "sRGB IEC61966-2.1")
    assert needs_srgb_transform(adobe_profile, "CMYK") == (False, "Adobe RGB (1998) compatible")


def test_decode_image_converts_embedded_wide_gamut_profile(
    save_as: SaveAs, adobe_profile: bytes
) -> None:
    # GIVEN a lossless WebP tagged Adobe RGB
    image = Image.new("RGB", (4, 4), (120, 160, 120))
    data = save_as(image, "WEBP", lossless=True, icc_profile=adobe_profile)
    # WHEN decoded
    decoded = decode_image(data, "adobe.webp")
    # THEN the colours are sRGB and the report says so
    assert np.abs(decoded.rgb[0, 0] - _adobe_to_srgb((120, 160, 120))).max() <= 2.0
    assert decoded.converted_to_srgb is True
    assert decoded.source_profile == "Adobe RGB (1998) compatible"


def test_decode_image_converts_wide_gamut_jpeg_through_pillow(
    save_as: SaveAs, adobe_profile: bytes
) -> None:
    # GIVEN a JPEG tagged Adobe RGB (not eligible for the direct OpenCV decode)
    image = Image.new("RGB", (16, 16), (120, 160, 120))
    data = save_as(image, "JPEG", quality=100, subsampling=0, icc_profile=adobe_profile)
    # WHEN decoded THEN the colour is converted
    decoded = decode_image(data, "adobe.jpg")
    assert np.abs(decoded.rgb[8, 8] - _adobe_to_srgb((120, 160, 120))).max() <= 3.0
    assert decoded.converted_to_srgb is True


@pytest.mark.parametrize(
    ("cmyk", "rgb"),
    [((0, 0, 0, 0), (255, 255, 255)), ((255, 0, 0, 0), (0, 255, 255)), ((0, 0, 0, 255), (0, 0, 0))],
)
def test_decode_image_reads_adobe_inverted_cmyk_jpeg(
    save_as: SaveAs, cmyk: tuple[int, int, int, int], rgb: tuple[int, int, int]
) -> None:
    # GIVEN a CMYK JPEG as Photoshop writes it (Adobe marker, inverted samples)
    data = save_as(Image.new("CMYK", (8, 8), cmyk), "JPEG", quality=100)
    assert b"Adobe" in data
    # WHEN decoded
    decoded = decode_image(data, "print.jpg")
    # THEN paper is white, cyan ink is cyan and full black is black
    assert np.abs(decoded.rgb[4, 4].astype(int) - rgb).max() <= 3
    assert decoded.source_mode == "CMYK"


def test_decode_image_converts_cmyk_through_its_embedded_profile(save_as: SaveAs) -> None:
    # GIVEN a CMYK JPEG whose printer profile says cyan ink prints (0, 160, 220)
    profile = _cmyk_profile((0, 160, 220))
    data = save_as(Image.new("CMYK", (8, 8), (255, 0, 0, 0)), "JPEG", icc_profile=profile)
    # WHEN decoded
    decoded = decode_image(data, "print.jpg")
    # THEN LittleCMS used the profile (a naive conversion gives (0, 255, 255))
    assert np.abs(decoded.rgb[4, 4].astype(int) - (0, 160, 220)).max() <= 12
    assert (decoded.source_profile, decoded.converted_to_srgb) == ("Test CMYK", True)


def test_decode_image_ignores_a_profile_that_does_not_fit_the_pixels(
    save_as: SaveAs, adobe_profile: bytes
) -> None:
    # GIVEN a CMYK JPEG that wrongly carries an RGB profile
    data = save_as(Image.new("CMYK", (8, 8), (0, 0, 0, 0)), "JPEG", icc_profile=adobe_profile)
    # WHEN decoded
    decoded = decode_image(data, "mixed.jpg")
    # THEN the profile is reported but not used
    assert decoded.source_profile == "Adobe RGB (1998) compatible"
    assert decoded.converted_to_srgb is False
    assert decoded.rgb[0, 0].tolist() == [255, 255, 255]


def test_decode_image_untagged_photo_is_taken_as_srgb(
    save_as: SaveAs, noisy_photo: RgbImage
) -> None:
    # GIVEN a PNG without a profile WHEN decoded THEN the pixels pass through unchanged
    decoded = decode_image(save_as(Image.fromarray(noisy_photo), "PNG"), "plain.png")
    assert np.array_equal(decoded.rgb, noisy_photo)
    assert (decoded.source_profile, decoded.converted_to_srgb) == (None, False)
