from __future__ import annotations

import pytest
from pixellift.core.guard.contact import find_contacts

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call 0800 123 4567", [("phone_number", "0800 123 4567")]),
        ("+44 20 7946 0958", [("phone_number", "+44 20 7946 0958")]),
        ("(555) 010-9999 today", [("phone_number", "(555) 010-9999")]),
        ("visit https://brand.example/offer", [("url", "https://brand.example/offer")]),
        ("www.bestshop.com", [("url", "www.bestshop.com")]),
        ("brand-shop.de", [("url", "brand-shop.de")]),
        ("hello@brand.co.uk", [("email", "hello@brand.co.uk")]),
    ],
)
def test_find_contacts_reports_phone_numbers_urls_and_emails(text, expected):
    # WHEN contact details are searched in an OCR line
    found = [(m.cls.value, m.text) for m in find_contacts(text)]

    # THEN each is found with its class
    assert found == expected


@pytest.mark.parametrize(
    "text",
    ["50% OFF", "$19.99", "2024-10-12", "SKU 123456789", "500 ml", "Made in U.S.A.", "v1.2.3"],
)
def test_find_contacts_ignores_prices_dates_and_codes(text):
    # WHEN text without contact details is searched / THEN nothing is reported
    assert find_contacts(text) == []
