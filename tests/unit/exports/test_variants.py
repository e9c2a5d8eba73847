"""A/B variants: seeded, labelled, inside the channel's limits; weights that total 100."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from pixellift.core.errors import InvalidVariantSpecError, InvalidVariantWeightsError
from pixellift.core.exports.variants import (
    VariantLimits,
    ab_tags,
    adjust_contrast,
    check_weights,
    normalise_weights,
    plan_variants,
    variant_preset,
)
from pixellift.core.imaging.framing import FramingSpec
from pixellift.core.pipeline.autofix import framing_spec
from pixellift.core.pipeline.presets import load_preset
from pixellift.core.policy.loader import load_pack
from pixellift.core.policy.resolution import resolve
from pixellift.core.policy.schema import Role

AMAZON = load_preset("amazon-main")
AMAZON_RULES = resolve(load_pack("amazon"), role=Role.MAIN, on=date(2026, 11, 26))


def test_tags_run_from_a_and_stop_at_z() -> None:
    assert ab_tags(26)[-1] == "Z"
    with pytest.raises(InvalidVariantSpecError, match="allowed 1 to 26"):
        ab_tags(27)


def test_weights_must_total_100() -> None:
    with pytest.raises(InvalidVariantWeightsError) as info:
        check_weights([50, 30, 10], 3)
    assert info.value.suggestion is None
    assert "total 90" in str(info.value)


def test_near_miss_offers_a_normalised_split_that_totals_100() -> None:
    with pytest.raises(InvalidVariantWeightsError) as info:
        check_weights([33, 33, 33], 3)
    assert info.value.suggestion is not None
    assert sum(info.value.suggestion) == 100
    assert check_weights(list(info.value.suggestion), 3) == info.value.suggestion


@pytest.mark.parametrize(("weights", "count"), [([50, 50], 3), ([100, 0], 2), ([120, -20], 2)])
def test_weights_need_one_positive_share_per_variant(weights: list[int], count: int) -> None:
    with pytest.raises(InvalidVariantWeightsError):
        check_weights(weights, count)


def test_normalisation_keeps_proportions() -> None:
    assert normalise_weights([2, 1, 1]) == (50, 25, 25)


def test_variants_are_reproducible_and_differ_by_seed() -> None:
    limits = VariantLimits.derive(AMAZON, AMAZON_RULES)
    a = plan_variants(AMAZON, limits, 4, seed=11, weights=None)
    assert a == plan_variants(AMAZON, limits, 4, seed=11, weights=None)
    assert a != plan_variants(AMAZON, limits, 4, seed=12, weights=None)
    assert [v.tag for v in a] == ["A", "B", "C", "D"]


def test_variant_a_is_the_preset_itself() -> None:
    (a,) = plan_variants(AMAZON, VariantLimits.derive(AMAZON, AMAZON_RULES), 1, 5, None)
    assert (a.fill, a.offset_x, a.background, a.contrast) == (0.87, 0.0, "#FFFFFF", 1.0)
    assert variant_preset(AMAZON, a).framing.fill == AMAZON.framing.fill


def test_every_variant_stays_inside_amazons_limits() -> None:
    # GIVEN Amazon MAIN rules: fill >= 85 %, white within 3 levels, no shadow
    limits = VariantLimits.derive(AMAZON, AMAZON_RULES)
    for v in plan_variants(AMAZON, limits, 26, seed=3, weights=None):
        # THEN no variant breaks them
        assert v.fill > 0.85
        tone = int(v.background[1:3], 16)
        assert tone >= 253 and v.background == f"#{tone:02X}{tone:02X}{tone:02X}"
        assert v.shadow == 0.0
        assert 1.0 <= v.contrast <= 1.08


def test_variant_preset_moves_the_frame_by_margins() -> None:
    limits = VariantLimits.derive(AMAZON, AMAZON_RULES)
    v = plan_variants(AMAZON, limits, 2, seed=1, weights=None)[1]
    spec: FramingSpec = framing_spec(variant_preset(AMAZON, v))
    m = spec.edge_margins()
    assert m.left - m.right == pytest.approx(2 * v.offset_x, abs=1e-9)
    assert 1 - m.top - m.bottom == pytest.approx(v.fill, abs=1e-9)


def test_shadowed_channels_vary_the_shadow_under_the_cap() -> None:
    preset = load_preset("amazon-secondary")
    limits = VariantLimits.derive(preset, None)
    shadows = {v.shadow for v in plan_variants(preset, limits, 8, seed=2, weights=None)[1:]}
    assert len(shadows) > 1
    assert max(shadows) <= preset.background.max_shadow_opacity


def test_contrast_changes_only_the_masked_product() -> None:
    rgb = np.array([[[100, 100, 100], [200, 200, 200], [250, 250, 250]]], np.uint8)
    mask = np.array([[True, True, False]])
    out = adjust_contrast(rgb, 1.5, mask=mask)
    assert out[0, :, 0].tolist() == [75, 225, 250]
