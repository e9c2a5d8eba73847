"""The zxing-cpp code reader and the face cascade on real pixels."""

from __future__ import annotations

import numpy as np
import pytest
from pixellift.core.guard.findings import GuardClass

from tests.unit.guard.conftest import PHOTOS, sample

pytestmark = pytest.mark.unit
zxingcpp = pytest.importorskip("zxingcpp")
skimage_data = pytest.importorskip("skimage.data")

from pixellift.adapters.local.code_reader import ZxingCodeReader  # noqa: E402
from pixellift.adapters.local.scene_detectors import CascadeSceneDetector  # noqa: E402


def _code(text: str, fmt, scale: int) -> np.ndarray:
    return np.asarray(zxingcpp.create_barcode(text, fmt).to_image(scale=scale))


def test_a_qr_code_and_a_barcode_on_a_photo_are_found_with_their_text():
    # GIVEN a QR code and an EAN-13 pasted onto the bottle photo
    rgb, _ = sample("bottle-white-sweep.jpg")
    qr = _code("https://shop.example/p/1", zxingcpp.BarcodeFormat.QRCode, 6)
    ean = _code("5901234123457", zxingcpp.BarcodeFormat.EAN13, 3)
    rgb[100 : 100 + qr.shape[0], 100 : 100 + qr.shape[1]] = qr[..., None]
    rgb[1300 : 1300 + ean.shape[0], 700 : 700 + ean.shape[1]] = ean[..., None]

    # WHEN codes are searched
    found = {f.cls: f for f in ZxingCodeReader().find_codes(rgb)}

    # THEN both are reported, boxed where they were pasted, with their text
    assert found[GuardClass.QR_CODE].text == "https://shop.example/p/1"
    assert found[GuardClass.BARCODE].text == "5901234123457"
    x0, y0, x1, y1 = found[GuardClass.QR_CODE].box
    assert 100 <= x0 < x1 <= 100 + qr.shape[1] and 100 <= y0 < y1 <= 100 + qr.shape[0]


@pytest.mark.parametrize("name", PHOTOS)
def test_no_codes_on_the_clean_samples(name):
    assert ZxingCodeReader().find_codes(sample(name)[0]) == []


@pytest.fixture(scope="module")
def faces() -> CascadeSceneDetector:
    return CascadeSceneDetector()


def test_a_face_is_found_with_a_person_below_it(faces):
    # GIVEN the astronaut portrait scikit-image ships
    rgb = skimage_data.astronaut()

    # WHEN people are searched
    found = faces.find_people(rgb)

    # THEN one face (over her face) and one person enclosing it are found
    face = next(f for f in found if f.cls is GuardClass.FACE)
    person = next(f for f in found if f.cls is GuardClass.PERSON)
    assert 150 <= face.box[0] < face.box[2] <= 300 and 40 <= face.box[1] < face.box[3] <= 200
    assert person.box[0] <= face.box[0] and person.box[3] > face.box[3]


@pytest.mark.parametrize("name", PHOTOS)
def test_no_sure_faces_on_the_product_samples(faces, name):
    # GIVEN a product photo without people / THEN no face reaches review confidence (0.5)
    assert [f for f in faces.find_people(sample(name)[0]) if f.confidence >= 0.5] == []
