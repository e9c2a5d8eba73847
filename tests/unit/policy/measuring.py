"""Helpers shared by the measurement tests: a blue product on a background, encoded in memory."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image
from pixellift.core.policy.measure import measure_image

PURE = "background_purity[#FFFFFF~3]"
BLUE = (30, 60, 160)


def product_on(background=(255, 255, 255), size=(200, 200), box=(50, 40, 150, 160)) -> np.ndarray:
    rgb = np.full((*size, 3), background, np.uint8)
    top, left, bottom, right = box
    rgb[top:bottom, left:right] = BLUE
    return rgb


def encode(array: np.ndarray, fmt: str = "PNG", **options: Any) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, fmt, **options)
    return buf.getvalue()


def measure(data: bytes, name: str = "photo.png", **kwargs: Any) -> dict[str, Any]:
    return dict(measure_image(data, name, **kwargs).values)
