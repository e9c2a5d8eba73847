"""Every rule's measured-properties examples pass and fail as declared, and the image ones too."""

from __future__ import annotations

import pytest
from pixellift.core.errors import UnsupportedImageFormatError
from pixellift.core.policy.engine import example_values, rule_outcome
from pixellift.core.policy.measure import measure_image
from pixellift.core.policy.metrics import FILE_METRICS

from tests.unit.policy.conftest import all_rules
from tests.unit.policy.synth import realise

READABLE = {None, "JPEG", "PNG", "WEBP", "AVIF", "HEIF", "TIFF", "GIF", "BMP"}
RULES = list(all_rules())
CASES = [
    pytest.param(rule, example, expected, id=f"{label}:{expected}[{k}]")
    for label, rule in RULES
    for expected, examples in (("pass", rule.examples.passing), ("fail", rule.examples.failing))
    for k, example in enumerate(examples)
]
# Images above ~20 megapixels take a second or more to decode and measure.
IMAGE_CASES = [
    pytest.param(
        *case.values,
        id=case.id,
        marks=[pytest.mark.slow] if case.values[1].get("megapixels", 0) > 20 else [],
    )
    for case in CASES
    if case.values[0].check.metric in FILE_METRICS
]


def test_every_shipped_rule_has_passing_and_failing_examples():
    # GIVEN every rule of every shipped pack
    # WHEN the examples are counted
    missing = [
        label for label, rule in RULES if not rule.examples.passing or not rule.examples.failing
    ]

    # THEN none lacks a passing or a failing example, and there are rules at all
    assert len(RULES) > 100
    assert missing == []


@pytest.mark.parametrize(("rule", "example", "expected"), CASES)
def test_rule_example_evaluates_as_declared(rule, example, expected):
    # GIVEN a rule and one of its examples as measured properties
    values = example_values(rule, example)

    # WHEN the rule is evaluated on them
    outcome = rule_outcome(rule, values)

    # THEN the outcome is what the pack declares
    assert outcome == expected


@pytest.mark.parametrize(("rule", "example", "expected"), IMAGE_CASES)
def test_rule_example_image_evaluates_as_declared(rule, example, expected):
    # GIVEN an encoded image built to have the example's properties
    data, name = realise(example)

    # WHEN the real file is measured and the rule evaluated on the measurement
    specs = [c.background for c in (rule.check, *rule.when) if c.background is not None]
    if example.get("format") not in READABLE:
        # A format the decoder does not read fails the gate as an unmeasurable item.
        assert expected == "fail"
        with pytest.raises(UnsupportedImageFormatError, match="expected JPEG, PNG"):
            measure_image(data, name)
        return
    measured = measure_image(data, name, backgrounds=specs or ()).values

    # THEN the measured values are the example's, and the outcome is the declared one
    for metric, value in example_values(rule, example).items():
        assert (
            measured[metric] == pytest.approx(value, abs=0.006)
            if isinstance(value, float)
            else measured[metric] == value
        )
    assert rule_outcome(rule, measured) == expected
