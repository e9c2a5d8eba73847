"""Drawing primitives for the rendered products: layers, a supersampling pen and shading.

Silhouettes are drawn at 4x and area-averaged down, so hard edges carry the fractional coverage of
a real anti-aliased edge. Colour comes from shading (a height field grown from the silhouette, lit
with diffuse and specular terms) and from textures cut out of real photographs.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
Rng = np.random.Generator
Point = tuple[float, float]
SS = 4  # supersampling factor of silhouettes


@dataclass(frozen=True)
class Layer:
    """A foreground object: straight (not premultiplied) colour and its alpha, both float32."""

    rgb: F32
    alpha: F32

    def over(self, below: Layer) -> Layer:
        """Porter-Duff *over*: ``self`` drawn on top of ``below``."""
        a = self.alpha + below.alpha * (1.0 - self.alpha)
        top = self.rgb * self.alpha[..., None]
        bottom = below.rgb * (below.alpha * (1.0 - self.alpha))[..., None]
        rgb = (top + bottom) / np.maximum(a, 1e-6)[..., None]
        return Layer(rgb.astype(np.float32), a.astype(np.float32))


class Pen:
    """Rasterises shapes given in normalised ``(col, row)`` coordinates into coverage maps."""

    def __init__(self, rows: int, cols: int) -> None:
        self.rows, self.cols = rows, cols

    def _xy(self, points: list[Point]) -> npt.NDArray[np.int32]:
        arr = np.asarray(points, np.float64) * np.array([self.cols * SS, self.rows * SS])
        return np.asarray(np.round(arr), np.int32).reshape(-1, 1, 2)

    def _canvas(self) -> npt.NDArray[np.uint8]:
        return np.zeros((self.rows * SS, self.cols * SS), np.uint8)

    def _down(self, big: npt.NDArray[np.uint8]) -> F32:
        small = cv2.resize(big, (self.cols, self.rows), interpolation=cv2.INTER_AREA)
        return (small.astype(np.float32) / 255.0).astype(np.float32)

    def poly(self, points: list[Point], smooth: int = 0) -> F32:
        """A filled polygon, optionally rounded by Chaikin corner cutting."""
        pts = np.asarray(points, np.float64)
        for _ in range(smooth):
            nxt = np.roll(pts, -1, axis=0)
            pts = np.stack([0.75 * pts + 0.25 * nxt, 0.25 * pts + 0.75 * nxt], axis=1).reshape(
                -1, 2
            )
        big = self._canvas()
        cv2.fillPoly(big, [self._xy([(float(c), float(r)) for c, r in pts])], 255)
        return self._down(big)

    def ellipse(self, centre: Point, axes: Point, angle: float = 0.0, width: float = 0.0) -> F32:
        """A filled ellipse, or an elliptical ring ``width`` (a fraction of the columns) wide."""
        big = self._canvas()
        (cx, cy) = self._xy([centre])[0, 0]
        ax = (int(axes[0] * self.cols * SS), int(axes[1] * self.rows * SS))
        thick = -1 if width <= 0 else max(1, int(width * self.cols * SS))
        cv2.ellipse(big, (int(cx), int(cy)), ax, angle, 0, 360, 255, thick, cv2.LINE_8)
        return self._down(big)

    def strokes(self, curves: list[npt.NDArray[np.float64]], width_px: float) -> F32:
        """Open polylines ``width_px`` output pixels wide (below 1 px they are fractional)."""
        big = self._canvas()
        scaled = [np.round(c * [self.cols * SS, self.rows * SS]).astype(np.int32) for c in curves]
        cv2.polylines(big, scaled, False, 255, max(1, round(width_px * SS)), cv2.LINE_8)
        return self._down(big)


def shade(alpha: F32, rng: Rng, *, round_: float, shine: float, spec: float) -> tuple[F32, F32]:
    """Diffuse and specular light for a solid whose height rises with distance from its outline."""
    dist = cv2.distanceTransform((alpha > 0.5).astype(np.uint8), cv2.DIST_L2, 5)
    reach = max(2.0, round_ * float(min(alpha.shape)))
    height = np.sqrt(np.clip(dist / reach, 0.0, 1.0)) * reach
    height = cv2.GaussianBlur(height.astype(np.float32), (0, 0), max(1.0, reach * 0.08))
    gy, gx = np.gradient(height)
    normal = np.stack([-gx, -gy, np.ones_like(gx)], axis=-1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    light = np.array([rng.uniform(-0.6, -0.2), rng.uniform(-0.7, -0.3), 0.7], np.float32)
    light /= np.linalg.norm(light)
    half = light + np.array([0.0, 0.0, 1.0], np.float32)
    half /= np.linalg.norm(half)
    diffuse = np.clip(normal @ light, 0.0, 1.0)
    specular = np.clip(normal @ half, 0.0, 1.0) ** shine * spec
    return (0.35 + 0.75 * diffuse).astype(np.float32), specular.astype(np.float32)


def lit(alpha: F32, albedo: F32, rng: Rng, *, round_: float, shine: float, spec: float) -> Layer:
    """A shaded solid: ``albedo`` lit by :func:`shade`, with ``alpha`` as coverage."""
    diffuse, specular = shade(alpha, rng, round_=round_, shine=shine, spec=spec)
    rgb = np.clip(albedo * diffuse[..., None] + specular[..., None], 0.0, 1.0)
    return Layer(rgb.astype(np.float32), alpha)


def fill(rows: int, cols: int, colour: F32) -> F32:
    """A ``(rows, cols, 3)`` image of one colour."""
    return np.broadcast_to(colour, (rows, cols, 3)).astype(np.float32)


def hue(rng: Rng, lo: float = 0.15, hi: float = 0.85) -> F32:
    """A random RGB colour with every channel in ``[lo, hi]``."""
    return rng.uniform(lo, hi, 3).astype(np.float32)
