"""Render the sample photos shipped in ``samples/`` (what the README's main command processes).

Usage::

    python -m bench.make_samples [--out samples]

Deterministic (fixed seeds): running it again reproduces the committed files. Only public-domain
and CC0 photographs from ``skimage.data`` are used as backgrounds and label art; everything else
is drawn by ``bench/products.py``. ``samples/README.md`` records each file's provenance and licence.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

from bench.baseline import REPO_ROOT
from bench.products import RENDERERS
from bench.scenes import compose

U8 = npt.NDArray[np.uint8]
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class Sample:
    """One sample file: what is in it and how it is written."""

    name: str
    obj: str
    setting: str
    style: str | None
    rows: int
    cols: int
    seed: int
    writer: Callable[[U8, npt.NDArray[np.float32]], bytes]


def _jpeg(quality: int) -> Callable[[U8, npt.NDArray[np.float32]], bytes]:
    def write(rgb: U8, _alpha: npt.NDArray[np.float32]) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, "JPEG", quality=quality, optimize=True)
        return buf.getvalue()

    return write


def _jpeg_rotated(rgb: U8, _alpha: npt.NDArray[np.float32]) -> bytes:
    """Pixels stored 90 degrees anticlockwise with EXIF orientation 6, as many phones write them."""
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(rgb, 1)))
    exif = Image.Exif()
    exif[_EXIF_ORIENTATION] = 6
    buf = io.BytesIO()
    stored.save(buf, "JPEG", quality=85, optimize=True, exif=exif.tobytes())
    return buf.getvalue()


def _jpeg_cmyk(rgb: U8, _alpha: npt.NDArray[np.float32]) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).convert("CMYK").save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _png_cutout(rgb: U8, alpha: npt.NDArray[np.float32]) -> bytes:
    """A cut-out the seller already made: the product's pixels with transparency around them."""
    a = np.round(alpha * 255.0).astype(np.uint8)
    rgba = np.dstack([np.where(a[..., None] > 0, rgb, 0).astype(np.uint8), a])
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, "PNG", optimize=True)
    return buf.getvalue()


def _webp(rgb: U8, _alpha: npt.NDArray[np.float32]) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "WEBP", quality=82, method=6)
    return buf.getvalue()


def _heic(rgb: U8, _alpha: npt.NDArray[np.float32]) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "HEIF", quality=50)
    return buf.getvalue()


SAMPLES = (
    Sample("mug-on-wooden-table.jpg", "mug", "real", "wall", 1200, 1600, 11, _jpeg(84)),
    Sample("sneaker-on-brick-paving.jpg", "shoe", "real", "surface", 1125, 1500, 12, _jpeg(84)),
    Sample("bottle-white-sweep.jpg", "bottle", "studio", None, 1600, 1200, 13, _jpeg(88)),
    Sample("carton-phone-rotated.jpg", "carton", "real", "wall", 1200, 1600, 14, _jpeg_rotated),
    Sample("ring-cutout.png", "ring", "studio", None, 900, 900, 15, _png_cutout),
    Sample("teddy-bear.heic", "plush", "real", "table", 1600, 1200, 20, _heic),
    Sample("necklace-on-table.webp", "chain", "real", "wall", 1200, 1500, 17, _webp),
    Sample("pompom-grey-sweep-cmyk.jpg", "fur", "studio", None, 1200, 1200, 18, _jpeg_cmyk),
)


def render(sample: Sample) -> tuple[bytes, str]:
    """The encoded file of one sample and a description of its background."""
    if sample.obj not in RENDERERS:
        msg = f"unknown object {sample.obj!r}"
        raise ValueError(msg)
    rng = np.random.default_rng(sample.seed)
    scene = compose(rng, sample.obj, sample.setting, sample.rows, sample.cols, style=sample.style)
    return sample.writer(scene.rgb, scene.alpha), str(scene.meta["background"])


def main(argv: list[str] | None = None) -> None:
    """Write every sample into ``--out`` and list their sizes."""
    parser = argparse.ArgumentParser(description="render the committed sample photos")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "samples")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for sample in SAMPLES:
        data, background = render(sample)
        (args.out / sample.name).write_bytes(data)
        total += len(data)
        print(f"{sample.name:32s} {len(data) / 1024:7.0f} KiB  {sample.obj:7s} {background}")
    print(f"{'total':32s} {total / 1024:7.0f} KiB")


if __name__ == "__main__":
    main()
