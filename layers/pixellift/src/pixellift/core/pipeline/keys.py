"""Names: batch ids, content keys and the object-key layout of the drop and output buckets.

Output objects are content-addressed (input hash + preset digest + rule-set digest), so the same
photo processed with the same recipe is found again instead of being processed twice.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Iterable, Mapping
from typing import Any

API_UPLOAD_ROOT = "api"
"""Drop-bucket prefix of photos uploaded through the merchant API; ingest's S3 trigger skips it."""

_DIGEST_CHARS = 16


def digest_of(value: Mapping[str, Any]) -> str:
    """A short, stable digest of a JSON-ready mapping (key order does not matter).

    Examples
    --------
    >>> digest_of({"b": 1, "a": [2]}) == digest_of({"a": [2], "b": 1})
    True
    >>> len(digest_of({}))
    16
    """
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:_DIGEST_CHARS]


def content_key(
    workspace_id: str, input_sha256: str, preset_digest: str, ruleset_digest: str
) -> str:
    """The identity of an output: whose it is, what went in and the recipe that made it.

    The workspace is part of it, so one workspace never reuses (or learns of) another's output
    of the same photo.

    Examples
    --------
    >>> content_key("acme", "ab" * 32, "p1", "r1") == content_key("acme", "ab" * 32, "p1", "r1")
    True
    >>> content_key("acme", "ab" * 32, "p1", "r1") == content_key("acme", "ab" * 32, "p2", "r1")
    False
    >>> content_key("acme", "ab" * 32, "p1", "r1") == content_key("rival", "ab" * 32, "p1", "r1")
    False
    """
    text = f"{workspace_id}|{input_sha256}|{preset_digest}|{ruleset_digest}"
    return "c-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def batch_id_for(parts: Iterable[str], objects: Iterable[tuple[str, str]]) -> str:
    """A batch id derived from the request and its objects' (key, ETag) pairs.

    The same request over the same files gives the same id, which is what lets an interrupted run
    resume its batch; changing one file's content gives a new id.

    Examples
    --------
    >>> a = batch_id_for(["ws", "amazon"], [("x.jpg", "e1"), ("y.jpg", "e2")])
    >>> a == batch_id_for(["ws", "amazon"], [("y.jpg", "e2"), ("x.jpg", "e1")])
    True
    >>> a == batch_id_for(["ws", "amazon"], [("x.jpg", "e1"), ("y.jpg", "e3")])
    False
    >>> a.startswith("b-"), len(a)
    (True, 22)
    """
    text = json.dumps([list(parts), sorted(objects)], separators=(",", ":"))
    return "b-" + hashlib.sha256(text.encode()).hexdigest()[:20]


def item_id_for(index: int) -> str:
    """Item ids are positions in the batch's sorted key list.

    Examples
    --------
    >>> item_id_for(0), item_id_for(41)
    ('i00000', 'i00041')
    """
    return f"i{index:05d}"


def unique_stems(names: Iterable[str]) -> list[str]:
    """Output stems for source names: the file stem, made unique with the suffix and a counter.

    Examples
    --------
    >>> unique_stems(["a/x.jpg", "b/x.png", "z.jpg", "y.jpg", "c/y.jpg"])
    ['x-jpg', 'x-png', 'z', 'y-jpg', 'y-jpg-2']
    """
    names = list(names)
    split = [posixpath.splitext(posixpath.basename(n)) for n in names]
    counts: dict[str, int] = {}
    for stem, _ in split:
        counts[stem] = counts.get(stem, 0) + 1
    used: set[str] = set()
    stems: list[str] = []
    for stem, suffix in split:
        wanted = stem if counts[stem] == 1 else f"{stem}-{suffix.lstrip('.').lower()}"
        candidate, n = wanted, 2
        while candidate in used:
            candidate = f"{wanted}-{n}"
            n += 1
        used.add(candidate)
        stems.append(candidate)
    return stems


def output_object_key(key: str, extension: str) -> str:
    """Key of a content-addressed output file.

    Examples
    --------
    >>> output_object_key("c-12ab", ".jpg")
    'objects/c-12ab.jpg'
    """
    return f"objects/{key}{extension}"


def steps_object_key(key: str) -> str:
    """Key of a content-addressed step log.

    Examples
    --------
    >>> steps_object_key("c-12ab")
    'objects/c-12ab.steps.json'
    """
    return f"objects/{key}.steps.json"


def batch_prefix(workspace_id: str, batch_id: str) -> str:
    """Prefix under which a batch is published in the output bucket.

    Examples
    --------
    >>> batch_prefix("acme", "b-1")
    'acme/b-1/'
    """
    return f"{workspace_id}/{batch_id}/"
