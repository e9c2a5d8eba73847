from __future__ import annotations

import numpy as np
import pytest
import skimage.data
from pixellift.core.errors import ModelEndpointUnavailableError, ModelNotFoundError
from pixellift.core.imaging.segmentation import mask_confidence
from pixellift.core.pipeline.segment import CLASSICAL_MIN_CONFIDENCE, segment_subject

from tests.fakes.segmenters import FailingSegmenter, FakeSegmenter


@pytest.fixture(scope="module")
def studio() -> np.ndarray:
    """A dark-blue box on a flat light-grey backdrop: the classical path's home ground."""
    photo = np.full((120, 160, 3), 238, np.uint8)
    photo[30:90, 40:120] = (30, 50, 140)
    return photo


@pytest.fixture(scope="module")
def outdoors() -> np.ndarray:
    """A red box on grass: the classical path must hand over to the model."""
    grass = skimage.data.grass()[:160, :200].astype(np.float32)
    photo = (grass[..., None] * np.array([0.6, 1.0, 0.5], np.float32)).astype(np.uint8)
    photo[50:110, 60:140] = (190, 70, 45)
    return photo


def test_segment_subject_auto_keeps_a_confident_classical_result(studio):
    # GIVEN a studio photo and a model that would also work
    segmenter = FakeSegmenter()

    # WHEN the subject is segmented in auto mode
    outcome = segment_subject(studio, segmenter)

    # THEN the classical path is used and the model is never called
    assert outcome.method == "classical"
    assert outcome.confidence >= CLASSICAL_MIN_CONFIDENCE
    assert outcome.classical_confidence == outcome.confidence
    assert segmenter.calls == []
    assert outcome.alpha[60, 80] == 1.0
    assert outcome.alpha[5, 5] == 0.0


def test_segment_subject_auto_falls_back_to_the_model_on_a_busy_background(outdoors):
    # GIVEN a photo on grass and a model
    segmenter = FakeSegmenter(name="u2netp")

    # WHEN the subject is segmented in auto mode
    outcome = segment_subject(outdoors, segmenter)

    # THEN the model's mask is used, and the classical score is kept for the log
    assert outcome.method == "model:u2netp"
    assert segmenter.calls == [(160, 200)]
    assert outcome.classical_confidence is not None
    assert outcome.classical_confidence < CLASSICAL_MIN_CONFIDENCE
    assert outcome.reason.startswith("classical confidence")


def test_segment_subject_scores_the_model_mask_with_mask_confidence(outdoors):
    # GIVEN a model that returns a soft, undecided map
    soft = np.full((16, 20), 0.5, np.float32)
    soft[4:12, 5:15] = 0.95
    segmenter = FakeSegmenter(soft)

    # WHEN the subject is segmented by the model
    outcome = segment_subject(outdoors, segmenter, mode="model")

    # THEN the reported confidence is that of the returned map
    assert outcome.confidence == pytest.approx(mask_confidence(outcome.alpha))
    assert outcome.confidence < 0.5
    assert outcome.alpha.shape == outdoors.shape[:2]


def test_segment_subject_model_mode_skips_the_classical_path(studio):
    # GIVEN a studio photo the classical path would handle
    segmenter = FakeSegmenter()

    # WHEN the model is requested explicitly
    outcome = segment_subject(studio, segmenter, mode="model")

    # THEN only the model runs
    assert outcome.method == "model:fake"
    assert outcome.classical_confidence is None
    assert segmenter.calls == [(120, 160)]


def test_segment_subject_model_mode_without_a_model_says_how_to_install_one(studio):
    # GIVEN no segmenter
    # WHEN the model is requested
    # THEN the error names the install step
    with pytest.raises(ModelNotFoundError, match="make models"):
        segment_subject(studio, None, mode="model")


def test_segment_subject_classical_mode_never_calls_the_model(outdoors):
    # GIVEN a busy photo and a model
    segmenter = FakeSegmenter()

    # WHEN the classical path is forced
    outcome = segment_subject(outdoors, segmenter, mode="classical")

    # THEN the low-confidence classical result is returned as it is
    assert outcome.method == "classical"
    assert outcome.confidence < CLASSICAL_MIN_CONFIDENCE
    assert segmenter.calls == []


def test_segment_subject_auto_without_a_model_returns_the_classical_result(outdoors):
    # GIVEN a busy photo and no model installed
    # WHEN the subject is segmented in auto mode
    outcome = segment_subject(outdoors, None)

    # THEN the classical result comes back, and the reason says why
    assert outcome.method == "classical"
    assert outcome.reason.startswith("no model configured")


def test_segment_subject_honours_the_confidence_threshold(outdoors):
    # GIVEN a busy photo whose classical score is low but a threshold of zero
    segmenter = FakeSegmenter()

    # WHEN the subject is segmented in auto mode
    outcome = segment_subject(outdoors, segmenter, classical_min_confidence=0.0)

    # THEN the classical result is accepted
    assert outcome.method == "classical"
    assert segmenter.calls == []


def test_segment_subject_passes_model_errors_through(outdoors):
    # GIVEN a model endpoint that is down
    segmenter = FailingSegmenter(ModelEndpointUnavailableError("endpoint timed out"))

    # WHEN the classical path defers to it
    # THEN its transient error reaches the caller unchanged (Step Functions retries it)
    with pytest.raises(ModelEndpointUnavailableError, match="timed out"):
        segment_subject(outdoors, segmenter)
    assert segmenter.calls == 1


def test_segment_subject_rejects_a_model_map_of_the_wrong_size(outdoors):
    # GIVEN a broken segmenter that ignores the photo's size
    class WrongSize(FakeSegmenter):
        def predict(self, rgb: np.ndarray) -> np.ndarray:
            return np.zeros((3, 3), np.float32)

    # WHEN / THEN its output is refused
    with pytest.raises(ValueError, match=r"returned a \(3, 3\) map"):
        segment_subject(outdoors, WrongSize(), mode="model")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "fast"}, "unknown segmentation mode"),
        ({"classical_min_confidence": 1.5}, r"must be in \[0, 1\]"),
    ],
)
def test_segment_subject_rejects_bad_options(studio, kwargs, message):
    # GIVEN an invalid option
    # WHEN / THEN the call fails before any work
    with pytest.raises(ValueError, match=message):
        segment_subject(studio, None, **kwargs)
