"""Hard-edged products (bottle, carton, mug, sneaker, ring, chain) and the registry of all products.

Each renderer returns a :class:`~bench.render.Layer` of the requested size with exact alpha:
anti-aliased silhouettes, holes that show the background (mug handle, ring band, chain links) and
thin structures.
"""

from __future__ import annotations

import numpy as np

from bench.render import Layer, Pen, Rng, fill, hue, lit
from bench.soft_products import fur, glass, plush
from bench.textures import photo_crop, tinted_texture


def bottle(rng: Rng, rows: int, cols: int) -> Layer:
    """A bottle with cap, shoulders and a photographic label."""
    pen = Pen(rows, cols)
    body = [
        (0.42, 0.1),
        (0.42, 0.24),
        (0.18, 0.36),
        (0.16, 0.98),
        (0.84, 0.98),
        (0.82, 0.36),
        (0.58, 0.24),
        (0.58, 0.1),
    ]
    alpha = np.maximum(
        pen.poly(body, smooth=2), pen.poly([(0.38, 0.01), (0.62, 0.01), (0.62, 0.12), (0.38, 0.12)])
    )
    albedo = fill(rows, cols, hue(rng))
    top, bottom = int(rows * 0.48), int(rows * 0.82)
    albedo[top:bottom] = photo_crop(rng, bottom - top, cols)
    albedo[: int(rows * 0.12)] = hue(rng, 0.05, 0.5)
    return lit(alpha, albedo, rng, round_=0.35, shine=40.0, spec=0.5)


def carton(rng: Rng, rows: int, cols: int) -> Layer:
    """A printed carton seen from above one corner: three flat-lit faces."""
    pen = Pen(rows, cols)
    base = hue(rng, 0.3, 0.95)
    front = fill(rows, cols, base)
    r0, r1, c0, c1 = int(rows * 0.42), int(rows * 0.85), int(cols * 0.02), int(cols * 0.7)
    front[r0:r1, c0:c1] = photo_crop(rng, r1 - r0, c1 - c0)
    faces = [
        (pen.poly([(0.02, 0.3), (0.7, 0.3), (0.7, 0.99), (0.02, 0.99)]), front * 0.92),
        (
            pen.poly([(0.02, 0.3), (0.28, 0.02), (0.98, 0.02), (0.7, 0.3)]),
            fill(rows, cols, base * 1.08),
        ),
        (
            pen.poly([(0.7, 0.3), (0.98, 0.02), (0.98, 0.72), (0.7, 0.99)]),
            fill(rows, cols, base * 0.62),
        ),
    ]
    out = Layer(np.zeros((rows, cols, 3), np.float32), np.zeros((rows, cols), np.float32))
    for cover, rgb in faces:
        out = Layer(np.clip(rgb, 0.0, 1.0).astype(np.float32), cover).over(out)
    return out


def mug(rng: Rng, rows: int, cols: int) -> Layer:
    """A glazed mug whose handle shows the background through its hole."""
    pen = Pen(rows, cols)
    handle = pen.ellipse((0.72, 0.5), (0.22, 0.26), width=0.075)
    body = pen.poly([(0.03, 0.06), (0.68, 0.06), (0.68, 0.97), (0.03, 0.97)], smooth=4)
    alpha = np.maximum(handle, body)
    albedo = fill(rows, cols, hue(rng))
    mouth = pen.ellipse((0.355, 0.1), (0.3, 0.035))
    albedo *= (1.0 - 0.7 * mouth)[..., None]
    return lit(alpha, albedo, rng, round_=0.3, shine=60.0, spec=0.7)


def shoe(rng: Rng, rows: int, cols: int) -> Layer:
    """A sneaker profile: leather-textured upper, pale sole, laces."""
    pen = Pen(rows, cols)
    upper = [
        (0.06, 0.22),
        (0.24, 0.34),
        (0.42, 0.04),
        (0.52, 0.1),
        (0.76, 0.44),
        (0.98, 0.66),
        (0.97, 0.86),
        (0.1, 0.86),
        (0.0, 0.6),
    ]
    up_alpha = pen.poly(upper, smooth=3)
    tone = hue(rng, 0.2, 0.9)
    leather = tinted_texture(rng, rows, cols, tone * 0.45, tone, names=("gravel",), scale=0.5)
    up = lit(up_alpha, leather, rng, round_=0.2, shine=12.0, spec=0.2)
    sole = Layer(
        fill(rows, cols, hue(rng, 0.8, 0.97)),
        pen.poly([(0.0, 0.76), (0.99, 0.76), (0.97, 0.98), (0.03, 0.98)], smooth=2),
    )
    laces = [
        np.array([[0.44 + 0.06 * i, 0.16 + 0.07 * i], [0.36 + 0.06 * i, 0.27 + 0.07 * i]])
        for i in range(5)
    ]
    lace = Layer(
        np.full((rows, cols, 3), 0.95, np.float32), pen.strokes(laces, rows * 0.022) * up_alpha
    )
    return lace.over(sole.over(up))


def ring(rng: Rng, rows: int, cols: int) -> Layer:
    """A gold or silver ring seen at an angle, with a stone; the hole shows the background."""
    pen = Pen(rows, cols)
    band = pen.ellipse((0.5, 0.62), (0.44, 0.3), width=0.09)
    stone = pen.poly([(0.4, 0.3), (0.5, 0.12), (0.6, 0.3), (0.5, 0.4)])
    metal = np.array([0.86, 0.68, 0.25] if rng.random() < 0.5 else [0.78, 0.8, 0.84], np.float32)
    body = lit(band, fill(rows, cols, metal), rng, round_=0.04, shine=30.0, spec=0.9)
    gem = lit(stone, fill(rows, cols, hue(rng, 0.1, 0.9)), rng, round_=0.05, shine=80.0, spec=1.0)
    return gem.over(body)


def chain(rng: Rng, rows: int, cols: int) -> Layer:
    """A necklace chain of small oval links hanging in a curve, with a pendant."""
    pen = Pen(rows, cols)
    cover = np.zeros((rows, cols), np.float32)
    count = int(rng.integers(28, 40))
    for i in range(count):
        t = i / (count - 1)
        centre = (0.06 + 0.88 * t, 0.08 + 0.62 * (1.0 - (2.0 * t - 1.0) ** 2))
        angle = 90.0 * (i % 2) + float(np.degrees(np.arctan2(1.24 * (1 - 2 * t), 0.88)))
        cover = np.maximum(
            cover, pen.ellipse(centre, (0.022, 0.014 * cols / rows), angle, width=0.007)
        )
    cover = np.maximum(cover, pen.ellipse((0.5, 0.82), (0.07, 0.1)))
    metal = np.array([0.82, 0.82, 0.86] if rng.random() < 0.5 else [0.85, 0.66, 0.3], np.float32)
    return lit(cover, fill(rows, cols, metal), rng, round_=0.01, shine=25.0, spec=0.8)


RENDERERS = {
    "bottle": (bottle, 0.55),
    "carton": (carton, 1.1),
    "mug": (mug, 1.1),
    "shoe": (shoe, 1.8),
    "ring": (ring, 1.1),
    "chain": (chain, 1.2),
    "fur": (fur, 1.0),
    "plush": (plush, 0.85),
    "glass": (glass, 0.6),
}
"""Object name to (renderer, width/height aspect)."""

SOFT_OBJECTS = frozenset({"fur", "plush", "glass"})
