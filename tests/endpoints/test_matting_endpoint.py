from __future__ import annotations

import base64
import io
import json

import numpy as np
from PIL import Image
from pixellift.adapters.endpoint.codec import as_alpha, encode_alpha_png, pack_npz, unpack_npz
from pixellift.adapters.endpoint.inference import MattingModel
from pixellift.adapters.local.edge_matter import EdgeMatter
from pixellift.core.contracts.endpoints import MattingResponse
from pixellift.core.pipeline.cutout import cut_out

from tests.endpoints.conftest import png
from tests.endpoints.raw_http import call, invoke
from tests.fakes.segmenters import FakeSegmenter


def _coarse(photo: np.ndarray) -> np.ndarray:
    return FakeSegmenter().predict(photo)


def test_matting_ping_names_the_matter_and_its_segmenter(serve):
    # GIVEN a matting server with a segmenter for photos sent without a coarse mask
    server = serve(MattingModel(EdgeMatter(), FakeSegmenter(name="fake-seg")), None)

    # WHEN /ping is called
    answer = call(server, "GET", "/ping")

    # THEN it is healthy and reports both
    assert answer.status == 200
    assert answer.json() == {"status": "ok", "kind": "matting", "model": "edges-guided+fake-seg"}


def test_matting_answers_a_photo_with_the_cli_cutout_as_rgba_png(serve, studio_shot):
    # GIVEN a studio shot and the cut-out the CLI computes for it
    segmenter = FakeSegmenter()
    server = serve(MattingModel(EdgeMatter(), segmenter), None)
    expected = cut_out(studio_shot, segmenter)

    # WHEN the photo alone is posted
    answer = invoke(server, png(studio_shot), "image/png")

    # THEN the RGBA PNG holds the CLI's foreground and its alpha in 8 bits
    assert (answer.status, answer.content_type) == (200, "image/png")
    rgba = np.asarray(Image.open(io.BytesIO(answer.body)))
    assert rgba.shape == (90, 120, 4)
    np.testing.assert_array_equal(rgba[..., :3], expected.foreground)
    np.testing.assert_array_equal(rgba[..., 3], np.rint(expected.alpha * 255).astype(np.uint8))


def test_matting_refines_a_coarse_mask_sent_in_an_npz(serve, studio_shot):
    # GIVEN a photo with its coarse mask, and the in-process matte of the pair
    coarse = _coarse(studio_shot)
    expected = EdgeMatter().matte(studio_shot, coarse)
    server = serve(MattingModel(EdgeMatter(), None), None)

    # WHEN both are posted as arrays
    body = pack_npz({"image_0": studio_shot, "coarse_0": coarse})
    answer = invoke(server, body, "application/x-npz")

    # THEN the answer holds exactly the in-process alpha and foreground
    arrays = unpack_npz(answer.body, max_arrays=4)
    alpha = as_alpha(arrays["alpha_0"], "alpha_0", (90, 120))
    np.testing.assert_array_equal(alpha, expected.alpha)
    np.testing.assert_array_equal(arrays["foreground_0"], expected.foreground)


def test_matting_json_reports_where_the_coarse_mask_came_from(serve, studio_shot, coffee):
    # GIVEN a batch: one photo with a coarse mask, one plain studio shot without
    server = serve(MattingModel(EdgeMatter(), FakeSegmenter()), None)
    mask_png, _ = encode_alpha_png(_coarse(coffee))
    instances = [
        {
            "id": "a",
            "image": base64.b64encode(png(coffee)).decode(),
            "coarse": base64.b64encode(mask_png).decode(),
        },
        {"id": "b", "image": base64.b64encode(png(studio_shot)).decode()},
    ]
    body = json.dumps({"instances": instances, "return_foreground": True}).encode()

    # WHEN it is posted
    answer = invoke(server, body, "application/json")

    # THEN the first used the request's mask, the second the classical path, both with images
    results = MattingResponse.model_validate_json(answer.body).results
    assert [(r.id, r.coarse_source) for r in results] == [("a", "request"), ("b", "classical")]
    foreground = np.asarray(Image.open(io.BytesIO(results[1].foreground.data)))
    assert foreground.shape == (90, 120, 3)
    assert all(r.mask is not None and r.error is None for r in results)
