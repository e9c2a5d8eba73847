from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from pixellift.adapters.endpoint.codec import (
    WireFormatError,
    alpha_to_wire,
    as_alpha,
    as_rgb,
    decode_alpha,
    dump_npy,
    encode_alpha_png,
    encode_cutout_png,
    encode_png,
    load_npy,
    pack_npz,
    unpack_npz,
)


def test_alpha_travels_as_8_bit_levels_only_when_that_is_exact():
    # GIVEN an alpha made of 8-bit levels and one with an in-between value
    levels = np.array([[0, 1, 128, 255]], np.uint8)
    exact = levels.astype(np.float32) / np.float32(255)
    inexact = exact.copy()
    inexact[0, 1] = 0.0001

    # WHEN they are prepared for the wire
    # THEN the first becomes uint8 and the second stays float32, and both read back exactly
    assert alpha_to_wire(exact).dtype == np.uint8
    assert alpha_to_wire(inexact).dtype == np.float32
    for alpha in (exact, inexact):
        np.testing.assert_array_equal(as_alpha(alpha_to_wire(alpha), "a", (1, 4)), alpha)


def test_alpha_png_is_16_bit_when_8_bits_would_lose_precision():
    # GIVEN a float alpha that is not on the 8-bit grid
    alpha = np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8) ** 2

    # WHEN it is written as PNG and read back
    data, depth = encode_alpha_png(alpha)
    back = decode_alpha(data, "mask", (8, 8))

    # THEN the PNG is 16-bit and the round trip is within one 16-bit level
    assert depth == 16
    assert np.asarray(Image.open(io.BytesIO(data))).dtype == np.uint16
    assert float(np.abs(back - alpha).max()) <= 1 / 65535


def test_cutout_png_holds_foreground_and_alpha_in_rgb_order():
    # GIVEN a red foreground at half opacity
    foreground = np.zeros((2, 3, 3), np.uint8)
    foreground[..., 0] = 200
    alpha = np.full((2, 3), 0.5, np.float32)

    # WHEN it is written as an RGBA PNG
    rgba = np.asarray(Image.open(io.BytesIO(encode_cutout_png(foreground, alpha))))

    # THEN the channels are red and the rounded alpha
    assert rgba[0, 0].tolist() == [200, 0, 0, 128]


def test_npz_round_trip_keeps_names_dtypes_and_values():
    # GIVEN arrays of several types
    arrays = {
        "image_0": np.arange(24, dtype=np.uint8).reshape(2, 4, 3),
        "x": np.ones(3, np.float32),
    }

    # WHEN packed and unpacked
    back = unpack_npz(pack_npz(arrays), max_arrays=5)

    # THEN everything is as it was
    assert sorted(back) == ["image_0", "x"]
    for name, array in arrays.items():
        assert back[name].dtype == array.dtype
        np.testing.assert_array_equal(back[name], array)


@pytest.mark.parametrize(
    "array",
    [
        np.arange(24, dtype=np.uint8).reshape(2, 4, 3),
        np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4),
        np.asfortranarray(np.arange(12, dtype=np.uint16).reshape(3, 4)),
        np.arange(20, dtype=np.float64).reshape(4, 5)[:, ::2],
        np.zeros((0, 3), np.uint8),
    ],
    ids=["rgb", "float", "fortran", "strided", "empty"],
)
def test_npy_round_trip_is_exact_and_readable_by_numpy(array):
    # GIVEN an array of any layout / WHEN written as .npy and read back
    data = dump_npy(array)

    # THEN our reader and numpy's both give it back exactly, our reader without a copy
    np.testing.assert_array_equal(load_npy(data), array)
    np.testing.assert_array_equal(np.load(io.BytesIO(data), allow_pickle=False), array)
    assert not load_npy(data).flags.writeable


def test_load_npy_refuses_pickles_and_short_bodies():
    # GIVEN an object array saved with pickles, and a float array cut short
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)

    # WHEN / THEN each is refused with its reason
    with pytest.raises(WireFormatError, match="pickles"):
        load_npy(buffer.getvalue())
    with pytest.raises(WireFormatError, match="cut short"):
        load_npy(dump_npy(np.zeros((4, 4), np.float32))[:-1])


def test_alpha_levels_check_every_pixel_after_the_probe_passes():
    # GIVEN an 8-bit-exact alpha with one off-level pixel the sampling probe skips
    alpha = np.zeros((300, 300), np.float32)
    alpha[1, 1] = 0.3

    # WHEN / THEN it travels as float32, not as rounded levels
    assert alpha_to_wire(alpha).dtype == np.float32
    np.testing.assert_array_equal(alpha_to_wire(alpha), alpha)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\0\0", "damaged"),
        (b"GIF89a", "not a PNG"),
        (dump_npy(np.zeros((3, 3), np.float32)), r"shape \(2, 2\)"),
        (dump_npy(np.full((2, 2), 2.0, np.float32)), r"in \[0, 1\]"),
        (dump_npy(np.zeros((2, 2), np.int64)), "float32, uint8 or uint16"),
    ],
)
def test_decode_alpha_refuses_what_is_not_a_mask_of_the_right_size(data, message):
    # GIVEN / WHEN / THEN a bad mask is refused with the reason
    with pytest.raises(WireFormatError, match=message):
        decode_alpha(data, "coarse", (2, 2))


def test_encode_png_of_rgb_keeps_channel_order():
    # GIVEN a pure red pixel
    red = np.array([[[255, 0, 0]]], np.uint8)

    # WHEN encoded and read by Pillow
    # THEN it is still red
    assert np.asarray(Image.open(io.BytesIO(encode_png(red))))[0, 0].tolist() == [255, 0, 0]


def test_unpacked_arrays_are_views_and_images_taken_from_them_are_writable_copies():
    # GIVEN an archive holding an image
    image = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    unpacked = unpack_npz(pack_npz({"image_0": image}), max_arrays=1)["image_0"]

    # WHEN it is checked as a photo
    rgb = as_rgb(unpacked, "image_0", max_pixels=100)

    # THEN the unpacked array was a read-only view, and the photo is a writable equal copy
    assert not unpacked.flags.writeable
    assert rgb.flags.writeable and rgb.flags.c_contiguous
    np.testing.assert_array_equal(rgb, image)


def test_unpack_refuses_a_compressed_archive():
    # GIVEN an archive written with compression
    buffer = io.BytesIO()
    np.savez_compressed(buffer, image_0=np.zeros((2, 2, 3), np.uint8))

    # WHEN / THEN it is refused with the reason
    with pytest.raises(WireFormatError, match="uncompressed"):
        unpack_npz(buffer.getvalue(), max_arrays=1)
