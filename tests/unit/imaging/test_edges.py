from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pixellift.core.errors import InvalidImageArrayError, InvalidPresetError
from pixellift.core.imaging.edges import EdgeParams, EdgeResult, refine_edges
from pixellift.core.imaging.trimap import contour_distance
from pixellift.core.types import Alpha, RgbImage

SIZE = 192
SUPER = 4  # scenes are drawn this many times larger, then averaged down: true fractional alpha
WHITE = np.array([255.0, 255.0, 255.0], np.float32)


@dataclass(frozen=True)
class Scene:
    """A composited photo with its ground truth and a coarse map as a segmenter would give."""

    rgb: RgbImage
    coarse: Alpha
    alpha: Alpha
    foreground: np.ndarray
    background: np.ndarray


def _down(big: np.ndarray) -> Alpha:
    return np.asarray(cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA), np.float32)


def _compose(alpha: Alpha, fg: np.ndarray, bg: np.ndarray, coarse: np.ndarray) -> Scene:
    rgb = np.clip(alpha[..., None] * fg + (1 - alpha[..., None]) * bg, 0, 255).astype(np.uint8)
    return Scene(rgb, np.clip(coarse, 0, 1).astype(np.float32), alpha, fg, bg)


def _plain(colour: tuple[int, int, int], rng: np.random.Generator) -> np.ndarray:
    return np.full((SIZE, SIZE, 3), colour, np.float32) + rng.normal(0, 3, (SIZE, SIZE, 3))


def box_scene() -> Scene:
    """A rotated orange box on green; the coarse map is blurred and one pixel off."""
    rng = np.random.default_rng(11)  # fixed seed: the noise only has to look like a photo's
    big = np.zeros((SIZE * SUPER,) * 2, np.float32)
    centre = SIZE * SUPER / 2
    corners = cv2.boxPoints(((centre, centre), (SIZE * SUPER * 0.55, SIZE * SUPER * 0.45), 17))
    cv2.fillPoly(big, [corners.astype(np.int32)], 1.0)
    alpha = _down(big)
    coarse = np.roll(cv2.GaussianBlur(alpha, (0, 0), 2.5), 1, axis=1)
    return _compose(alpha, _plain((200, 80, 40), rng), _plain((60, 150, 90), rng), coarse)


def hair_scene() -> Scene:
    """A dark head with thin wavy strands on a light textured backdrop.

    The coarse map is what a segmentation model gives for hair: a blurred envelope, high but
    not certain over the strands, soft at its rim.
    """
    rng = np.random.default_rng(5)  # fixed seed: the strands' paths
    n = SIZE * SUPER
    big = np.zeros((n, n), np.float32)
    cv2.circle(big, (n // 2, int(n * 0.78)), int(n * 0.3), 1.0, -1)
    for _ in range(45):
        angle = rng.uniform(-2.6, -0.55)
        row, col = n * 0.78 + n * 0.28 * np.sin(angle), n / 2 + n * 0.28 * np.cos(angle)
        length = rng.uniform(0.04, 0.1) * n
        points = []
        for _ in range(20):
            points.append((col, row))
            angle += rng.normal(0, 0.1)
            row, col = row + np.sin(angle) * length / 20, col + np.cos(angle) * length / 20
        cv2.polylines(big, [np.array(points, np.int32)], False, 1.0, SUPER, cv2.LINE_AA)
    alpha = np.clip(_down(big), 0, 1)
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    texture = 12 * np.sin(cols / 7.0) + 8 * np.cos(rows / 11.0)
    bg = np.dstack([225 + texture, 215 + texture, 200 + texture]).astype(np.float32)
    bg += rng.normal(0, 3, bg.shape)
    closed = cv2.morphologyEx(
        (alpha > 0.3).astype(np.uint8),
        cv2.MORPH_CLOSE,
        cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15)),
    ).astype(np.float32)
    envelope = cv2.GaussianBlur(closed, (0, 0), 3.0) * 0.9
    coarse = np.maximum(envelope, cv2.GaussianBlur(alpha, (0, 0), 1.5))
    return _compose(alpha, _plain((70, 45, 30), rng), bg, coarse)


def ring_scene() -> Scene:
    """A blue ring (a mug handle, a necklace loop) whose hole the coarse map filled in."""
    rng = np.random.default_rng(7)  # fixed seed: noise only
    n = SIZE * SUPER
    ring, disc = np.zeros((n, n), np.float32), np.zeros((n, n), np.float32)
    cv2.circle(ring, (n // 2, n // 2), int(n * 0.3), 1.0, -1)
    cv2.circle(ring, (n // 2, n // 2), int(n * 0.14), 0.0, -1)
    cv2.circle(disc, (n // 2, n // 2), int(n * 0.3), 1.0, -1)
    coarse = cv2.GaussianBlur(_down(disc), (0, 0), 2.0)
    return _compose(_down(ring), _plain((40, 60, 170), rng), _plain((236, 236, 232), rng), coarse)


def spot_scene() -> Scene:
    """A brown box with a soft highlight as pale as the backdrop; the coarse map dips to 0.6."""
    rng = np.random.default_rng(9)  # fixed seed: noise only
    n = SIZE * SUPER
    big = np.zeros((n, n), np.float32)
    cv2.rectangle(big, (int(n * 0.2), int(n * 0.2)), (int(n * 0.8), int(n * 0.8)), 1.0, -1)
    alpha = _down(big)
    rows, cols = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    spot = np.exp(-((rows - SIZE * 0.45) ** 2 + (cols - SIZE * 0.55) ** 2) / (2 * 11.0**2))
    fg = _plain((150, 110, 70), rng) * (1 - spot[..., None]) + 238 * spot[..., None]
    coarse = cv2.GaussianBlur(alpha, (0, 0), 2.0) * (1 - 0.4 * spot)
    return _compose(alpha, fg, _plain((240, 240, 240), rng), coarse)


def _iou(alpha: Alpha, truth: Alpha) -> float:
    a, b = alpha >= 0.5, truth >= 0.5
    return float((a & b).sum() / (a | b).sum())


def _mae(alpha: Alpha, truth: Alpha) -> float:
    return float(np.abs(alpha - truth).mean())


def _sad(alpha: Alpha, truth: Alpha, region: np.ndarray) -> float:
    return float(np.abs(alpha - truth)[region].sum())


def _spill(result: EdgeResult, scene: Scene, foreground: np.ndarray) -> float:
    """Mean tint toward the old backdrop, on white, within 2 px of the true edge (0..255)."""
    a = result.alpha[..., None]
    composite = a * foreground.astype(np.float32) + (1 - a) * WHITE
    truth = scene.alpha[..., None] * scene.foreground + (1 - scene.alpha[..., None]) * WHITE
    toward = scene.background.mean(axis=(0, 1)) - WHITE
    toward /= np.linalg.norm(toward)
    edge = (scene.alpha > 0.01) & (scene.alpha < 0.99)
    near_edge = cv2.dilate(edge.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    return float(np.clip((composite - truth) @ toward, 0, None)[near_edge].mean())


@pytest.fixture(scope="module")
def box() -> tuple[Scene, EdgeResult]:
    scene = box_scene()
    return scene, refine_edges(scene.rgb, scene.coarse)


@pytest.fixture(scope="module")
def hair() -> tuple[Scene, EdgeResult]:
    scene = hair_scene()
    return scene, refine_edges(scene.rgb, scene.coarse)


def test_refine_edges_improves_iou_and_mae_on_a_hard_edge(box: tuple[Scene, EdgeResult]) -> None:
    # GIVEN a hard-edged box whose coarse map is blurred and shifted by a pixel
    scene, result = box
    # WHEN its edges are refined
    # THEN the matte is closer to the truth than the coarse map, by both measures
    assert _iou(result.alpha, scene.alpha) > max(0.995, _iou(scene.coarse, scene.alpha))
    assert _mae(result.alpha, scene.alpha) < 0.25 * _mae(scene.coarse, scene.alpha)


def _band_reach(scene: Scene, result: EdgeResult) -> float:
    """How far the unknown band reaches from the coarse contour (95th percentile, pixels)."""
    return float(np.percentile(contour_distance(scene.coarse)[result.trimap == 128], 95))


def test_refine_edges_keeps_the_band_tight_on_a_hard_edge(
    box: tuple[Scene, EdgeResult], hair: tuple[Scene, EdgeResult]
) -> None:
    # GIVEN the refined box and the refined head of hair
    box_scene_, box_result = box
    hair_scene_, hair_result = hair
    # WHEN their trimaps and complexities are compared
    # THEN the box's edge is judged simpler and its band reaches less than half as far
    assert box_result.complexity < 0.15 < hair_result.complexity
    assert _band_reach(box_scene_, box_result) <= 4.0
    assert _band_reach(hair_scene_, hair_result) > 2 * _band_reach(box_scene_, box_result)
    assert set(np.unique(box_result.trimap)) == {0, 128, 255}


def test_refine_edges_leaves_no_backdrop_tint_on_white(box: tuple[Scene, EdgeResult]) -> None:
    # GIVEN the refined box, photographed on green
    scene, result = box
    # WHEN it is composited on white with its decontaminated foreground, and with raw pixels
    spill = _spill(result, scene, result.foreground)
    raw_spill = _spill(result, scene, scene.rgb)
    # THEN the edge within 2 px shows almost no green, and less than the raw pixels leave
    assert spill < 2.0
    assert spill < raw_spill


def test_refine_edges_recovers_hair_strands(hair: tuple[Scene, EdgeResult]) -> None:
    # GIVEN thin strands over a textured backdrop, with a coarse envelope over them
    scene, result = hair
    band = result.trimap == 128
    # WHEN the edges are refined
    # THEN the band is wide and the matte in it is far closer to the truth than the coarse map
    assert _sad(result.alpha, scene.alpha, band) < 0.3 * _sad(scene.coarse, scene.alpha, band)
    assert _iou(result.alpha, scene.alpha) > _iou(scene.coarse, scene.alpha) + 0.05


def test_refine_edges_opens_an_enclosed_hole_the_coarse_map_filled() -> None:
    # GIVEN a ring whose hole shows the backdrop but is filled in the coarse map
    scene = ring_scene()
    # WHEN its edges are refined
    result = refine_edges(scene.rgb, scene.coarse)
    # THEN one hole is opened and its middle is transparent
    centre = SIZE // 2
    assert result.holes_opened == 1
    assert result.alpha[centre - 5 : centre + 5, centre - 5 : centre + 5].max() == 0.0
    assert _iou(result.alpha, scene.alpha) > 0.99


def test_refine_edges_opens_a_thin_loop_and_keeps_its_chain() -> None:
    # GIVEN a necklace loop three pixels thick whose inside the coarse map filled
    rng = np.random.default_rng(8)  # fixed seed: noise only
    n = SIZE * SUPER
    loop, disc = np.zeros((n, n), np.float32), np.zeros((n, n), np.float32)
    cv2.circle(loop, (n // 2, n // 2), n // 4, 1.0, thickness=3 * SUPER)
    cv2.circle(disc, (n // 2, n // 2), n // 4 + 2 * SUPER, 1.0, -1)
    coarse = cv2.GaussianBlur(_down(disc), (0, 0), 2.0)
    scene = _compose(_down(loop), _plain((180, 150, 40), rng), _plain((245, 245, 245), rng), coarse)
    # WHEN its edges are refined
    result = refine_edges(scene.rgb, scene.coarse)
    # THEN the inside is opened and the chain survives
    assert result.holes_opened == 1
    assert _iou(scene.coarse, scene.alpha) < 0.2
    assert _iou(result.alpha, scene.alpha) > 0.9


def test_refine_edges_without_hole_filling_keeps_the_hole_closed() -> None:
    # GIVEN the ring whose hole is filled in the coarse map
    scene = ring_scene()
    # WHEN hole handling is switched off
    result = refine_edges(scene.rgb, scene.coarse, EdgeParams(fill_holes=False))
    # THEN the hole stays opaque and nothing is reported
    assert result.holes_opened == 0
    assert result.alpha[SIZE // 2, SIZE // 2] == 1.0


def test_refine_edges_fills_false_transparency_inside_a_product() -> None:
    # GIVEN a box with a backdrop-pale highlight where the coarse map dips to 0.6
    scene = spot_scene()
    # WHEN its edges are refined
    result = refine_edges(scene.rgb, scene.coarse)
    # THEN the highlight is opaque, no hole is opened there, and the fill is reported
    row, col = int(SIZE * 0.45), int(SIZE * 0.55)
    assert scene.coarse[row, col] < 0.65
    assert result.alpha[row - 8 : row + 8, col - 8 : col + 8].min() == 1.0
    assert result.holes_opened == 0
    assert result.interior_filled_px > 0


def test_refine_edges_carries_a_reduced_solve_to_full_resolution() -> None:
    # GIVEN the box scene
    scene = box_scene()
    # WHEN the band is solved at half the photo's size
    result = refine_edges(scene.rgb, scene.coarse, EdgeParams(solve_max_side=SIZE // 2))
    # THEN the matte and trimap come back at full size and still beat the coarse map
    assert result.alpha.shape == result.trimap.shape == scene.coarse.shape
    assert _mae(result.alpha, scene.alpha) < 0.3 * _mae(scene.coarse, scene.alpha)


def test_refine_edges_closed_form_solver_matches_the_guided_one(
    box: tuple[Scene, EdgeResult],
) -> None:
    # GIVEN the box scene and its guided result
    scene, guided = box
    # WHEN the closed-form reference solver is used instead
    result = refine_edges(scene.rgb, scene.coarse, EdgeParams(solver="closed_form"))
    # THEN it reports itself and lands close to the guided matte
    assert (result.solver, guided.solver) == ("closed_form", "guided")
    assert _mae(result.alpha, scene.alpha) < 0.25 * _mae(scene.coarse, scene.alpha)
    assert _mae(result.alpha, guided.alpha) < 0.01


def test_refine_edges_without_decontamination_returns_the_photo() -> None:
    # GIVEN the box scene
    scene = box_scene()
    # WHEN foreground decontamination is switched off
    result = refine_edges(scene.rgb, scene.coarse, EdgeParams(decontaminate=False))
    # THEN the foreground is the photo itself
    assert np.array_equal(result.foreground, scene.rgb)


def test_refine_edges_treats_missing_probabilities_as_backdrop() -> None:
    # GIVEN a coarse map with NaNs in it
    scene = box_scene()
    coarse = scene.coarse.copy()
    coarse[:10] = np.nan
    # WHEN the edges are refined
    result = refine_edges(scene.rgb, coarse)
    # THEN those rows come out transparent and the rest is a valid matte
    assert result.alpha[:10].max() == 0.0
    assert np.isfinite(result.alpha).all()


def test_refine_edges_rejects_a_map_of_another_size() -> None:
    # GIVEN a photo and a coarse map of different sizes
    rgb = np.zeros((32, 32, 3), np.uint8)
    # WHEN / THEN refining names the mismatch
    with pytest.raises(InvalidImageArrayError, match="does not match photo shape"):
        refine_edges(rgb, np.zeros((32, 31), np.float32))


def test_refine_edges_rejects_a_photo_that_is_not_rgb_uint8() -> None:
    # GIVEN a float photo
    rgb = np.zeros((32, 32, 3), np.float32)
    # WHEN / THEN refining says what it expected
    with pytest.raises(InvalidImageArrayError, match="RGB uint8"):
        refine_edges(rgb, np.zeros((32, 32), np.float32))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (EdgeParams(hard_band_px=8, soft_band_px=4), "hard_band_px <= soft_band_px"),
        (EdgeParams(hard_band_px=-1), "hard_band_px <= soft_band_px"),
        (EdgeParams(solve_max_side=16), "solve_max_side must be at least 64"),
    ],
)
def test_refine_edges_rejects_inconsistent_params(params: EdgeParams, message: str) -> None:
    # GIVEN edge settings that make no sense
    rgb = np.zeros((32, 32, 3), np.uint8)
    # WHEN / THEN refining refuses them with the reason
    with pytest.raises(InvalidPresetError, match=message):
        refine_edges(rgb, np.zeros((32, 32), np.float32), params)


@settings(max_examples=15, deadline=None)
@given(
    coarse=arrays(
        np.float32,
        st.tuples(st.integers(1, 48), st.integers(1, 48)),
        elements=st.floats(0.0, 1.0, width=32),
    ),
    seed=st.integers(0, 2**16),
    solve_max_side=st.sampled_from([64, 1024]),
)
def test_refine_edges_always_returns_a_valid_matte(
    coarse: Alpha, seed: int, solve_max_side: int
) -> None:
    # GIVEN any photo and any coarse map of its size
    rgb = np.random.default_rng(seed).integers(0, 256, (*coarse.shape, 3), dtype=np.uint8)
    # WHEN its edges are refined
    result = refine_edges(rgb, coarse, EdgeParams(solve_max_side=solve_max_side))
    # THEN alpha is float32 in [0, 1] at the photo's size, and the trimap has three values only
    assert result.alpha.dtype == np.float32
    assert result.alpha.shape == coarse.shape
    assert 0.0 <= result.alpha.min() <= result.alpha.max() <= 1.0
    assert set(np.unique(result.trimap)) <= {0, 128, 255}
    assert result.foreground.shape == rgb.shape
