"""sRGB colour handling: the sRGB profile we embed, and conversion of decoded photos to sRGB.

Conversions run in LittleCMS through Pillow's ``ImageCms``, with the perceptual intent and black
point compensation, so a CMYK or wide-gamut photo keeps its shadow detail and maps smoothly into
sRGB. A photo without an embedded profile is taken as sRGB, as browsers do.
"""

from __future__ import annotations

import functools
import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageCms

Xyz: TypeAlias = tuple[float, float, float]
"""CIE XYZ tristimulus values, relative to the D50 profile connection space."""

SRGB_DESCRIPTION: Final = "sRGB IEC61966-2.1"

SRGB_COLORANTS: Final[tuple[Xyz, Xyz, Xyz]] = (
    (0.4360747, 0.2225045, 0.0139322),
    (0.3850649, 0.7168786, 0.0971045),
    (0.1430804, 0.0606169, 0.7141733),
)
"""sRGB red, green and blue primaries adapted to D50 (Bradford), as ICC profiles store them."""

_D50: Final[Xyz] = (0.9642, 1.0, 0.8249)
# 256 curve points reproduce LittleCMS's analytic sRGB exactly on 8-bit data (checked on every grey
# level and 20,000 random colours) at a third of the size of the usual 1,024-point profile.
_SRGB_CURVE_POINTS: Final = 256
_SRGB_LINEAR_KNEE: Final = 0.04045
_INTENT: Final = ImageCms.Intent.PERCEPTUAL
# NOCACHE: LittleCMS's one-pixel cache is not safe when threads share a cached transform.
_FLAGS: Final = ImageCms.Flags.NOCACHE | ImageCms.Flags.BLACKPOINTCOMPENSATION
_MODE_OF_COLOUR_SPACE: Final = {"RGB ": "RGB", "GRAY": "L", "CMYK": "CMYK", "Lab ": "LAB"}


def _s15fixed16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz_tag(value: Xyz) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15fixed16(component) for component in value)


def _text_description_tag(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    # ICC v2 textDescriptionType: ASCII part, then empty Unicode and ScriptCode parts.
    return b"desc\0\0\0\0" + struct.pack(">I", len(ascii_text)) + ascii_text + bytes(8 + 3 + 67)


def _curve_tag(trc: float | Sequence[float] | npt.NDArray[np.float64]) -> bytes:
    if isinstance(trc, float | int):
        return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(float(trc) * 256))
    table = np.round(np.clip(np.asarray(trc, dtype=np.float64), 0.0, 1.0) * 65535).astype(">u2")
    return b"curv\0\0\0\0" + struct.pack(">I", table.size) + table.tobytes()


def srgb_curve(points: int) -> npt.NDArray[np.float64]:
    """Sample the sRGB decoding curve (IEC 61966-2-1) at ``points`` evenly spaced code values.

    Parameters
    ----------
    points
        Number of samples, at least 2.

    Returns
    -------
    numpy.ndarray
        Linear light in ``[0, 1]`` for code values ``0, 1/(points-1), ..., 1``.

    Examples
    --------
    >>> srgb_curve(3).round(4).tolist()
    [0.0, 0.214, 1.0]
    """
    code = np.linspace(0.0, 1.0, points)
    linear: npt.NDArray[np.float64] = np.where(
        code <= _SRGB_LINEAR_KNEE, code / 12.92, ((code + 0.055) / 1.055) ** 2.4
    )
    return linear


def build_rgb_profile(
    description: str,
    colorants: tuple[Xyz, Xyz, Xyz],
    trc: float | Sequence[float] | npt.NDArray[np.float64],
) -> bytes:
    """Write a minimal ICC v2 matrix/TRC display profile for an RGB colour space.

    Parameters
    ----------
    description
        ASCII profile description, shown by image viewers.
    colorants
        Red, green and blue primaries as D50-adapted XYZ.
    trc
        The tone curve shared by the three channels: a gamma (``2.2``) or a table of linear values
        in ``[0, 1]`` at evenly spaced code values.

    Returns
    -------
    bytes
        The profile, ready to embed in an image file.

    Examples
    --------
    >>> profile = build_rgb_profile("Linear sRGB", SRGB_COLORANTS, 1.0)
    >>> len(profile), profile[36:40]
    (476, b'acsp')
    """
    curve = _curve_tag(trc)
    tags = [
        (b"desc", _text_description_tag(description)),
        (b"cprt", b"text\0\0\0\0No copyright, use freely\0"),
        (b"wtpt", _xyz_tag(_D50)),
        (b"rXYZ", _xyz_tag(colorants[0])),
        (b"gXYZ", _xyz_tag(colorants[1])),
        (b"bXYZ", _xyz_tag(colorants[2])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    body = bytearray()
    entries = bytearray(struct.pack(">I", len(tags)))
    data_start = 128 + 4 + 12 * len(tags)
    offsets: dict[bytes, int] = {}
    for signature, data in tags:
        if data not in offsets:  # the three tone curves share one copy, as ICC allows
            body += bytes(-len(body) % 4)
            offsets[data] = data_start + len(body)
            body += data
        entries += struct.pack(">4sII", signature, offsets[data], len(data))
    body += bytes(-len(body) % 4)
    size = data_start + len(body)
    header = struct.pack(
        ">I4sI4s4s4s6H4s",
        size,
        b"\0\0\0\0",
        0x02100000,
        b"mntr",
        b"RGB ",
        b"XYZ ",
        2024,
        1,
        1,
        0,
        0,
        0,
        b"acsp",
    )
    header += bytes(28) + b"".join(_s15fixed16(c) for c in _D50)
    header += bytes(128 - len(header))
    return bytes(header + entries + body)


@functools.cache
def srgb_profile_bytes() -> bytes:
    """Return the compact ICC v2 "sRGB IEC61966-2.1" profile that outputs embed.

    Examples
    --------
    >>> srgb_profile_bytes()[36:40], len(srgb_profile_bytes())
    (b'acsp', 988)
    """
    return build_rgb_profile(SRGB_DESCRIPTION, SRGB_COLORANTS, srgb_curve(_SRGB_CURVE_POINTS))


@functools.cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class _Plan:
    description: str
    transform: ImageCms.ImageCmsTransform | None  # None: already sRGB, or unusable for the pixels


def _is_identity(transform: ImageCms.ImageCmsTransform) -> bool:
    levels = np.arange(0, 256, 17, dtype=np.uint8)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(1, -1, 3)
    probe = Image.fromarray(np.ascontiguousarray(grid))
    out = np.asarray(transform.apply(probe), dtype=np.int16)
    return bool(np.abs(out - grid).max() <= 1)


@functools.lru_cache(maxsize=32)
def _plan(icc: bytes, mode: str) -> _Plan | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (OSError, ValueError, ImageCms.PyCMSError):
        return None  # unreadable profile: browsers ignore these, and so do we
    description = (source.profile.profile_description or "").strip()
    if _MODE_OF_COLOUR_SPACE.get(source.profile.xcolor_space) != mode:
        return _Plan(description, None)
    try:
        transform = ImageCms.ImageCmsTransform(source, _srgb(), mode, "RGB", _INTENT, flags=_FLAGS)
    except (OSError, ValueError, ImageCms.PyCMSError):
        return _Plan(description, None)
    if mode == "RGB" and _is_identity(transform):
        return _Plan(description, None)
    return _Plan(description, transform)


@functools.cache
def _lab_to_srgb() -> ImageCms.ImageCmsTransform:
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB"))
    return ImageCms.ImageCmsTransform(lab, _srgb(), "LAB", "RGB", _INTENT, flags=_FLAGS)


def needs_srgb_transform(icc: bytes | None, mode: str) -> tuple[bool, str | None]:
    """Tell whether an embedded profile changes the colours of pixels in ``mode``.

    Parameters
    ----------
    icc
        The embedded ICC profile, or ``None``.
    mode
        Pillow mode of the pixels.

    Returns
    -------
    tuple of (bool, str or None)
        Whether LittleCMS must convert the pixels, and the profile's description.

    Examples
    --------
    >>> needs_srgb_transform(srgb_profile_bytes(), "RGB")
    (False, 'sRGB IEC61966-2.1')
    >>> needs_srgb_transform(None, "CMYK")
    (False, None)
    """
    plan = _plan(icc, mode) if icc else None
    if plan is None:
        return False, None
    return plan.transform is not None, plan.description


@dataclass(frozen=True)
class SrgbImage:
    """A Pillow image whose colours are sRGB, and how it got there."""

    image: Image.Image
    """Mode ``"RGB"``, or ``"L"`` for a grey image that needed no conversion."""
    source_profile: str | None
    """Description of the embedded ICC profile; ``None`` when none, or when it was unreadable."""
    converted: bool
    """True when LittleCMS changed the colours."""


def convert_to_srgb(image: Image.Image, icc: bytes | None) -> SrgbImage:
    """Convert a decoded image to sRGB using its embedded ICC profile.

    An sRGB-equivalent profile is detected by its effect (a probe through the transform), so no
    needless conversion runs on the common camera JPEG. A profile that cannot be read, or that
    does not match the pixel layout, is ignored and the pixels are taken as sRGB. CMYK without a
    profile falls back to Pillow's device conversion, since no CMYK profile is bundled.

    Parameters
    ----------
    image
        Mode ``"RGB"``, ``"L"``, ``"CMYK"`` or ``"LAB"``. An RGB image may be converted in place.
    icc
        The embedded ICC profile, or ``None``.

    Returns
    -------
    SrgbImage
        The converted image and what was done.

    Raises
    ------
    ValueError
        If ``image`` has another mode.

    Examples
    --------
    >>> grey = Image.new("L", (2, 2), 128)
    >>> convert_to_srgb(grey, None).image.mode
    'L'
    >>> convert_to_srgb(Image.new("CMYK", (1, 1)), None).image.getpixel((0, 0))
    (255, 255, 255)
    """
    if image.mode not in _MODE_OF_COLOUR_SPACE.values():
        msg = f"cannot convert mode {image.mode} to sRGB"
        raise ValueError(msg)
    plan = _plan(icc, image.mode) if icc else None
    description = plan.description if plan is not None else None
    if plan is not None and plan.transform is not None:
        if image.mode == "RGB":
            return SrgbImage(plan.transform.apply_in_place(image), description, converted=True)
        return SrgbImage(plan.transform.apply(image), description, converted=True)
    if image.mode == "LAB":
        return SrgbImage(_lab_to_srgb().apply(image), description, converted=True)
    if image.mode == "CMYK":
        return SrgbImage(image.convert("RGB"), description, converted=False)
    return SrgbImage(image, description, converted=False)
