"""Real sample photos, marks drawn on them with Pillow, and an OCR fake that reports the truth."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from pixellift.core.contracts.ocr_reading import OcrLine, OcrReading, PixelBox, Point
from pixellift.core.imaging.decode import decode_image
from pixellift.core.pipeline.segment import segment_subject
from pixellift.core.types import Alpha, RgbImage

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
PHOTOS = sorted(p.name for p in SAMPLES.iterdir() if p.suffix != ".md")


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans Bold, else Pillow's built-in scalable font."""
    if DEJAVU.exists():
        return ImageFont.truetype(str(DEJAVU), size)
    return ImageFont.load_default(size=size)


@cache
def _sample(name: str) -> tuple[RgbImage, Alpha]:
    decoded = decode_image((SAMPLES / name).read_bytes(), name)
    alpha = decoded.alpha
    if alpha is None:
        alpha = segment_subject(decoded.rgb, None).alpha
    return decoded.rgb, alpha


def sample(name: str) -> tuple[RgbImage, Alpha]:
    """A sample photo and its product alpha (classical segmentation, or the file's own alpha)."""
    rgb, alpha = _sample(name)
    return rgb.copy(), alpha


def draw_text(
    rgb: RgbImage, text: str, xy: tuple[int, int], size: int, fill: tuple[int, int, int]
) -> tuple[RgbImage, tuple[int, int, int, int]]:
    """Text drawn crisply (as an editor adds it); returns the photo and the text's box."""
    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    draw.text(xy, text, font=font(size), fill=fill)
    box = draw.textbbox(xy, text, font=font(size))
    return np.asarray(image).copy(), (box[0], box[1], box[2], box[3])


def printed_text(
    rgb: RgbImage, text: str, xy: tuple[int, int], size: int, seed: int = 3
) -> tuple[RgbImage, tuple[int, int, int, int]]:
    """Text as a camera sees print: slightly soft, with sensor noise (fixed seed)."""
    layer = Image.new("L", (rgb.shape[1], rgb.shape[0]), 0)
    draw = ImageDraw.Draw(layer)
    draw.text(xy, text, font=font(size), fill=255)
    box = draw.textbbox(xy, text, font=font(size))
    import cv2

    a = cv2.GaussianBlur(np.asarray(layer, np.float32) / 255, (0, 0), 1.0)[..., None]
    out = rgb.astype(np.float32) * (1 - a) + np.array([250, 245, 230], np.float32) * a
    out += np.random.default_rng(seed).normal(0, 4, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8), (box[0], box[1], box[2], box[3])


def line(text: str, box: tuple[int, int, int, int], confidence: float = 0.95) -> OcrLine:
    """An OCR line with an axis-aligned quad."""
    x0, y0, x1, y1 = box
    quad = (
        Point(row=y0, col=x0),
        Point(row=y0, col=x1),
        Point(row=y1, col=x1),
        Point(row=y1, col=x0),
    )
    return OcrLine(
        text=text,
        confidence=confidence,
        box=PixelBox(top=y0, left=x0, bottom=y1, right=x1),
        quad=quad,
    )


class ScriptedOcr:
    """An ``OcrReader`` that returns the lines it was given (what was drawn, where)."""

    name = "scripted"

    def __init__(self, *lines: OcrLine) -> None:
        self.lines = lines
        self.calls = 0

    def read(self, rgb: RgbImage) -> OcrReading:
        self.calls += 1
        return OcrReading(engine=self.name, rows=rgb.shape[0], cols=rgb.shape[1], lines=self.lines)


@pytest.fixture
def bottle() -> tuple[RgbImage, Alpha]:
    """The bottle on a white sweep (product box about x 456-852, y 354-1407)."""
    return sample("bottle-white-sweep.jpg")
