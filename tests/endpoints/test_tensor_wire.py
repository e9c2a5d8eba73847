"""The ``tensor`` wire profile: the client prepares the model input, the endpoint runs the model."""

from __future__ import annotations

import numpy as np
import pytest
from pixellift.adapters.endpoint.codec import dump_npy, load_npy
from pixellift.adapters.endpoint.inference import MattingModel, SegmentationModel
from pixellift.adapters.endpoint.tensor_client import TensorSegmenter
from pixellift.adapters.local.edge_matter import EdgeMatter
from pixellift.core.errors import PhotoPipelineError
from pixellift.core.imaging.segmentation import U2NETP_SPEC, preprocess_for_segmentation

from tests.endpoints.raw_http import invoke

TENSOR = "application/x-npy-tensor"


def test_tensor_profile_gives_the_in_process_mask(serve, http_invoker, identity_segmenter, coffee):
    # GIVEN a segmenter behind a server, and the same segmenter in process
    server = serve(SegmentationModel(identity_segmenter), None)
    remote = TensorSegmenter(http_invoker(server.url), "identity", U2NETP_SPEC)

    # WHEN a real photo goes through the tensor profile
    alpha = remote.predict(coffee)

    # THEN the mask is the in-process one, value for value, at the photo's size
    assert alpha.shape == coffee.shape[:2]
    np.testing.assert_array_equal(alpha, identity_segmenter.predict(coffee))


def test_tensor_profile_matches_in_process_u2netp_on_a_larger_photo(
    serve, http_invoker, coffee, u2netp_pair
):
    # GIVEN U2-Net-p in process and behind a server (separate sessions)
    local, served = u2netp_pair
    server = serve(SegmentationModel(served), None)
    photo = np.repeat(np.repeat(coffee, 4, axis=0), 4, axis=1)  # 400 x 600

    # WHEN the photo goes through both
    remote = TensorSegmenter(http_invoker(server.url), "u2netp", U2NETP_SPEC).predict(photo)

    # THEN the masks are identical
    np.testing.assert_array_equal(remote, local.predict(photo))


def test_the_answer_is_the_models_raw_output_tensor(segmentation_server, coffee):
    # GIVEN the model's input tensor for a photo, named for the served model
    tensor = preprocess_for_segmentation(coffee, U2NETP_SPEC)

    # WHEN it is posted
    answer = invoke(segmentation_server, dump_npy(tensor), f"{TENSOR}; model=identity")

    # THEN the answer is the model's output (the identity model returns its input)
    assert (answer.status, answer.content_type) == (200, TENSOR)
    np.testing.assert_array_equal(load_npy(answer.body), tensor)


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        pytest.param(TENSOR, None, (409, "ModelMismatch", "(unnamed)"), id="no-model"),
        pytest.param(f"{TENSOR}; model=u2net", None, (409, "ModelMismatch", "u2net"), id="other"),
        pytest.param(
            f"{TENSOR}; model=identity",
            dump_npy(np.zeros((1, 3, 1024, 1024), np.float32)),
            (400, "WireFormatError", "float32 [1, 3, 320, 320]"),
            id="wrong-shape",
        ),
        pytest.param(
            f"{TENSOR}; model=identity",
            dump_npy(np.zeros((1, 3, 320, 320), np.float64)),
            (400, "WireFormatError", "got float64"),
            id="wrong-type",
        ),
        pytest.param(
            f"{TENSOR}; model=identity",
            dump_npy(np.full((1, 3, 320, 320), np.nan, np.float32)),
            (400, "WireFormatError", "NaN"),
            id="nan",
        ),
        pytest.param(
            f"{TENSOR}; model=identity",
            b"not an array",
            (400, "WireFormatError", ".npy"),
            id="junk",
        ),
    ],
)
def test_a_tensor_the_model_cannot_take_is_refused_with_the_reason(
    segmentation_server, coffee, content_type, body, expected
):
    # GIVEN a tensor request that is wrong in one way
    data = body if body is not None else dump_npy(preprocess_for_segmentation(coffee, U2NETP_SPEC))

    # WHEN it is posted
    answer = invoke(segmentation_server, data, content_type)

    # THEN it is refused with a 4xx naming the cause
    status, kind, fragment = expected
    assert answer.status == status
    error = answer.json()["error"]
    assert error["type"] == kind and fragment in error["message"]


def test_an_endpoint_without_a_raw_model_refuses_tensors(serve, coffee):
    # GIVEN a matting endpoint (it refines edges from photos; it has no input tensor)
    server = serve(MattingModel(EdgeMatter(), None), None)
    tensor = preprocess_for_segmentation(coffee, U2NETP_SPEC)

    # WHEN a tensor is posted / THEN the media type is refused
    answer = invoke(server, dump_npy(tensor), f"{TENSOR}; model=identity")
    assert answer.status == 415
    assert "not model-input tensors" in answer.json()["error"]["message"]


def test_a_refused_tensor_surfaces_as_a_permanent_error_naming_the_endpoint(
    segmentation_server, http_invoker, coffee
):
    # GIVEN a client that prepares tensors for another model than the one served
    remote = TensorSegmenter(http_invoker(segmentation_server.url), "u2net", U2NETP_SPEC)

    # WHEN it asks for a mask / THEN the refusal is a permanent error with the server's reason
    with pytest.raises(PhotoPipelineError, match="prepared for model u2net"):
        remote.predict(coffee)
