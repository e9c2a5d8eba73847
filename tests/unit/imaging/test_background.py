from __future__ import annotations

import numpy as np
import pytest
from pixellift.core.errors import InvalidPresetError
from pixellift.core.imaging.background import (
    BACKGROUND_ALPHA_FLOOR,
    ShadowSpec,
    composite,
    contact_shadow,
    parse_hex_colour,
)

WHITE = (255, 255, 255)


def _soft_product(rows: int = 80, cols: int = 60) -> np.ndarray:
    """A product with a hard core, a soft rim and faint matting haze around it."""
    alpha = np.zeros((rows, cols), np.float32)
    alpha[15:60, 15:45] = 0.01
    alpha[20:55, 20:40] = 0.5
    alpha[22:53, 22:38] = 1.0
    return alpha


def _noise(rows: int = 80, cols: int = 60, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (rows, cols, 3), dtype=np.uint8)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("#fff", WHITE), ("#FFFFFF", WHITE), ("ffffff", WHITE), (" #0a0B0c ", (10, 11, 12))],
)
def test_parse_hex_colour_reads_short_and_long_forms(
    text: str, expected: tuple[int, int, int]
) -> None:
    # GIVEN a hex colour in one of the accepted spellings
    # WHEN it is parsed
    # THEN it gives the RGB triple
    assert parse_hex_colour(text) == expected


@pytest.mark.parametrize("text", ["", "#ffff", "white", "#ggg", "##fff", "#fffffff"])
def test_parse_hex_colour_rejects_other_text(text: str) -> None:
    # GIVEN text that is not a 3- or 6-digit hex colour
    # WHEN it is parsed
    # THEN the error says what is expected
    with pytest.raises(ValueError, match="is not a hex colour: use 3 or 6 hex digits"):
        parse_hex_colour(text)


def test_composite_background_is_exactly_the_colour() -> None:
    # GIVEN a noisy foreground with a soft-edged product and haze
    alpha = _soft_product()
    # WHEN it is composited on white
    out = composite(_noise(), alpha, WHITE)
    # THEN every pixel outside the product, haze included, is exactly 255
    assert out.shape == (80, 60, 3)
    assert out.dtype == np.uint8
    assert (out[alpha < BACKGROUND_ALPHA_FLOOR] == 255).all()


def test_composite_keeps_the_product_and_blends_its_edge() -> None:
    # GIVEN a product of one colour with a half-transparent rim
    alpha = _soft_product()
    foreground = np.full((80, 60, 3), (10, 100, 200), np.uint8)
    # WHEN it is composited on a brand colour
    out = composite(foreground, alpha, (250, 240, 230))
    # THEN the core keeps its colour, the rim is the average, the rest is the brand colour
    assert (out[30, 30] == (10, 100, 200)).all()
    assert np.abs(out[21, 30].astype(int) - (130, 170, 215)).max() <= 1
    assert (out[0, 0] == (250, 240, 230)).all()


def test_composite_without_background_returns_rgba() -> None:
    # GIVEN a soft-edged product
    alpha = _soft_product()
    foreground = _noise()
    # WHEN it is composited on transparency
    out = composite(foreground, alpha, None)
    # THEN the colours are the foreground's and alpha is quantised, haze cleared
    assert out.shape == (80, 60, 4)
    assert np.array_equal(out[..., :3], foreground)
    assert out[30, 30, 3] == 255
    assert out[21, 30, 3] == 128
    assert out[16, 16, 3] == 0
    assert out[0, 0, 3] == 0


def test_composite_rejects_mismatched_alpha() -> None:
    # GIVEN an alpha of another size than the foreground
    # WHEN they are composited
    # THEN it is refused
    with pytest.raises(ValueError, match="does not match"):
        composite(_noise(), np.zeros((10, 10), np.float32), WHITE)


def test_composite_rejects_a_colour_out_of_range() -> None:
    # GIVEN a background channel above 255
    # WHEN the product is composited on it
    # THEN it is refused
    with pytest.raises(ValueError, match="three values in 0..255"):
        composite(_noise(), _soft_product(), (256, 0, 0))


def test_composite_rejects_a_non_rgb_foreground() -> None:
    # GIVEN a float foreground
    # WHEN it is composited
    # THEN it is refused
    with pytest.raises(ValueError, match="uint8"):
        composite(np.zeros((4, 4, 3), np.float32), np.zeros((4, 4), np.float32), WHITE)


def _standing_product() -> np.ndarray:
    """A 40 x 30 block standing on the ground with a handle sticking out high on the right."""
    alpha = np.zeros((100, 100), np.float32)
    alpha[30:70, 20:50] = 1.0
    alpha[32:40, 50:85] = 1.0
    return alpha


def test_contact_shadow_lies_under_the_base_only() -> None:
    # GIVEN a standing product with a raised handle
    alpha = _standing_product()
    # WHEN its contact shadow is computed
    shadow = contact_shadow(alpha, ShadowSpec(opacity=0.3, blur=0.04, height=0.2))
    # THEN it starts at the base row, under the resting block, not above it or under the handle
    assert float(shadow[:69].max()) == 0.0
    assert float(shadow[70, 35]) > 0.2
    assert float(shadow[70:, 70:].max()) == 0.0
    assert float(shadow[85:].max()) == 0.0


def test_contact_shadow_never_exceeds_the_opacity() -> None:
    # GIVEN a product on a canvas
    alpha = _standing_product()
    # WHEN its shadow is computed at opacity 0.25
    shadow = contact_shadow(alpha, ShadowSpec(opacity=0.25, blur=0.02, height=0.5))
    # THEN it reaches but never exceeds the opacity and has the alpha's shape and type
    assert shadow.dtype == np.float32
    assert shadow.shape == alpha.shape
    assert float(shadow.min()) == 0.0
    assert 0.24 < float(shadow.max()) <= 0.25


def test_contact_shadow_is_zero_on_the_canvas_border() -> None:
    # GIVEN a product resting on the canvas's bottom edge and touching its sides
    alpha = np.zeros((50, 60), np.float32)
    alpha[10:49, 0:60] = 1.0
    # WHEN its shadow is computed
    shadow = contact_shadow(alpha, ShadowSpec(opacity=1.0, blur=0.1, height=0.3))
    # THEN no border pixel is darkened
    assert float(shadow[48, 30]) > 0.0
    assert float(shadow[-1].max()) == 0.0
    assert float(shadow[:, 0].max()) == 0.0
    assert float(shadow[:, -1].max()) == 0.0


def test_contact_shadow_is_empty_without_a_product() -> None:
    # GIVEN an empty alpha
    # WHEN a shadow is computed
    shadow = contact_shadow(np.zeros((20, 20), np.float32), ShadowSpec())
    # THEN it is all zero
    assert not shadow.any()


def test_composite_shadow_darkens_only_the_ground() -> None:
    # GIVEN a standing white product
    alpha = _standing_product()
    foreground = np.full((100, 100, 3), 255, np.uint8)
    spec = ShadowSpec(opacity=0.3, height=0.2)
    # WHEN it is composited on white with a contact shadow
    out = composite(foreground, alpha, WHITE, shadow=spec)
    # THEN the ground under it is grey, the rest of the background and the border exactly white
    shade = contact_shadow(alpha, spec)
    assert int(out[70, 35, 0]) < 200
    untouched = (alpha == 0) & (shade == 0)
    assert (out[untouched] == 255).all()
    assert (out[[0, -1]] == 255).all()
    assert (out[:, [0, -1]] == 255).all()


def test_composite_shadow_on_transparency_is_translucent_black() -> None:
    # GIVEN a standing product
    alpha = _standing_product()
    foreground = np.full((100, 100, 3), 200, np.uint8)
    # WHEN it is composited on transparency with a shadow
    out = composite(foreground, alpha, None, shadow=ShadowSpec(opacity=0.3, height=0.2))
    # THEN the shadow is partly opaque black and the product is untouched
    assert 50 < int(out[70, 35, 3]) <= 77
    assert (out[70, 35, :3] == 0).all()
    assert (out[50, 35] == (200, 200, 200, 255)).all()
    assert out[5, 5, 3] == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"opacity": 1.5}, "opacity"), ({"blur": -0.1}, "blur"), ({"height": 0.0}, "height")],
)
def test_shadow_spec_rejects_out_of_range_values(kwargs: dict[str, float], message: str) -> None:
    # GIVEN a shadow value outside its range
    # WHEN the spec is built
    # THEN it is refused as an invalid preset
    with pytest.raises(InvalidPresetError, match=message):
        ShadowSpec(**kwargs)
