from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from pixellift.adapters.endpoint.codec import pack_npz
from pixellift.adapters.endpoint.inference import OcrModel
from pixellift.core.contracts.endpoints import OcrResponse

from tests.endpoints.conftest import jpeg, png, text_photo
from tests.endpoints.raw_http import invoke

pytest.importorskip("rapidocr_onnxruntime", reason="RapidOCR is not installed")

from pixellift.adapters.local.rapid_ocr import RapidOcrReader  # noqa: E402


@pytest.fixture(scope="module")
def reader() -> RapidOcrReader:
    reader = RapidOcrReader()
    reader.engine()
    return reader


@pytest.fixture(scope="module")
def label() -> np.ndarray:
    return text_photo([("SALE", 48), ("WARRANTY", 40)])


@pytest.fixture(scope="module")
def turned(label: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(label[::-1, ::-1])


def test_ocr_endpoint_reads_lines_and_words_with_boxes(serve, reader, label):
    # GIVEN an OCR server and a photo with two lines of overlay text
    server = serve(OcrModel(reader), None)

    # WHEN the JPEG is posted
    answer = invoke(server, jpeg(label, 95), "image/jpeg")

    # THEN JSON comes back with both lines, their words, boxes and confidence, upright
    assert (answer.status, answer.content_type) == (200, "application/json")
    reading = OcrResponse.model_validate_json(answer.body).results[0].reading
    assert [line.text for line in reading.lines] == ["SALE", "WARRANTY"]
    first, second = reading.lines
    assert [word.text for word in second.words] == ["WARRANTY"]
    assert (first.orientation, second.orientation) == (0, 0)
    assert min(first.confidence, second.confidence) > 0.8
    assert 12 <= first.box.left < first.box.right <= 200
    assert 16 <= first.box.top < first.box.bottom <= second.box.top
    assert second.words[0].box.left >= second.box.left
    assert 0.0 < reading.text_area_fraction < 0.3


@pytest.mark.slow
def test_ocr_endpoint_gives_the_in_process_reading_for_an_npz_batch(serve, reader, label, turned):
    # GIVEN the in-process readings of an upright and an upside-down photo
    expected = [reader.read(label), reader.read(turned)]
    server = serve(OcrModel(reader), None)

    # WHEN both are posted as arrays
    answer = invoke(server, pack_npz({"image_0": label, "image_1": turned}), "application/x-npz")

    # THEN the readings are the same, and the second is reported upside down
    results = OcrResponse.model_validate_json(answer.body).results
    assert [r.reading for r in results] == expected
    assert {line.orientation for line in results[1].reading.lines} == {180}


def test_ocr_endpoint_refuses_to_answer_with_an_image(serve, reader, label):
    # GIVEN an OCR server
    server = serve(OcrModel(reader), None)

    # WHEN a PNG answer is demanded
    answer = invoke(server, png(label), "image/png", "image/png")

    # THEN it answers 406 and says what it can produce
    assert answer.status == 406
    assert "application/json" in answer.json()["error"]["message"]


def test_ocr_json_batch_reads_each_photo(serve, reader, label):
    # GIVEN a JSON batch with a photo and a blank image
    blank = np.full((60, 80, 3), 255, np.uint8)
    instances = [
        {"id": "label", "image": base64.b64encode(png(label)).decode()},
        {"id": "blank", "image": base64.b64encode(png(blank)).decode()},
    ]
    server = serve(OcrModel(reader), None)

    # WHEN it is posted
    answer = invoke(server, json.dumps({"instances": instances}).encode(), "application/json")

    # THEN the label has its two lines and the blank image none
    results = OcrResponse.model_validate_json(answer.body).results
    assert [(r.id, len(r.reading.lines)) for r in results] == [("label", 2), ("blank", 0)]
