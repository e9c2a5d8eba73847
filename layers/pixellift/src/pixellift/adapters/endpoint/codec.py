"""Array codecs shared by the model servers and their clients.

Three encodings cross the wire. A single ``.npy`` array (one photo in, one alpha out) carries
an array exactly for the cost of one memory copy; ``.npz`` archives (numpy's zip of ``.npy``
files, stored without compression and read with ``allow_pickle=False``) carry several arrays
exactly, at the extra cost of the zip's CRC over every byte; PNG carries images compactly where
payloads are capped (SageMaker real-time endpoints accept 6 MB). Alpha mattes travel as 8-bit
data whenever that is exact (the U2-Net family's masks are), else as float32 in ``.npy``/``.npz``
and as 16-bit PNG.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt
from numpy.lib import format as npformat

from pixellift.core.types import Alpha, RgbaImage, RgbImage

NPY_MAGIC: Final = b"\x93NUMPY"
_LOCAL_HEADER: Final = b"PK\x03\x04"
_PNG_LEVEL: Final = 3
_EIGHT_BIT: Final = np.float32(255.0)
_SIXTEEN_BIT: Final = np.float32(65535.0)
_RGB: Final = 3
_MAX_NPY_HEADER: Final = 1 << 16
_PROBE: Final = 4096
_LEVEL_VALUES: Final = (np.arange(256, dtype=np.float32) / _EIGHT_BIT).reshape(1, 256)
"""``k / 255`` in float32 for each 8-bit level ``k``: what a level means as a probability."""


class WireFormatError(ValueError):
    """A body or an array does not have the shape or encoding the contract asks for."""


def pack_npz(arrays: Mapping[str, npt.NDArray[np.generic]]) -> bytes:
    """Write arrays into an uncompressed ``.npz`` archive."""
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **dict(arrays))
    return buffer.getvalue()


def _npy_view(member: memoryview, what: str) -> npt.NDArray[np.generic]:
    """The array of ``.npy`` bytes, as a read-only view of them (no copy)."""
    stream = io.BytesIO(member[: min(len(member), _MAX_NPY_HEADER)])
    version = npformat.read_magic(stream)
    if version == (1, 0):
        shape, fortran, dtype = npformat.read_array_header_1_0(stream)
    else:
        shape, fortran, dtype = npformat.read_array_header_2_0(stream)
    if dtype.hasobject:
        raise WireFormatError(f"{what}: object arrays (pickles) are not accepted")
    count = int(np.prod(shape, dtype=np.int64))
    if len(member) - stream.tell() < count * dtype.itemsize:
        raise WireFormatError(f"{what}: the array is cut short")
    array = np.frombuffer(member, dtype=dtype, count=count, offset=stream.tell())
    return array.reshape(shape, order="F" if fortran else "C")


def _member_array(data: bytes, info: zipfile.ZipInfo) -> npt.NDArray[np.generic]:
    """The array stored in one uncompressed member, as a view of ``data`` (no copy)."""
    if info.compress_type != zipfile.ZIP_STORED or not info.filename.endswith(".npy"):
        raise WireFormatError(f"{info.filename}: members must be uncompressed .npy files")
    offset = info.header_offset
    if data[offset : offset + 4] != _LOCAL_HEADER:
        raise WireFormatError(f"{info.filename}: damaged archive entry")
    name_length = int.from_bytes(data[offset + 26 : offset + 28], "little")
    extra_length = int.from_bytes(data[offset + 28 : offset + 30], "little")
    start = offset + 30 + name_length + extra_length
    return _npy_view(memoryview(data)[start : start + info.file_size], info.filename)


def unpack_npz(data: bytes, *, max_arrays: int) -> dict[str, npt.NDArray[np.generic]]:
    """Read every array of an ``.npz`` archive; object arrays (pickles) are refused.

    Members are read in place, without copying (the arrays are read-only views of ``data``)
    and without the zip CRC check, which TCP's own checksums make redundant here. Only
    uncompressed archives (``numpy.savez``) are accepted.

    Raises
    ------
    WireFormatError
        The bytes are not an uncompressed ``.npz`` archive, hold more than ``max_arrays``
        arrays, or an array cannot be read without unpickling.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > max_arrays:
                raise WireFormatError(f"the archive holds {len(members)} arrays, over {max_arrays}")
            arrays = {info.filename[:-4]: _member_array(data, info) for info in members}
    except WireFormatError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError, TypeError) as exc:
        raise WireFormatError(f"not a readable .npz archive of plain arrays: {exc}") from exc
    if len(arrays) != len(members):
        raise WireFormatError("the archive names an array twice")
    return arrays


def load_npy(data: bytes) -> npt.NDArray[np.generic]:
    """Read one ``.npy`` array (no pickles) as a read-only view of ``data`` (no copy).

    Raises
    ------
    WireFormatError
        The bytes are not a plain ``.npy`` array.

    Examples
    --------
    >>> load_npy(dump_npy(np.arange(6, dtype=np.uint8).reshape(2, 3))).tolist()
    [[0, 1, 2], [3, 4, 5]]
    """
    try:
        return _npy_view(memoryview(data), ".npy body")
    except WireFormatError:
        raise
    except (ValueError, OSError, EOFError, TypeError) as exc:
        raise WireFormatError(f"not a readable .npy array: {exc}") from exc


def dump_npy(array: npt.NDArray[np.generic]) -> bytes:
    """Write one array as ``.npy`` bytes: its header, then its data in one copy."""
    contiguous = np.ascontiguousarray(array)
    header = io.BytesIO()
    npformat.write_array_header_1_0(header, npformat.header_data_from_array_1_0(contiguous))
    return b"".join((header.getvalue(), contiguous.reshape(-1).view(np.uint8).data))


def as_rgb(array: npt.NDArray[np.generic], what: str, *, max_pixels: int) -> RgbImage:
    """Check that an array is a non-empty uint8 ``(rows, cols, 3)`` image within the limit.

    Raises
    ------
    WireFormatError
        Wrong dtype, shape, emptiness, or more pixels than ``max_pixels``.
    """
    if array.dtype != np.uint8 or array.ndim != _RGB or array.shape[2] != _RGB:
        raise WireFormatError(
            f"{what} must be a uint8 (rows, cols, 3) array, got {array.dtype} {array.shape}"
        )
    rows, cols = int(array.shape[0]), int(array.shape[1])
    if rows == 0 or cols == 0:
        raise WireFormatError(f"{what} has no pixels: shape {array.shape}")
    if rows * cols > max_pixels:
        raise WireFormatError(f"{what} has {rows * cols:,} pixels, over the {max_pixels:,} limit")
    if not array.flags.writeable or not array.flags.c_contiguous:
        return np.array(array, dtype=np.uint8, order="C")  # a view of a request body: copy
    return np.asarray(array, dtype=np.uint8)


def as_alpha(array: npt.NDArray[np.generic], what: str, shape: tuple[int, int]) -> Alpha:
    """Read a probability map sent as float32/float64 in ``[0, 1]``, or uint8/uint16 levels.

    Raises
    ------
    WireFormatError
        Wrong shape or dtype, or float values outside ``[0, 1]`` (or not finite).
    """
    if array.shape != shape:
        raise WireFormatError(f"{what} must have shape {shape} like its image, got {array.shape}")
    if array.dtype == np.uint8:
        if not array.size:
            return np.zeros(shape, np.float32)
        grey: npt.NDArray[np.uint8] = np.ascontiguousarray(array, dtype=np.uint8)
        return np.asarray(cv2.LUT(grey, _LEVEL_VALUES), np.float32)  # one pass: level -> k/255
    if array.dtype == np.uint16:
        return np.asarray(array, dtype=np.float32) / _SIXTEEN_BIT
    if array.dtype not in (np.float32, np.float64):
        raise WireFormatError(f"{what} must be float32, uint8 or uint16, got {array.dtype}")
    values = np.array(array, dtype=np.float32)
    if values.size:
        low, high = float(values.min()), float(values.max())  # NaN propagates into both
        if not (low >= 0.0 and high <= 1.0):
            raise WireFormatError(f"{what} must hold finite values in [0, 1]")
    return values


def alpha_levels(alpha: Alpha) -> npt.NDArray[np.uint8] | None:
    """The 8-bit levels that reproduce ``alpha`` exactly, or ``None`` if there are none.

    Examples
    --------
    >>> alpha_levels(np.array([[0.0, 1.0]], np.float32)).tolist()
    [[0, 255]]
    >>> alpha_levels(np.array([[0.3]], np.float32)) is None
    True
    """
    if alpha.dtype != np.float32 or alpha.ndim != 2 or not alpha.size:  # noqa: PLR2004
        return _levels_of(np.asarray(alpha, dtype=np.float32))
    flat = alpha.reshape(-1)
    if _levels_of(flat[:: max(1, flat.size // _PROBE)][np.newaxis]) is None:
        return None  # most model outputs fail on a few thousand pixels
    return _levels_of(alpha)


def _levels_of(alpha: npt.NDArray[np.float32]) -> npt.NDArray[np.uint8] | None:
    """Round to levels, map them back through the table and compare: each one OpenCV pass."""
    if not alpha.size:
        return alpha.astype(np.uint8)
    grey = np.ascontiguousarray(alpha if alpha.ndim == 2 else alpha.reshape(1, -1))  # noqa: PLR2004
    in_range, _ = cv2.checkRange(grey, True, 0.0, 1.0 + 1e-7)  # no NaN, no infinity
    if not in_range:
        return None
    levels = cv2.convertScaleAbs(grey, alpha=float(_EIGHT_BIT))  # saturating, rounded
    back = cv2.LUT(levels, _LEVEL_VALUES)
    if cv2.countNonZero(cv2.compare(back, grey, cv2.CMP_NE)):
        return None
    return np.asarray(levels, dtype=np.uint8).reshape(alpha.shape)


def alpha_to_wire(alpha: Alpha) -> npt.NDArray[np.generic]:
    """Alpha as it goes into ``.npz``: uint8 levels when exact, else float32."""
    levels = alpha_levels(alpha)
    return levels if levels is not None else np.asarray(alpha, dtype=np.float32)


def encode_png(pixels: npt.NDArray[np.uint8] | npt.NDArray[np.uint16]) -> bytes:
    """PNG of a grey (uint8/uint16) or RGB/RGBA uint8 array (channels in RGB order)."""
    ordered: npt.NDArray[np.integer | np.floating] = pixels
    if pixels.ndim == _RGB:
        code = cv2.COLOR_RGB2BGR if pixels.shape[2] == _RGB else cv2.COLOR_RGBA2BGRA
        ordered = cv2.cvtColor(np.ascontiguousarray(pixels), code)
    ok, encoded = cv2.imencode(".png", ordered, [cv2.IMWRITE_PNG_COMPRESSION, _PNG_LEVEL])
    if not ok:
        raise WireFormatError(f"could not encode a {pixels.dtype} {pixels.shape} array as PNG")
    return bytes(encoded.tobytes())


def encode_jpeg(rgb: RgbImage, quality: int) -> bytes:
    """JPEG of an RGB uint8 array."""
    bgr = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise WireFormatError(f"could not encode a {rgb.shape} array as JPEG")
    return bytes(encoded.tobytes())


def encode_alpha_png(alpha: Alpha) -> tuple[bytes, int]:
    """Alpha as a grey PNG: 8-bit when exact at 8 bits, else 16-bit; returns the bit depth."""
    levels = alpha_levels(alpha)
    if levels is not None:
        return encode_png(levels), 8
    deep = np.rint(np.clip(alpha, 0.0, 1.0) * _SIXTEEN_BIT).astype(np.uint16)
    return encode_png(deep), 16


def encode_cutout_png(foreground: RgbImage, alpha: Alpha) -> bytes:
    """An RGBA cut-out: the foreground colours with the alpha rounded to 8 bits."""
    levels = np.rint(np.clip(alpha, 0.0, 1.0) * _EIGHT_BIT).astype(np.uint8)
    rgba: RgbaImage = np.dstack([foreground, levels])
    return encode_png(rgba)


def decode_png(data: bytes) -> npt.NDArray[np.generic]:
    """Decode a PNG to a grey or RGB(A) array (RGB order), keeping 16-bit samples.

    Raises
    ------
    WireFormatError
        The bytes are not a decodable PNG.
    """
    if not data.startswith(b"\x89PNG"):
        raise WireFormatError("not a PNG file")
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if decoded is None:
        raise WireFormatError("the PNG data is damaged")
    if decoded.ndim == _RGB:
        code = cv2.COLOR_BGR2RGB if decoded.shape[2] == _RGB else cv2.COLOR_BGRA2RGBA
        decoded = cv2.cvtColor(decoded, code)
    result: npt.NDArray[np.generic] = decoded
    return result


def decode_alpha(data: bytes, what: str, shape: tuple[int, int]) -> Alpha:
    """Read a mask sent as a grey PNG (8 or 16-bit) or as ``.npy``.

    Raises
    ------
    WireFormatError
        Neither format, or the mask does not fit ``shape``.
    """
    array = load_npy(data) if data.startswith(NPY_MAGIC) else decode_png(data)
    return as_alpha(array, what, shape)
