from __future__ import annotations

import pytest
from pixellift.core.contracts.endpoints import BatchRequest, EncodedImage, ImageInstance
from pixellift.core.contracts.ocr_reading import PixelBox
from pydantic import ValidationError


def test_batch_request_round_trips_bytes_as_base64():
    # GIVEN a request with binary image bytes
    request = BatchRequest(instances=(ImageInstance(id="a", image=b"\x00\xffdata"),))

    # WHEN it goes to JSON and back
    text = request.model_dump_json()
    back = BatchRequest.model_validate_json(text)

    # THEN the bytes are base64 in the JSON and identical after the round trip
    assert '"image":"AP9kYXRh"' in text
    assert back == request


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"instances": [{"image": "AP9k YXRh"}]}', "not valid base64"),
        ('{"instances": [{"image": "AP9kYXRh", "id": "a b"}]}', "String should match pattern"),
        ('{"instances": []}', "at least 1 item"),
    ],
)
def test_batch_request_refuses_malformed_input(payload, message):
    # GIVEN / WHEN / THEN malformed requests are refused with the reason
    with pytest.raises(ValidationError, match=message):
        BatchRequest.model_validate_json(payload)


def test_pixel_box_refuses_corners_out_of_order():
    # GIVEN / WHEN / THEN a box whose bottom is above its top is refused
    with pytest.raises(ValidationError, match="out of order"):
        PixelBox(top=5, left=0, bottom=4, right=3)


def test_encoded_image_defaults_to_an_8_bit_png():
    # GIVEN / WHEN an encoded image is made without options
    # THEN it says PNG, 8 bits
    image = EncodedImage(data=b"\x89PNG")
    assert (image.media_type, image.bit_depth) == ("image/png", 8)
