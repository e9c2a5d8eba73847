"""Phone numbers, web addresses and e-mail addresses in recognised text.

The patterns tolerate what OCR does to contact details (spaces around separators, a dropped
``http://``) but ask for enough structure that prices, percentages, dates and model numbers do
not match: an e-mail needs ``@`` and a domain, a web address a scheme, ``www.`` or a known
top-level domain, and a phone number 9 to 15 digits with at most telephone punctuation between.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from pixellift.core.guard.findings import GuardClass

_TLDS: Final = (
    "com|net|org|info|biz|shop|store|online|site|io|co|us|uk|de|fr|es|it|nl|eu|ca|au|in|jp|cn"
)
EMAIL: Final = re.compile(
    r"[A-Za-z0-9._%+-]+\s?@\s?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
URL: Final = re.compile(
    rf"(?i)(?:https?://|www\.)[^\s,;]+|\b[a-z0-9-]{{2,}}(?:\.[a-z0-9-]+)*\.(?:{_TLDS})\b(?:/[^\s,;]*)?"
)
PHONE: Final = re.compile(r"(?:\+|\(?\b)\d[\d\s().\-/]{7,}\d\b")
_PHONE_DIGITS: Final = (9, 15)


@dataclass(frozen=True)
class ContactMatch:
    """One contact detail: its class, the matched text and where it sits in the line."""

    cls: GuardClass
    text: str
    start: int
    end: int


def _phone_like(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    if not _PHONE_DIGITS[0] <= digits <= _PHONE_DIGITS[1]:
        return False
    # A run of digits without any separator is a code or a number, not a phone number, unless
    # it carries an international prefix.
    return candidate.startswith("+") or any(ch in " ().-/" for ch in candidate)


def find_contacts(text: str) -> list[ContactMatch]:
    """Every phone number, URL and e-mail address in one line of text, left to right.

    An e-mail address is not reported again as a URL.

    Examples
    --------
    >>> [(m.cls.value, m.text) for m in find_contacts("Call +1 (555) 123-4567 now")]
    [('phone_number', '+1 (555) 123-4567')]
    >>> [(m.cls.value, m.text) for m in find_contacts("shop@brand.com / www.brand.com")]
    [('email', 'shop@brand.com'), ('url', 'www.brand.com')]
    >>> find_contacts("50% OFF 2024-10-12 SKU 123456789 500ml")
    []
    """
    found: list[ContactMatch] = []
    taken: list[tuple[int, int]] = []
    for cls, pattern in ((GuardClass.EMAIL, EMAIL), (GuardClass.URL, URL)):
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            found.append(ContactMatch(cls, match.group().strip(), start, end))
    for match in PHONE.finditer(text):
        start, end = match.span()
        candidate = match.group().strip()
        if _phone_like(candidate) and not any(start < e and s < end for s, e in taken):
            taken.append((start, end))
            found.append(ContactMatch(GuardClass.PHONE_NUMBER, candidate, start, end))
    return sorted(found, key=lambda m: m.start)
