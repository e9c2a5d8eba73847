"""Soft-edged products with truly fractional alpha: hair strands, plush fuzz, see-through glass."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from bench.render import Layer, Pen, Rng, fill, hue, lit
from bench.textures import tinted_texture


def _strands(
    rng: Rng, seeds: npt.NDArray[np.float64], outward: npt.NDArray[np.float64], length: float
) -> list[npt.NDArray[np.float64]]:
    curves = []
    for start, direction in zip(seeds, outward, strict=True):
        bend = rng.normal(0.0, 0.35, 2)
        steps = np.linspace(0.0, 1.0, 6)[:, None]
        reach = length * rng.uniform(0.4, 1.0)
        curves.append(start + reach * (direction * steps + bend * steps**2))
    return curves


def fur(rng: Rng, rows: int, cols: int) -> Layer:
    """A fluffy pompom: a textured core fringed by hundreds of sub-pixel hair strands."""
    pen = Pen(rows, cols)
    core = pen.ellipse((0.5, 0.5), (0.3, 0.3 * cols / rows))
    dark, light = hue(rng, 0.05, 0.4), hue(rng, 0.5, 1.0)
    body = lit(
        core,
        tinted_texture(rng, rows, cols, dark, light, names=("grass",)),
        rng,
        round_=0.3,
        shine=5.0,
        spec=0.05,
    )
    theta = rng.uniform(0.0, 2 * np.pi, 1400)
    rad = np.array([0.28, 0.28 * cols / rows])
    seeds = 0.5 + np.stack([np.cos(theta), np.sin(theta)], 1) * rad * rng.uniform(
        0.75, 1.0, (1400, 1)
    )
    out = np.stack([np.cos(theta), np.sin(theta) * cols / rows], 1)
    hair = pen.strokes(_strands(rng, seeds, out, 0.17), width_px=float(rng.uniform(0.5, 0.9)))
    strands = Layer(
        fill(rows, cols, ((dark + light) / 2).astype(np.float32)), np.clip(hair * 1.2, 0.0, 1.0)
    )
    return strands.over(body)


def plush(rng: Rng, rows: int, cols: int) -> Layer:
    """A teddy bear: soft fuzzy outline several pixels wide plus stray fibres; dark eyes."""
    pen = Pen(rows, cols)
    parts = [
        ((0.5, 0.3), 0.2),
        ((0.33, 0.13), 0.08),
        ((0.67, 0.13), 0.08),
        ((0.5, 0.67), 0.27),
        ((0.24, 0.58), 0.09),
        ((0.76, 0.58), 0.09),
        ((0.34, 0.9), 0.1),
        ((0.66, 0.9), 0.1),
    ]
    solid = np.zeros((rows, cols), np.float32)
    for centre, r in parts:
        solid = np.maximum(solid, pen.ellipse(centre, (r, r * cols / rows * 0.95)))
    sdf = cv2.distanceTransform(
        (solid > 0.5).astype(np.uint8), cv2.DIST_L2, 5
    ) - cv2.distanceTransform((solid <= 0.5).astype(np.uint8), cv2.DIST_L2, 5)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (rows, cols)).astype(np.float32), (0, 0), 1.2) * 6.0
    soft = np.clip(0.5 + (sdf + noise) / 6.0, 0.0, 1.0).astype(np.float32)
    light = hue(rng, 0.45, 0.95)
    body = lit(
        soft,
        tinted_texture(rng, rows, cols, light * 0.6, light, names=("grass",)),
        rng,
        round_=0.25,
        shine=4.0,
        spec=0.05,
    )
    eyes = np.maximum(
        pen.ellipse((0.43, 0.27), (0.02, 0.02 * cols / rows)),
        pen.ellipse((0.57, 0.27), (0.02, 0.02 * cols / rows)),
    )
    return Layer(np.full((rows, cols, 3), 0.05, np.float32), eyes).over(body)


def glass(rng: Rng, rows: int, cols: int) -> Layer:
    """A wine glass: a see-through bowl (alpha about 0.3) with opaque rim, highlights and stem."""
    pen = Pen(rows, cols)
    bowl = pen.poly(
        [(0.1, 0.02), (0.9, 0.02), (0.88, 0.3), (0.7, 0.5), (0.3, 0.5), (0.12, 0.3)], smooth=3
    )
    rim = pen.ellipse((0.5, 0.03), (0.4, 0.02), width=0.02)
    stem = pen.poly([(0.46, 0.48), (0.54, 0.48), (0.53, 0.92), (0.47, 0.92)])
    foot = pen.ellipse((0.5, 0.94), (0.3, 0.04))
    streak = pen.strokes([np.array([[0.22, 0.08], [0.2, 0.25], [0.3, 0.4]])], rows * 0.02) * bowl
    alpha = np.maximum.reduce(
        [bowl * float(rng.uniform(0.22, 0.4)), rim * 0.9, stem * 0.55, foot * 0.5, streak * 0.8]
    )
    tint = np.clip(hue(rng, 0.75, 1.0) + 0.1, 0.0, 1.0)
    rgb = fill(rows, cols, tint)
    rgb[streak > 0.05] = 1.0
    return Layer(rgb, alpha.astype(np.float32))
