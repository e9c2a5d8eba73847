from __future__ import annotations

import cv2
import numpy as np
import pytest
from pixellift.core.errors import InvalidImageArrayError, InvalidPresetError
from pixellift.core.imaging.matting import (
    closed_form_alpha,
    sample_alpha,
    solve_alpha,
    solve_matte,
)
from pixellift.core.imaging.trimap import FOREGROUND, UNKNOWN, build_trimap
from pixellift.core.types import Alpha, RgbImage

SIZE = 128
SUPER = 4


def _disc_alpha() -> Alpha:
    """Anti-aliased disc: fractional alpha all around a smooth edge."""
    big = np.zeros((SIZE * SUPER,) * 2, np.float32)
    cv2.circle(big, (SIZE * SUPER // 2,) * 2, int(SIZE * SUPER * 0.3), 1.0, -1)
    return np.asarray(cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA), np.float32)


def _compose(alpha: Alpha, fg: np.ndarray, bg: np.ndarray) -> RgbImage:
    mixed = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    return np.asarray(np.clip(mixed, 0, 255), np.uint8)


def _plain_scene() -> tuple[RgbImage, Alpha]:
    rng = np.random.default_rng(1)  # fixed seed: noise only
    alpha = _disc_alpha()
    fg = np.full((SIZE, SIZE, 3), (200, 60, 40), np.float32) + rng.normal(0, 3, (SIZE, SIZE, 3))
    bg = np.full((SIZE, SIZE, 3), (40, 90, 200), np.float32) + rng.normal(0, 3, (SIZE, SIZE, 3))
    return _compose(alpha, fg, bg), alpha


def _striped_scene() -> tuple[RgbImage, Alpha]:
    """Three-colour stripes on a sandy, wavy backdrop: no single foreground colour to sample."""
    rng = np.random.default_rng(2)  # fixed seed: noise only
    alpha = _disc_alpha()
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    palette = np.array([(200, 40, 40), (30, 30, 160), (240, 240, 230)], np.float32)
    fg = palette[(rows + cols) // 10 % 3] + rng.normal(0, 3, (SIZE, SIZE, 3))
    wave = 15 * np.sin(cols / 3.0 + 2 * np.sin(rows / 17.0))
    bg = np.dstack([180 + wave, 140 + wave, 100 + wave]) + rng.normal(0, 4, (SIZE, SIZE, 3))
    return _compose(alpha, fg, bg), alpha


def _coarse(alpha: Alpha) -> Alpha:
    return np.roll(cv2.GaussianBlur(alpha, (0, 0), 2.0), 1, axis=0)


def _sad(alpha: Alpha, truth: Alpha, trimap: np.ndarray) -> float:
    return float(np.abs(alpha - truth)[trimap == UNKNOWN].sum())


def test_sample_alpha_explains_a_pixel_as_a_mix_of_its_neighbours() -> None:
    # GIVEN a pixel a quarter of the way from black (known background) to white (foreground)
    rgb = np.array([[[0, 0, 0], [64, 64, 64], [255, 255, 255]]], np.uint8)
    trimap = np.array([[0, 128, 255]], np.uint8)
    # WHEN alpha is sampled
    alpha, confidence = sample_alpha(rgb, trimap)
    # THEN it is a quarter, trusted fully, and the known pixels keep 0 and 1
    assert alpha[0].tolist() == pytest.approx([0.0, 0.25, 1.0], abs=0.01)
    assert confidence[0, 1] == 1.0


def test_sample_alpha_falls_back_to_the_prior_when_colours_agree() -> None:
    # GIVEN foreground and background of the same grey, and a prior of 0.7 in the band
    rgb = np.full((1, 3, 3), 128, np.uint8)
    trimap = np.array([[0, 128, 255]], np.uint8)
    prior = np.full((1, 3), 0.7, np.float32)
    # WHEN alpha is sampled
    alpha, confidence = sample_alpha(rgb, trimap, prior)
    # THEN the band pixel takes the prior, with no confidence
    assert alpha[0, 1] == pytest.approx(0.7)
    assert confidence[0, 1] == 0.0


def test_solve_alpha_recovers_an_antialiased_edge() -> None:
    # GIVEN a disc on a plain backdrop and a trimap from a blurred, shifted coarse map
    rgb, truth = _plain_scene()
    coarse = _coarse(truth)
    trimap = build_trimap(coarse, 4.0)
    # WHEN alpha is solved in the band
    alpha = solve_alpha(rgb, trimap, prior=coarse)
    # THEN the band's error is a small fraction of the coarse map's
    assert _sad(alpha, truth, trimap) < 0.1 * _sad(coarse, truth, trimap)


def test_solve_alpha_keeps_known_pixels() -> None:
    # GIVEN the disc scene and its trimap
    rgb, truth = _plain_scene()
    trimap = build_trimap(_coarse(truth), 3.0)
    # WHEN alpha is solved
    alpha = solve_alpha(rgb, trimap)
    # THEN certain foreground is exactly 1 and certain background exactly 0
    assert (alpha[trimap == FOREGROUND] == 1.0).all()
    assert (alpha[trimap == 0] == 0.0).all()
    assert alpha.dtype == np.float32


def test_solve_alpha_follows_colour_lines_where_sampling_fails() -> None:
    # GIVEN a striped disc on a textured backdrop
    rgb, truth = _striped_scene()
    coarse = _coarse(truth)
    trimap = build_trimap(coarse, 4.0)
    # WHEN alpha is solved with the Laplacian alone and with samples alone
    propagated = solve_alpha(rgb, trimap, prior=coarse, sample_weight=0.0)
    sampled, _ = sample_alpha(rgb, trimap, coarse)
    reference = closed_form_alpha(rgb, trimap)
    # THEN propagation beats sampling clearly and is on par with the closed-form solve
    assert _sad(propagated, truth, trimap) < 0.6 * _sad(sampled, truth, trimap)
    assert _sad(propagated, truth, trimap) < 1.3 * _sad(reference, truth, trimap)


def test_solve_alpha_closed_form_solves_the_band() -> None:
    # GIVEN the disc scene
    rgb, truth = _plain_scene()
    coarse = _coarse(truth)
    trimap = build_trimap(coarse, 4.0)
    # WHEN the closed-form reference solver is used
    alpha = solve_alpha(rgb, trimap, solver="closed_form")
    # THEN it also recovers the edge
    assert _sad(alpha, truth, trimap) < 0.1 * _sad(coarse, truth, trimap)


def test_colour_line_model_carries_a_reduced_solve_to_full_resolution() -> None:
    # GIVEN the disc scene solved at half size
    rgb, truth = _plain_scene()
    half = (SIZE // 2, SIZE // 2)
    small_rgb = np.asarray(cv2.resize(rgb, half, interpolation=cv2.INTER_AREA), np.uint8)
    small_coarse = np.asarray(
        cv2.resize(_coarse(truth), half, interpolation=cv2.INTER_AREA), np.float32
    )
    solution = solve_matte(small_rgb, build_trimap(small_coarse, 3.0), prior=small_coarse)
    band = build_trimap(_coarse(truth), 4.0) == UNKNOWN
    where = np.nonzero(band)
    # WHEN alpha is taken at full size from the model, and by plain bilinear upsampling
    from_model = solution.model.sample(rgb, where)
    upsampled = cv2.resize(solution.alpha, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR)[where]
    # THEN the model, which sees the full-size colours, is markedly closer to the truth
    model_error = np.abs(from_model - truth[where]).sum()
    assert model_error < 0.6 * np.abs(upsampled - truth[where]).sum()


def test_solve_alpha_without_a_band_returns_the_trimap() -> None:
    # GIVEN a trimap with no unknown pixel
    rgb = np.zeros((8, 8, 3), np.uint8)
    trimap = np.zeros((8, 8), np.uint8)
    trimap[:, 4:] = FOREGROUND
    # WHEN alpha is solved
    alpha = solve_alpha(rgb, trimap)
    # THEN it is the trimap as 0 and 1
    assert np.array_equal(alpha, (trimap == FOREGROUND).astype(np.float32))


def test_solve_alpha_rejects_a_trimap_of_another_size() -> None:
    # GIVEN a photo and a smaller trimap
    rgb = np.zeros((8, 8, 3), np.uint8)
    # WHEN / THEN solving names the mismatch
    with pytest.raises(InvalidImageArrayError, match="does not match photo shape"):
        solve_alpha(rgb, np.zeros((8, 7), np.uint8))


def test_solve_alpha_rejects_an_unknown_solver() -> None:
    # GIVEN a valid photo and trimap
    rgb = np.zeros((8, 8, 3), np.uint8)
    # WHEN / THEN an unknown solver name is refused with the accepted ones
    with pytest.raises(InvalidPresetError, match="expected 'guided' or 'closed_form'"):
        solve_alpha(rgb, np.zeros((8, 8), np.uint8), solver="magic")  # type: ignore[arg-type]
