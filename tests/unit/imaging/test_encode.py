from __future__ import annotations

import io
import math
import re
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image
from pixellift.core.errors import FileSizeLimitError, ImageEncodeError, InvalidPresetError
from pixellift.core.imaging.decode import decode_image
from pixellift.core.imaging.encode import (
    EncodeSpec,
    OutputFormat,
    encode_image,
    srgb_profile_bytes,
)
from pixellift.core.types import RgbImage

LOSSY: list[OutputFormat] = ["JPEG", "WEBP"]
ALL_FORMATS: list[OutputFormat] = ["JPEG", "PNG", "WEBP"]


def _reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _size_at(pixels: RgbImage, fmt: OutputFormat, quality: int) -> int:
    spec = EncodeSpec(fmt, quality=quality, min_quality=quality)
    return encode_image(pixels, spec).size_bytes


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_encode_image_round_trips_through_decode(
    colour_blocks: RgbImage, fmt: OutputFormat
) -> None:
    # GIVEN an RGB image
    # WHEN it is encoded and decoded again
    encoded = encode_image(colour_blocks, EncodeSpec(fmt))
    decoded = decode_image(encoded.data, f"out.{fmt.lower()}")
    # THEN size, format and colours survive
    assert (decoded.rows, decoded.cols) == (encoded.rows, encoded.cols) == (16, 24)
    assert decoded.source_format == encoded.format == fmt
    assert np.abs(decoded.rgb[4::8, 4::8].astype(int) - colour_blocks[4::8, 4::8]).max() <= 40


def test_encode_image_png_keeps_rgba_exactly() -> None:
    # GIVEN an RGBA cut-out with graded alpha
    pixels = np.zeros((4, 4, 4), np.uint8)
    pixels[..., 0] = 200
    pixels[..., 3] = np.arange(16, dtype=np.uint8).reshape(4, 4) * 17
    # WHEN encoded as PNG
    encoded = encode_image(pixels, EncodeSpec("PNG"))
    # THEN the file holds the same straight RGBA values, losslessly
    assert np.array_equal(np.asarray(_reopen(encoded.data)), pixels)
    assert (encoded.quality, encoded.attempts) == (None, 1)


def test_encode_image_webp_keeps_alpha() -> None:
    # GIVEN an RGBA image, transparent on its left half
    pixels = np.full((16, 16, 4), 255, np.uint8)
    pixels[:, :8, 3] = 0
    # WHEN encoded as lossy WebP
    reopened = np.asarray(_reopen(encode_image(pixels, EncodeSpec("WEBP")).data))
    # THEN the alpha comes back
    assert reopened[8, 2, 3] == 0
    assert reopened[8, 13, 3] == 255


def test_encode_image_jpeg_refuses_rgba() -> None:
    # GIVEN an RGBA image WHEN / THEN JPEG asks the caller to composite first
    with pytest.raises(ImageEncodeError, match="JPEG has no alpha channel"):
        encode_image(np.zeros((2, 2, 4), np.uint8), EncodeSpec("JPEG"))


@pytest.mark.parametrize(
    "pixels",
    [np.zeros((2, 2), np.uint8), np.zeros((2, 2, 3), np.float32), np.zeros((0, 2, 3), np.uint8)],
    ids=["grey-2d", "float", "empty"],
)
def test_encode_image_refuses_arrays_that_are_not_images(pixels: npt.NDArray[Any]) -> None:
    # GIVEN an array that is not a non-empty uint8 RGB/RGBA image WHEN / THEN
    with pytest.raises(
        ImageEncodeError, match=r"pixels must be a (non-empty )?\(rows, cols, 3 or 4\)"
    ):
        encode_image(pixels, EncodeSpec("PNG"))


@pytest.mark.parametrize("fmt", LOSSY)
def test_encode_image_uses_top_quality_in_one_run_when_it_fits(
    noisy_photo: RgbImage, fmt: OutputFormat
) -> None:
    # GIVEN a cap far above the file size
    # WHEN encoded
    encoded = encode_image(noisy_photo, EncodeSpec(fmt, max_bytes=10_000_000, quality=90))
    # THEN the top quality is kept and the encoder ran once
    assert (encoded.quality, encoded.attempts) == (90, 1)


@pytest.mark.parametrize("fmt", LOSSY)
def test_encode_image_quality_search_respects_the_cap(
    noisy_photo: RgbImage, fmt: OutputFormat
) -> None:
    # GIVEN a cap between the sizes at quality 60 and quality 92
    cap = (_size_at(noisy_photo, fmt, 60) + _size_at(noisy_photo, fmt, 92)) // 2
    # WHEN encoded under the cap
    encoded = encode_image(noisy_photo, EncodeSpec(fmt, max_bytes=cap))
    # THEN the file fits, at a quality lowered from the top but within range
    assert encoded.size_bytes <= cap
    assert encoded.quality is not None
    assert 60 <= encoded.quality < 92


@pytest.mark.parametrize("fmt", LOSSY)
def test_encode_image_quality_search_picks_the_highest_fitting_quality(
    noisy_photo: RgbImage, fmt: OutputFormat
) -> None:
    # GIVEN a cap that forces a lower quality
    cap = (_size_at(noisy_photo, fmt, 60) + _size_at(noisy_photo, fmt, 92)) // 2
    # WHEN encoded
    encoded = encode_image(noisy_photo, EncodeSpec(fmt, max_bytes=cap))
    # THEN one quality step higher would not have fitted
    assert encoded.quality is not None
    assert _size_at(noisy_photo, fmt, encoded.quality + 1) > cap


@pytest.mark.parametrize("fmt", LOSSY)
def test_encode_image_quality_search_takes_logarithmic_runs(
    noisy_photo: RgbImage, fmt: OutputFormat
) -> None:
    # GIVEN a cap that forces a lower quality within [60, 92]
    cap = (_size_at(noisy_photo, fmt, 60) + _size_at(noisy_photo, fmt, 92)) // 2
    # WHEN encoded
    encoded = encode_image(noisy_photo, EncodeSpec(fmt, max_bytes=cap))
    # THEN the search used one top run plus a binary search over the remaining 32 qualities
    assert 2 <= encoded.attempts <= 1 + math.ceil(math.log2(92 - 60 + 1))


@pytest.mark.parametrize("fmt", LOSSY)
def test_encode_image_impossible_cap_raises_file_size_limit(
    noisy_photo: RgbImage, fmt: OutputFormat
) -> None:
    # GIVEN a cap far below the size at the lowest allowed quality
    at_min_quality = _size_at(noisy_photo, fmt, 60)
    # WHEN encoded
    with pytest.raises(FileSizeLimitError) as caught:
        encode_image(noisy_photo, EncodeSpec(fmt, max_bytes=1_000))
    # THEN the error gives the smallest size reached, its quality and the cap
    pattern = (
        rf"^{fmt} output is ([\d,]+) bytes at best \(quality (\d+)\), over the 1,000-byte limit$"
    )
    found = re.match(pattern, str(caught.value))
    assert found is not None
    assert int(found[1].replace(",", "")) <= at_min_quality
    assert 60 <= int(found[2]) < 92


def test_encode_image_png_over_cap_raises_file_size_limit(noisy_photo: RgbImage) -> None:
    # GIVEN a noisy photo, which PNG cannot squeeze under 10 kB
    # WHEN / THEN PNG does not degrade the image but reports the miss
    with pytest.raises(
        FileSizeLimitError, match=r"PNG output is [\d,]+ bytes .* over the 10,000-byte"
    ):
        encode_image(noisy_photo, EncodeSpec("PNG", max_bytes=10_000))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_encode_image_writes_dpi(colour_blocks: RgbImage, fmt: OutputFormat) -> None:
    # GIVEN a 300 dpi spec WHEN encoded
    reopened = _reopen(encode_image(colour_blocks, EncodeSpec(fmt, dpi=300)).data)
    # THEN Pillow reads 300 back (PNG stores pixels per metre, so it rounds)
    assert tuple(round(v) for v in reopened.info["dpi"]) == (300, 300)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_encode_image_embeds_the_srgb_profile(colour_blocks: RgbImage, fmt: OutputFormat) -> None:
    # GIVEN the default spec WHEN encoded THEN the sRGB IEC61966-2.1 profile is in the file
    reopened = _reopen(encode_image(colour_blocks, EncodeSpec(fmt)).data)
    assert reopened.info["icc_profile"] == srgb_profile_bytes()


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_encode_image_can_leave_the_profile_out(colour_blocks: RgbImage, fmt: OutputFormat) -> None:
    # GIVEN embed_srgb=False WHEN encoded THEN there is no profile
    reopened = _reopen(encode_image(colour_blocks, EncodeSpec(fmt, embed_srgb=False)).data)
    assert not reopened.info.get("icc_profile")


def _camera_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Acme"
    exif[0x0112] = 1
    return exif.tobytes()


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_encode_image_strips_exif_unless_kept(colour_blocks: RgbImage, fmt: OutputFormat) -> None:
    # GIVEN camera EXIF and a spec that keeps no metadata
    # WHEN encoded
    reopened = _reopen(encode_image(colour_blocks, EncodeSpec(fmt), exif=_camera_exif()).data)
    # THEN no EXIF, XMP or comment is written
    assert "exif" not in reopened.info
    assert not {"xmp", "XML:com.adobe.xmp", "comment"} & set(reopened.info)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_encode_image_keeps_exif_when_asked(colour_blocks: RgbImage, fmt: OutputFormat) -> None:
    # GIVEN camera EXIF and a spec that keeps it
    spec = EncodeSpec(fmt, keep_metadata=("exif",))
    # WHEN encoded
    reopened = _reopen(encode_image(colour_blocks, spec, exif=_camera_exif()).data)
    # THEN the camera make is still there
    assert reopened.getexif()[0x010F] == "Acme"


def test_encode_image_progressive_jpeg(colour_blocks: RgbImage) -> None:
    # GIVEN progressive=True WHEN encoded THEN the JPEG is progressive
    reopened = _reopen(encode_image(colour_blocks, EncodeSpec("JPEG", progressive=True)).data)
    assert reopened.info.get("progressive") == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"min_quality": 95, "quality": 90}, "min_quality"),
        ({"quality": 101}, "quality"),
        ({"max_bytes": 0}, "max_bytes must be positive"),
        ({"dpi": 0}, "dpi must be positive"),
        ({"keep_metadata": ("xmp",)}, r"unknown blocks \['xmp'\]"),
        ({"format": "GIF"}, "output format 'GIF'"),
    ],
)
def test_encode_spec_rejects_invalid_values(options: dict[str, Any], message: str) -> None:
    # GIVEN an out-of-range value WHEN / THEN the preset is refused
    with pytest.raises(InvalidPresetError, match=message):
        EncodeSpec(**{"format": "JPEG", **options})


def test_encoded_image_size_bytes_is_file_length(colour_blocks: RgbImage) -> None:
    # GIVEN an encoded image THEN size_bytes is the file length
    encoded = encode_image(colour_blocks, EncodeSpec("PNG"))
    assert encoded.size_bytes == len(encoded.data) > 0
