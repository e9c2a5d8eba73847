"""The accuracy bench's matching and scoring, driven by stand-in detectors."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest
from pixellift.core.guard.findings import Box, GuardClass, GuardFinding
from pixellift.core.types import Alpha, RgbImage

from bench.guard_accuracy import Photo, generate, matches, run, score_image

pytestmark = pytest.mark.unit


def _f(cls: str, box: Box) -> GuardFinding:
    return GuardFinding.model_validate({"class": cls, "box": box, "confidence": 0.8})


def test_matches_takes_iou_or_a_text_centre_inside_the_truth() -> None:
    caption = _f("overlay_text", (100, 100, 500, 160))
    assert matches(_f("overlay_text", (110, 105, 300, 150)), caption)  # one word of it
    assert not matches(_f("overlay_text", (480, 140, 900, 400)), caption)
    badge = _f("badge", (0, 0, 100, 100))
    assert matches(_f("badge", (20, 20, 110, 110)), badge)
    assert not matches(_f("badge", (40, 40, 60, 60)), badge)  # centre inside is for text only
    assert not matches(_f("watermark", (100, 100, 500, 160)), caption)


def test_score_image_excuses_findings_inside_other_marks_but_not_labels() -> None:
    truth = [_f("badge", (0, 0, 200, 200)), _f("packaging_text", (400, 400, 600, 450))]
    found = [_f("overlay_text", (50, 80, 150, 120)), _f("overlay_text", (420, 410, 580, 440))]
    scored = score_image(truth, found)
    assert scored["overlay_text"] == {"recalled": [], "tp": 0, "fp": 1}
    assert scored["badge"]["recalled"] == [False]


def _photos(sneaker: tuple[RgbImage, Alpha], bottle: tuple[RgbImage, Alpha]) -> list[Photo]:
    return [Photo("sneaker", *sneaker), Photo("bottle", *bottle)]


def _key(rgb: RgbImage) -> str:
    return hashlib.sha256(rgb.tobytes()).hexdigest()


def test_run_scores_an_oracle_perfectly_and_a_blind_detector_at_zero(
    sneaker: tuple[RgbImage, Alpha], bottle: tuple[RgbImage, Alpha]
) -> None:
    # GIVEN a detector that reports exactly the truth, and one that reports nothing
    photos = _photos(sneaker, bottle)
    truth = {_key(image.rgb): image.truth for _, image in generate(12, 40, photos)}

    def oracle(rgb: RgbImage, _alpha: Alpha) -> Sequence[GuardFinding]:
        return truth[_key(rgb)]

    # WHEN the bench scores both on the same seeded set
    perfect = run(12, 40, detector=oracle, photos=photos)
    blind = run(12, 40, detector=lambda _rgb, _alpha: [], photos=photos)

    # THEN the oracle has precision and recall 1 for every class drawn, and no false alarms;
    # the blind detector recalls nothing and raises no alarm either
    assert perfect["classes"]
    for cls, scores in perfect["classes"].items():
        assert (scores["precision"], scores["recall"]) == (1.0, 1.0), cls
        assert blind["classes"][cls]["recall"] == 0.0
        assert blind["classes"][cls]["precision"] is None
    assert all(v["with_alarm"] == 0 for v in perfect["false_alarms"].values())


def test_run_counts_overlay_text_on_a_label_as_a_false_alarm(
    sneaker: tuple[RgbImage, Alpha], bottle: tuple[RgbImage, Alpha]
) -> None:
    # GIVEN a detector that calls every label's text overlay text
    photos = _photos(sneaker, bottle)
    truth = {_key(image.rgb): image.truth for _, image in generate(12, 40, photos)}

    def confused(rgb: RgbImage, _alpha: Alpha) -> Sequence[GuardFinding]:
        return [
            t.model_copy(update={"cls": GuardClass.OVERLAY_TEXT})
            if t.cls.value == "packaging_text"
            else t
            for t in truth[_key(rgb)]
        ]

    # WHEN scored
    result = run(12, 40, detector=confused, photos=photos)

    # THEN every labelled photo has a false alarm
    labelled = result["false_alarms"]["packaging"]
    assert labelled["images"] > 0
    assert labelled["rate"] == 1.0
    assert result["classes"]["overlay_text"]["fp"] == labelled["images"]
