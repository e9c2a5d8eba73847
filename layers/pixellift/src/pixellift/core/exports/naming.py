"""Naming templates: tokens, per-marketplace character rules and length limits.

A template such as ``{sku}_{channel}_{ab_tag}`` is rendered from a :class:`NameContext`; every token
value and every literal is normalised to the marketplace's safe characters, and an empty token
drops out with its separator. Collisions are settled in
:mod:`pixellift.core.exports.name_collisions`; Amazon's own convention is in
:mod:`pixellift.core.exports.amazon_names`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from pydantic import BaseModel, ConfigDict

from pixellift.core.errors import InvalidNameTemplateError

TOKENS: Final = (
    "sku",
    "channel",
    "variant",
    "ab_tag",
    "weight",
    "run_id",
    "preset",
    "marketplace",
    "role",
    "index",
    "timestamp",
)
_FIELD = re.compile(r"\{([^{}]*)\}")
_RUNS = re.compile(r"([-_.])[-_.]+")


@dataclass(frozen=True)
class NameRules:
    """Characters and length a marketplace's uploader accepts in a file name.

    Attributes
    ----------
    allowed
        A regular-expression character class body of the characters kept as they are.
    max_length
        Longest file name, extension included.
    lowercase
        Fold names to lower case.
    separator
        What replaces a run of characters that are not allowed (itself allowed).
    """

    allowed: str = "A-Za-z0-9._-"
    max_length: int = 120
    lowercase: bool = False
    separator: str = "-"

    def clean(self, text: str, *, strip: bool = True) -> str:
        """Fold to ASCII, replace other characters by the separator and collapse separator runs.

        Examples
        --------
        >>> NameRules().clean("Crème brûlée / 50 ml")
        'Creme-brulee-50-ml'
        >>> NameRules(allowed="A-Za-z0-9.", separator=".").clean("B0 CX-23")
        'B0.CX.23'
        """
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        if self.lowercase:
            ascii_text = ascii_text.lower()
        kept = re.sub(f"[^{self.allowed}]+", self.separator, ascii_text)
        kept = _RUNS.sub(r"\1", kept)
        if strip:
            kept = kept.strip("-_.")
        return kept


# Few uploaders document a character set. These are conservative: URL-safe ASCII without spaces
# (Walmart asks for encoded special characters and no query strings; eBay forbids ';' and turns
# spaces into %20), and lengths well under the shortest limit seen (Walmart URLs <= 2000 chars).
MARKETPLACE_RULES: Final[Mapping[str, NameRules]] = {
    "default": NameRules(),
    "amazon": NameRules(allowed="A-Za-z0-9._-", max_length=100),
    "walmart": NameRules(allowed="A-Za-z0-9_-", max_length=120),
    "ebay": NameRules(allowed="A-Za-z0-9._-", max_length=120),
    "shopify": NameRules(allowed="a-z0-9_-", max_length=120, lowercase=True),
    "etsy": NameRules(allowed="A-Za-z0-9_-", max_length=120),
    "tiktok-shop": NameRules(allowed="A-Za-z0-9_-", max_length=100),
    "google-merchant-center": NameRules(allowed="A-Za-z0-9_-", max_length=120),
}


def rules_for(marketplace: str | None) -> NameRules:
    """The naming rules of a marketplace (the default set for unknown ones)."""
    return MARKETPLACE_RULES.get(marketplace or "default", MARKETPLACE_RULES["default"])


class NameContext(BaseModel):
    """Values of the template tokens for one output."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: str
    channel: str = ""
    variant: str = ""
    ab_tag: str = ""
    weight: int | None = None
    run_id: str = ""
    preset: str = ""
    marketplace: str = ""
    role: str = ""
    index: int | None = None
    timestamp: datetime | None = None

    def value(self, token: str, spec: str) -> str:
        """The token's text, formatted with ``spec`` (for example ``02`` for ``{index:02}``)."""
        raw = getattr(self, token)
        if raw is None:
            return ""
        if isinstance(raw, datetime):
            return raw.astimezone(UTC).strftime(spec or "%Y%m%dT%H%M%SZ")
        return format(raw, spec) if spec else str(raw)


@dataclass(frozen=True)
class NameTemplate:
    """A file-name template; unknown tokens are refused when it is made.

    Examples
    --------
    >>> t = NameTemplate("{sku}_{channel}_{ab_tag}{index:02}")
    >>> t.render(NameContext(sku="MUG 01", channel="amazon", index=3), extension=".jpg")
    'MUG-01_amazon_03.jpg'
    >>> t.render(NameContext(sku="MUG 01", channel="amazon", ab_tag="B"), extension=".jpg")
    'MUG-01_amazon_B.jpg'
    """

    pattern: str

    def __post_init__(self) -> None:
        for field in _FIELD.findall(self.pattern):
            token = field.split(":", 1)[0]
            if token not in TOKENS:
                msg = (
                    f"template {self.pattern!r}: unknown token {{{token}}}; "
                    f"use {', '.join('{' + t + '}' for t in TOKENS)}"
                )
                raise InvalidNameTemplateError(msg)
        if not _FIELD.search(self.pattern):
            msg = f"template {self.pattern!r} has no token: every output would get the same name"
            raise InvalidNameTemplateError(msg)

    def render(
        self, ctx: NameContext, *, extension: str = "", rules: NameRules | None = None
    ) -> str:
        """Render one name: cleaned tokens and literals, empty tokens dropped, length capped."""
        chosen = rules or NameRules()
        parts = _FIELD.split(self.pattern)
        pieces = []
        for i, part in enumerate(parts):
            if i % 2:
                token, _, spec = part.partition(":")
                pieces.append(chosen.clean(ctx.value(token, spec)))
            else:
                pieces.append(chosen.clean(part, strip=False))
        stem = chosen.clean("".join(pieces))
        if not stem:
            msg = f"template {self.pattern!r} renders an empty name for SKU {ctx.sku!r}"
            raise InvalidNameTemplateError(msg)
        return fit_length(stem, extension.lower(), chosen.max_length)


def fit_length(stem: str, extension: str, max_length: int) -> str:
    """Cap ``stem + extension`` at ``max_length``, keeping long names distinct by a digest.

    Examples
    --------
    >>> fit_length("a" * 30, ".jpg", 20)
    'aaaaaaa-cd762363.jpg'
    """
    if len(stem) + len(extension) <= max_length:
        return stem + extension
    digest = hashlib.sha1(stem.encode(), usedforsecurity=False).hexdigest()[:8]
    keep = max(1, max_length - len(extension) - len(digest) - 1)
    return f"{stem[:keep].rstrip('-_.')}-{digest}{extension}"


def render_folder(pattern: str, ctx: NameContext, rules: NameRules | None = None) -> str:
    """Render a folder template such as ``{run_id}/{sku}/{channel}`` segment by segment.

    Examples
    --------
    >>> ctx = NameContext(sku="A b", channel="etsy", run_id="r1")
    >>> render_folder("{run_id}/{sku}/{channel}", ctx)
    'r1/A-b/etsy'
    """
    segments = [s for s in pattern.strip("/").split("/") if s]
    if not segments:
        msg = f"folder template {pattern!r} is empty"
        raise InvalidNameTemplateError(msg)
    out = []
    for segment in segments:
        if _FIELD.search(segment):
            out.append(NameTemplate(segment).render(ctx, rules=rules))
        else:
            out.append((rules or NameRules()).clean(segment))
    return "/".join(out)
