"""Scenes: an object with known alpha composited onto a real-photo or studio background.

The image formation follows the matting equation ``I = alpha * F + (1 - alpha) * B``; shadows,
vignetting and sensor noise act on the whole picture, so the ground truth stays exact: a contact
shadow belongs to the background (alpha 0), as a marketplace main image needs it removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from bench.products import RENDERERS
from bench.render import Layer
from bench.textures import COLOUR_PHOTOS, GREY_TEXTURES, colour_photo, crop_resized, tinted_texture

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]
Rng = np.random.Generator

_TABLE_TONES = {
    "oak": ((0.42, 0.3, 0.18), (0.8, 0.64, 0.44)),
    "walnut": ((0.18, 0.11, 0.07), (0.45, 0.3, 0.2)),
    "slate": ((0.2, 0.21, 0.23), (0.55, 0.56, 0.58)),
    "linen": ((0.6, 0.57, 0.52), (0.92, 0.9, 0.85)),
}


@dataclass(frozen=True)
class Scene:
    """A rendered photo (uint8 RGB), its exact alpha and a description."""

    rgb: U8
    alpha: F32
    meta: dict[str, object] = field(default_factory=dict)


def _table(rng: Rng, rows: int, cols: int, horizon: int) -> tuple[F32, str]:
    """A textured table top in perspective, filling the picture below ``horizon``."""
    tone = list(_TABLE_TONES)[int(rng.integers(len(_TABLE_TONES)))]
    dark, light = (np.asarray(c, np.float32) for c in _TABLE_TONES[tone])
    flat = tinted_texture(rng, rows, 2 * cols, dark, light, names=("gravel", "grass"), scale=1.2)
    src = np.array([[0, 0], [2 * cols, 0], [2 * cols, rows], [0, rows]], np.float32)
    top, bottom = 1.3 * cols, 3.2 * cols
    dst = np.array(
        [
            [cols / 2 - top / 2, horizon],
            [cols / 2 + top / 2, horizon],
            [cols / 2 + bottom / 2, rows],
            [cols / 2 - bottom / 2, rows],
        ],
        np.float32,
    )
    warp = cv2.getPerspectiveTransform(src, dst)
    surface = cv2.warpPerspective(
        flat, warp, (cols, rows), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
    # Rows above the horizon map near the vanishing line, where the homography can give NaN;
    # they are hidden behind the backdrop anyway.
    return np.nan_to_num(np.asarray(surface, np.float32), nan=0.0, posinf=0.0, neginf=0.0), tone


def real_background(
    rng: Rng,
    rows: int,
    cols: int,
    *,
    style: str | None = None,
) -> tuple[F32, int, str]:
    """A real-photo background, the row the product stands on, and a description.

    ``style`` is drawn unless given: ``photo`` (a defocused photograph), ``table`` (a photograph
    behind a textured table top), ``surface`` (a textured floor seen from above) or ``wall`` (a
    brick wall behind a table; only when asked for).
    """
    drawn = str(rng.choice(["photo", "table", "surface"], p=[0.35, 0.45, 0.2]))
    style = style or drawn
    if style == "surface":
        name = GREY_TEXTURES[int(rng.integers(len(GREY_TEXTURES)))]
        dark, light = rng.uniform(0.05, 0.35, 3), rng.uniform(0.45, 0.9, 3)
        bg = tinted_texture(
            rng, rows, cols, dark.astype(np.float32), light.astype(np.float32), names=(name,)
        )
        return bg, int(rows * rng.uniform(0.8, 0.95)), f"surface:{name}"
    if style == "wall":
        tone = rng.uniform(0.5, 0.95, 3).astype(np.float32)
        wall = tinted_texture(rng, rows, cols, tone * 0.55, tone, names=("brick",), scale=1.5)
        backdrop = np.asarray(
            cv2.GaussianBlur(wall, (0, 0), float(rng.uniform(1.5, 3.0))), np.float32
        )
        where = "wall:brick"
    else:
        name = COLOUR_PHOTOS[int(rng.integers(len(COLOUR_PHOTOS)))]
        photo = crop_resized(colour_photo(name), rng, rows, cols).astype(np.float32) / 255.0
        backdrop = np.asarray(
            cv2.GaussianBlur(photo, (0, 0), float(rng.uniform(0.6, 3.0))), np.float32
        )
        where = f"photo:{name}"
        if style == "photo":
            return backdrop, int(rows * rng.uniform(0.8, 0.95)), where
    horizon = int(rows * rng.uniform(0.35, 0.6))
    table, tone_name = _table(rng, rows, cols, horizon)
    edge = np.clip((np.arange(rows, dtype=np.float32) - horizon) / 3.0 + 0.5, 0.0, 1.0)
    bg = backdrop * (1.0 - edge[:, None, None]) + table * edge[:, None, None]
    floor = int(horizon + (rows - horizon) * rng.uniform(0.55, 0.9))
    return bg.astype(np.float32), floor, f"{where}+table:{tone_name}"


def studio_background(rng: Rng, rows: int, cols: int) -> F32:
    """A white or light-grey paper sweep: brighter towards the floor, with a soft vignette."""
    top, bottom = rng.uniform(0.84, 0.95), rng.uniform(0.93, 0.995)
    t = np.linspace(0.0, 1.0, rows, dtype=np.float32)[:, None]
    level = top + (bottom - top) * (3 * t**2 - 2 * t**3)
    rr, cc = np.mgrid[0:rows, 0:cols].astype(np.float32)
    dist = np.hypot((rr - rows / 2) / rows, (cc - cols / 2) / cols)
    vignette = 1.0 - rng.uniform(0.03, 0.1) * (dist / dist.max()) ** 2
    tint = 1.0 + rng.uniform(-0.012, 0.012, 3).astype(np.float32)
    return np.asarray(np.clip(level[..., None] * vignette[..., None] * tint, 0.0, 1.0), np.float32)


def _place(layer: Layer, rows: int, cols: int, top: int, left: int) -> Layer:
    rgb = np.zeros((rows, cols, 3), np.float32)
    alpha = np.zeros((rows, cols), np.float32)
    h, w = layer.alpha.shape
    rgb[top : top + h, left : left + w] = layer.rgb
    alpha[top : top + h, left : left + w] = layer.alpha
    return Layer(rgb, alpha)


def _shadow(alpha: F32, rng: Rng, bottom: int, strength: float) -> F32:
    """Darkening under and behind the object: a contact ellipse plus a soft cast shadow."""
    rows, cols = alpha.shape
    cols_on = np.flatnonzero(alpha.max(axis=0) > 0.5)
    height = max(1, int(np.count_nonzero(alpha.max(axis=1) > 0.5)))
    centre, half = int(cols_on.mean()), max(2, (cols_on[-1] - cols_on[0]) // 2)
    contact = np.zeros((rows, cols), np.float32)
    cv2.ellipse(
        contact,
        (centre, bottom),
        (int(half * 0.95), max(2, int(height * 0.04))),
        0,
        0,
        360,
        1.0,
        -1,
    )
    contact = np.asarray(cv2.GaussianBlur(contact, (0, 0), max(1.0, height * 0.025)), np.float32)
    shear = np.array([[1, rng.uniform(-0.6, 0.6), 0], [0, 0.25, bottom * 0.75]], np.float32)
    cast = cv2.warpAffine(alpha, shear, (cols, rows))
    cast = np.asarray(cv2.GaussianBlur(cast, (0, 0), max(1.0, height * 0.04)), np.float32) * 0.45
    return np.asarray(np.clip(strength * np.maximum(contact, cast), 0.0, 0.9), np.float32)


def _camera(image: F32, rng: Rng, noise: float) -> U8:
    """Sensor noise (luma plus weaker chroma) and 8-bit quantisation."""
    rows, cols = image.shape[:2]
    luma = rng.normal(0.0, noise, (rows, cols, 1)).astype(np.float32)
    chroma = rng.normal(0.0, noise * 0.4, (rows, cols, 3)).astype(np.float32)
    return np.asarray(np.clip((image + luma + chroma) * 255.0 + 0.5, 0, 255), np.uint8)


def compose(
    rng: Rng,
    obj: str,
    setting: str,
    rows: int,
    cols: int,
    *,
    style: str | None = None,
) -> Scene:
    """Render ``obj`` into a ``setting`` ("real" or "studio") picture of ``rows`` x ``cols``.

    ``style`` forces the real background's kind ("photo", "table" or "surface") instead of drawing
    it.
    """
    renderer, aspect = RENDERERS[obj]
    obj_rows = int(rows * rng.uniform(0.42, 0.72))
    obj_cols = int(obj_rows * aspect)
    if obj_cols > cols * 0.86:
        obj_cols = int(cols * 0.86)
        obj_rows = int(obj_cols / aspect)
    layer = renderer(rng, obj_rows, obj_cols)
    if setting == "studio":
        bg, floor, where = (
            studio_background(rng, rows, cols),
            int(rows * rng.uniform(0.78, 0.92)),
            "studio:sweep",
        )
    else:
        bg, floor, where = real_background(rng, rows, cols, style=style)
    bottom = int(np.clip(floor, obj_rows + 2, rows - 2))
    left = int(
        rng.integers(
            int(cols * 0.05), max(int(cols * 0.05) + 1, cols - obj_cols - int(cols * 0.05))
        )
    )
    placed = _place(layer, rows, cols, bottom - obj_rows, left)
    bg = (
        bg
        * (1.0 - _shadow(placed.alpha, rng, bottom, 0.55 if setting == "studio" else 0.45))[
            ..., None
        ]
    )
    ambient = bg.reshape(-1, 3).mean(axis=0)
    fg = placed.rgb * (0.88 + 0.12 * ambient / max(float(ambient.mean()), 1e-3))
    a = placed.alpha[..., None]
    image = np.clip(fg, 0.0, 1.0) * a + bg * (1.0 - a)
    rgb = _camera(image.astype(np.float32), rng, float(rng.uniform(0.004, 0.012)))
    meta: dict[str, object] = {"object": obj, "setting": setting, "background": where}
    return Scene(rgb, placed.alpha, meta)
