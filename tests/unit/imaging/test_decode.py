from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps
from pixellift.core.imaging.container import exif_block
from pixellift.core.imaging.decode import decode_image
from pixellift.core.types import RgbImage

SaveAs = Callable[..., bytes]


def _exif(orientation: int, make: str | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    if make is not None:
        exif[0x010F] = make
    return exif


@pytest.mark.parametrize(
    ("fmt", "options", "tolerance"),
    [
        ("JPEG", {"quality": 95, "subsampling": 0}, 8),
        ("PNG", {}, 0),
        ("WEBP", {"lossless": True}, 0),
        ("WEBP", {"quality": 90}, 24),
        ("TIFF", {}, 0),
        ("BMP", {}, 0),
        ("GIF", {}, 0),
        ("HEIF", {"quality": 95}, 24),
        ("AVIF", {"quality": 95}, 24),
    ],
)
def test_decode_image_reads_each_format(
    save_as: SaveAs, colour_blocks: RgbImage, fmt: str, options: dict[str, Any], tolerance: int
) -> None:
    # GIVEN an asymmetric colour image saved in the format
    data = save_as(Image.fromarray(colour_blocks), fmt, **options)
    # WHEN it is decoded
    decoded = decode_image(data, f"blocks.{fmt.lower()}")
    # THEN the pixels, size and format come back
    assert decoded.source_format == fmt
    assert (decoded.rows, decoded.cols) == (16, 24)
    error = np.abs(decoded.rgb[4::8, 4::8].astype(int) - colour_blocks[4::8, 4::8]).max()
    assert error <= tolerance
    assert decoded.alpha is None


def test_decode_image_returns_writable_contiguous_arrays(
    save_as: SaveAs, colour_blocks: RgbImage
) -> None:
    # GIVEN a PNG (decoded by Pillow) and a JPEG (decoded by OpenCV)
    for fmt in ("PNG", "JPEG"):
        # WHEN each is decoded
        rgb = decode_image(save_as(Image.fromarray(colour_blocks), fmt), "x").rgb
        # THEN the caller may edit the pixels in place
        assert rgb.flags.writeable
        assert rgb.flags.c_contiguous
        assert rgb.dtype == np.uint8


def test_decode_image_jpeg_fast_path_matches_pillow(save_as: SaveAs, noisy_photo: RgbImage) -> None:
    # GIVEN a noisy 4:2:0 JPEG
    data = save_as(Image.fromarray(noisy_photo), "JPEG", quality=80)
    # WHEN it is decoded
    decoded = decode_image(data, "photo.jpg")
    # THEN the pixels equal Pillow's own decode exactly
    assert np.array_equal(decoded.rgb, np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))


@pytest.mark.parametrize(
    ("orientation", "top_left", "top_right"),
    [
        (3, (255, 0, 255), (255, 255, 0)),
        (6, (255, 255, 0), (255, 0, 0)),
        (8, (0, 0, 255), (255, 0, 255)),
    ],
)
def test_decode_image_applies_exif_orientation_to_jpeg(
    save_as: SaveAs,
    colour_blocks: RgbImage,
    orientation: int,
    top_left: tuple[int, int, int],
    top_right: tuple[int, int, int],
) -> None:
    # GIVEN a JPEG whose stored pixels must be turned to stand upright
    image = Image.fromarray(colour_blocks)
    data = save_as(image, "JPEG", quality=95, subsampling=0, exif=_exif(orientation))
    # WHEN it is decoded
    decoded = decode_image(data, "turned.jpg")
    # THEN the blocks land where a viewer shows them
    rows, cols = (16, 24) if orientation == 3 else (24, 16)
    assert decoded.rgb.shape == (rows, cols, 3)
    assert np.abs(decoded.rgb[4, 4].astype(int) - top_left).max() <= 8
    assert np.abs(decoded.rgb[4, cols - 4].astype(int) - top_right).max() <= 8
    assert decoded.orientation == orientation


@pytest.mark.parametrize("orientation", range(1, 9))
def test_decode_image_orientation_matches_pillow_exif_transpose(
    save_as: SaveAs, orientation: int
) -> None:
    # GIVEN a lossless PNG with random pixels and an EXIF orientation
    pixels = np.random.default_rng(orientation).integers(0, 256, (3, 5, 3), dtype=np.uint8)
    data = save_as(Image.fromarray(pixels), "PNG", exif=_exif(orientation))
    # WHEN it is decoded
    decoded = decode_image(data, "turned.png")
    # THEN it equals Pillow's reference transpose
    expected = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))))
    assert np.array_equal(decoded.rgb, expected)


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_decode_image_turns_heif_and_avif_upright_once(
    save_as: SaveAs, colour_blocks: RgbImage, fmt: str
) -> None:
    # GIVEN a HEIF/AVIF written with orientation 6 (stored as an irot transform)
    image = Image.fromarray(colour_blocks)
    data = save_as(image, fmt, quality=95, exif=_exif(6).tobytes())
    # WHEN it is decoded
    decoded = decode_image(data, "turned.heic")
    # THEN it is upright, turned once and not twice
    assert decoded.rgb.shape == (24, 16, 3)
    assert np.abs(decoded.rgb[4, 12].astype(int) - (255, 0, 0)).max() <= 24
    assert decoded.orientation == 6


def test_decode_image_resets_orientation_in_returned_exif(
    save_as: SaveAs, colour_blocks: RgbImage
) -> None:
    # GIVEN a JPEG with orientation 6 and a camera make
    exif = _exif(6, make="Acme")
    data = save_as(Image.fromarray(colour_blocks), "JPEG", exif=exif)
    # WHEN it is decoded
    decoded = decode_image(data, "turned.jpg")
    # THEN the returned EXIF keeps the make but no longer asks for a rotation
    assert decoded.exif is not None
    assert decoded.exif.startswith(b"Exif\0\0")
    returned = Image.Exif()
    returned.load(decoded.exif)
    assert (returned[0x0112], returned[0x010F]) == (1, "Acme")


def test_decode_image_swaps_dpi_with_a_quarter_turn(
    save_as: SaveAs, colour_blocks: RgbImage
) -> None:
    # GIVEN a JPEG at 300 x 150 dpi that is stored on its side
    data = save_as(Image.fromarray(colour_blocks), "JPEG", dpi=(300, 150), exif=_exif(6))
    # WHEN it is decoded
    decoded = decode_image(data, "turned.jpg")
    # THEN the resolution follows the axes
    assert decoded.dpi == (150.0, 300.0)


def test_decode_image_without_exif_or_dpi_reports_none(
    save_as: SaveAs, colour_blocks: RgbImage
) -> None:
    # GIVEN a WebP, which has neither
    decoded = decode_image(save_as(Image.fromarray(colour_blocks), "WEBP"), "plain.webp")
    # THEN both are absent and nothing was rotated
    assert (decoded.exif, decoded.dpi, decoded.orientation) == (None, None, 1)


def test_decode_image_scales_16_bit_rgb_png(colour_blocks: RgbImage) -> None:
    # GIVEN a 16-bit RGB PNG with full, half and black samples
    wide = np.zeros((2, 3, 3), np.uint16)
    wide[0, 0], wide[0, 1] = 65535, 32768
    _, encoded = cv2.imencode(".png", wide)
    # WHEN it is decoded
    decoded = decode_image(encoded.tobytes(), "wide.png")
    # THEN the samples are scaled, not clipped
    assert decoded.rgb[0, :3, 0].tolist() == [255, 128, 0]
    assert decoded.bit_depth == 16


@pytest.mark.parametrize("ext", [".png", ".tiff"])
def test_decode_image_scales_16_bit_grey(ext: str) -> None:
    # GIVEN a 16-bit grey image (Pillow mode I;16)
    wide = np.array([[65535, 32768, 1000, 0]], np.uint16)
    _, encoded = cv2.imencode(ext, wide)
    # WHEN it is decoded
    decoded = decode_image(encoded.tobytes(), f"grey{ext}")
    # THEN each sample is rounded from the 16-bit range into every channel
    assert decoded.rgb[0, :, 0].tolist() == [255, 128, 4, 0]
    assert np.array_equal(decoded.rgb[..., 0], decoded.rgb[..., 2])
    assert (decoded.bit_depth, decoded.source_mode) == (16, "I;16")


def test_decode_image_palette_png_with_transparent_index_has_alpha(save_as: SaveAs) -> None:
    # GIVEN a palette PNG whose index 0 is transparent
    image = Image.new("P", (4, 2), 1)
    image.putpalette([0, 0, 0, 200, 10, 10])
    image.putpixel((0, 0), 0)
    # WHEN it is decoded
    decoded = decode_image(save_as(image, "PNG", transparency=0), "palette.png")
    # THEN that pixel is transparent and the others opaque red
    assert decoded.alpha is not None
    assert decoded.alpha[0, 0] == 0.0
    assert decoded.alpha[1, 3] == 1.0
    assert decoded.rgb[1, 3].tolist() == [200, 10, 10]
    assert decoded.source_mode == "P"


@pytest.mark.parametrize(
    ("mode", "value", "rgb"),
    [("RGBA", (200, 100, 50, 128), [200, 100, 50]), ("LA", (90, 128), [90, 90, 90])],
)
def test_decode_image_keeps_straight_alpha(
    save_as: SaveAs, mode: str, value: tuple[int, ...], rgb: list[int]
) -> None:
    # GIVEN a PNG whose pixels are half transparent
    data = save_as(Image.new(mode, (3, 2), value), "PNG")
    # WHEN it is decoded
    decoded = decode_image(data, "cutout.png")
    # THEN the colour is not divided or multiplied by alpha
    assert decoded.alpha is not None
    assert decoded.alpha.dtype == np.float32
    assert decoded.alpha[0, 0] == pytest.approx(128 / 255)
    assert decoded.rgb[0, 0].tolist() == rgb


def test_decode_image_fully_opaque_alpha_is_none(save_as: SaveAs) -> None:
    # GIVEN an RGBA PNG with nothing transparent
    data = save_as(Image.new("RGBA", (3, 2), (1, 2, 3, 255)), "PNG")
    # THEN no alpha is returned
    assert decode_image(data, "opaque.png").alpha is None


def test_decode_image_rgb_png_with_colour_key_has_alpha(save_as: SaveAs) -> None:
    # GIVEN an RGB PNG whose tRNS chunk makes pure green transparent
    image = Image.new("RGB", (2, 1), (0, 255, 0))
    image.putpixel((1, 0), (9, 9, 9))
    decoded = decode_image(save_as(image, "PNG", transparency=(0, 255, 0)), "key.png")
    # THEN the green pixel is transparent
    assert decoded.alpha is not None
    assert decoded.alpha[0].tolist() == [0.0, 1.0]


def test_decode_image_takes_first_gif_frame_and_counts_frames(save_as: SaveAs) -> None:
    # GIVEN an animated GIF of three single-colour frames
    frames = [Image.new("RGB", (4, 4), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    data = save_as(frames[0], "GIF", save_all=True, append_images=frames[1:])
    # WHEN it is decoded
    decoded = decode_image(data, "anim.gif")
    # THEN the first frame comes back and all frames are counted
    assert decoded.rgb[0, 0].tolist() == [255, 0, 0]
    assert decoded.frame_count == 3


def test_decode_image_bilevel_png_becomes_black_and_white(save_as: SaveAs) -> None:
    # GIVEN a 1-bit PNG with one white pixel
    image = Image.new("1", (2, 1), 0)
    image.putpixel((1, 0), 1)
    # WHEN decoded THEN the bits become black and white RGB
    decoded = decode_image(save_as(image, "PNG"), "bits.png")
    assert decoded.rgb[0].tolist() == [[0, 0, 0], [255, 255, 255]]
    assert decoded.source_mode == "1"


def test_exif_block_without_orientation_tag_is_kept_unchanged() -> None:
    # GIVEN an EXIF block whose IFD0 holds only a camera make
    exif = Image.Exif()
    exif[0x010F] = "Acme"
    raw = exif.tobytes()
    # WHEN its orientation is reset THEN nothing needs to change
    assert exif_block(raw, reset_orientation=True) == raw


def test_exif_block_too_broken_to_patch_is_dropped() -> None:
    # GIVEN an EXIF block whose IFD0 offset points past its end
    raw = b"Exif\0\0MM\0*\0\0\xff\xff"
    # WHEN its orientation must be reset THEN it is dropped rather than kept with a stale rotation
    assert exif_block(raw, reset_orientation=True) is None
    assert exif_block(b"Exif\0\0XX", reset_orientation=True) is None
