from __future__ import annotations

import base64
import http.client
import io
import json

import numpy as np
import pytest
from PIL import Image
from pixellift.adapters.endpoint.codec import dump_npy, load_npy, pack_npz, unpack_npz
from pixellift.adapters.local.model_cache import ModelCache
from pixellift.adapters.local.onnx_models import load_segmenter
from pixellift.adapters.settings import Settings
from pixellift.core.contracts.endpoints import PingResponse, SegmentationResponse
from pixellift.core.errors import PhotoPipelineError
from pixellift.core.imaging.decode import decode_image

from tests.endpoints.conftest import jpeg, png
from tests.endpoints.raw_http import call, invoke


def _levels(alpha: np.ndarray) -> np.ndarray:
    return np.rint(alpha * 255.0).astype(np.uint8)


def test_ping_answers_200_with_the_kind_and_model(segmentation_server):
    # GIVEN a segmentation server with its model loaded
    # WHEN SageMaker's health check calls /ping
    answer = call(segmentation_server, "GET", "/ping")

    # THEN it answers 200 and names the model
    assert answer.status == 200
    assert PingResponse.model_validate_json(answer.body) == PingResponse(
        kind="segmentation", model="identity"
    )


def test_invocations_answers_a_jpeg_with_the_png_alpha_of_in_process_inference(
    segmentation_server, identity_segmenter, coffee
):
    # GIVEN a real photo as a JPEG file, and what the in-process segmenter makes of it
    body = jpeg(coffee)
    expected = identity_segmenter.predict(decode_image(body, "coffee.jpg").rgb)

    # WHEN it is posted as image/jpeg without an Accept header
    answer = invoke(segmentation_server, body, "image/jpeg")

    # THEN the answer is an 8-bit grey PNG of the same alpha at the photo's size
    assert (answer.status, answer.content_type) == (200, "image/png")
    mask = np.asarray(Image.open(io.BytesIO(answer.body)))
    assert mask.shape == coffee.shape[:2]
    np.testing.assert_array_equal(mask, _levels(expected))


def test_invocations_answers_json_with_confidence_box_and_exact_mask(
    segmentation_server, identity_segmenter, studio_shot
):
    # GIVEN a PNG photo of a blue product on a light sweep
    expected = identity_segmenter.predict(studio_shot)

    # WHEN JSON is asked for
    answer = invoke(segmentation_server, png(studio_shot), "image/png", "application/json")

    # THEN one result carries the statistics and a mask equal to the in-process alpha
    assert answer.status == 200
    result = SegmentationResponse.model_validate_json(answer.body).results[0]
    assert (result.rows, result.cols, result.error) == (90, 120, None)
    assert 0.0 <= result.confidence <= 1.0
    assert result.coverage == pytest.approx(float(np.mean(expected >= 0.5)))
    rows, cols = np.nonzero(expected >= 0.5)
    box = result.bbox
    assert (box.top, box.left, box.bottom, box.right) == (
        rows.min(),
        cols.min(),
        rows.max() + 1,
        cols.max() + 1,
    )
    mask = np.asarray(Image.open(io.BytesIO(result.mask.data)), np.float32) / np.float32(255)
    np.testing.assert_array_equal(mask, expected)


def test_invocations_takes_a_json_batch_and_keeps_ids_and_order(
    segmentation_server, coffee, studio_shot
):
    # GIVEN a JSON batch of two photos with ids
    instances = [
        {"id": "front", "image": base64.b64encode(jpeg(coffee)).decode()},
        {"id": "side", "image": base64.b64encode(png(studio_shot)).decode()},
    ]
    body = json.dumps({"instances": instances, "return_mask": False}).encode()

    # WHEN it is posted
    answer = invoke(segmentation_server, body, "application/json")

    # THEN both are answered in order, without masks as asked
    results = SegmentationResponse.model_validate_json(answer.body).results
    assert [(r.id, r.rows, r.cols, r.mask) for r in results] == [
        ("front", 100, 150, None),
        ("side", 90, 120, None),
    ]


def test_invocations_answers_an_npz_batch_with_exact_alphas(
    segmentation_server, identity_segmenter, coffee, studio_shot
):
    # GIVEN three photos as uint8 arrays in an .npz archive
    photos = [coffee, studio_shot, coffee[:40, :70]]
    body = pack_npz({f"image_{i}": photo for i, photo in enumerate(photos)})

    # WHEN it is posted
    answer = invoke(segmentation_server, body, "application/x-npz")

    # THEN the .npz answer holds each alpha exactly as in process (8-bit levels, exact here)
    assert (answer.status, answer.content_type) == (200, "application/x-npz")
    arrays = unpack_npz(answer.body, max_arrays=10)
    assert sorted(arrays) == ["alpha_0", "alpha_1", "alpha_2"]
    for index, photo in enumerate(photos):
        alpha = arrays[f"alpha_{index}"].astype(np.float32) / np.float32(255)
        np.testing.assert_array_equal(alpha, identity_segmenter.predict(photo))


def test_invocations_answers_one_npy_photo_with_its_npy_alpha(
    segmentation_server, identity_segmenter, coffee
):
    # GIVEN one photo as a bare .npy array (the single-photo arrays wire: no zip, no CRC)
    body = dump_npy(coffee)

    # WHEN it is posted as application/x-npy, without an Accept header and asking for JSON
    answer = invoke(segmentation_server, body, "application/x-npy")
    as_json = invoke(segmentation_server, body, "application/x-npy", accept="application/json")

    # THEN the default answer is the alpha as one .npy array, exactly as in process
    assert (answer.status, answer.content_type) == (200, "application/x-npy")
    alpha = load_npy(answer.body).astype(np.float32) / np.float32(255)
    np.testing.assert_array_equal(alpha, identity_segmenter.predict(coffee))
    # AND the same photo can be answered in JSON too
    assert (as_json.status, as_json.content_type) == (200, "application/json")
    assert SegmentationResponse.model_validate_json(as_json.body).results[0].rows == coffee.shape[0]


def test_server_keeps_the_connection_open_between_requests(segmentation_server, studio_shot):
    # GIVEN one HTTP/1.1 connection
    connection = http.client.HTTPConnection("127.0.0.1", segmentation_server.port, timeout=10)
    statuses = []

    # WHEN three requests go over it
    try:
        for _ in range(3):
            connection.request(
                "POST", "/invocations", png(studio_shot), {"Content-Type": "image/png"}
            )
            response = connection.getresponse()
            response.read()
            statuses.append((response.status, response.will_close))
    finally:
        connection.close()

    # THEN each is answered and none closes the connection
    assert statuses == [(200, False)] * 3


@pytest.mark.model
def test_u2netp_endpoint_finds_the_product_in_a_real_photo(serve, coffee):
    # GIVEN the real U2-Net-p model behind a segmentation server
    from pixellift.adapters.endpoint.inference import SegmentationModel

    settings = Settings.from_env({})
    try:
        segmenter = load_segmenter("u2netp", ModelCache(settings.model_dir), threads=1)
    except PhotoPipelineError as exc:
        pytest.skip(f"U2-Net-p is not in the model cache ({exc})")
    server = serve(SegmentationModel(segmenter), None)

    # WHEN the coffee photo is posted
    answer = invoke(server, jpeg(coffee), "image/jpeg", "application/json")

    # THEN the cup (centre) is foreground and the corners are background
    result = SegmentationResponse.model_validate_json(answer.body).results[0]
    mask = np.asarray(Image.open(io.BytesIO(result.mask.data)), np.float32) / 255
    assert mask[50, 75] > 0.5
    assert max(mask[0, 0], mask[0, -1], mask[-1, 0], mask[-1, -1]) < 0.5
