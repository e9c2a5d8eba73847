"""S3ObjectStore against moto: the ObjectStore port's behaviour, errors translated."""

from __future__ import annotations

import boto3
import pytest
from pixellift.adapters.aws.s3_store import S3ObjectStore
from pixellift.core.errors import PermanentError


@pytest.fixture
def store(aws: None) -> S3ObjectStore:
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket="drop")
    return S3ObjectStore(client, "drop")


def test_put_then_get_returns_the_bytes(store: S3ObjectStore) -> None:
    # GIVEN / WHEN an object is stored / THEN it reads back byte for byte
    store.put("ws/a.jpg", b"\xff\xd8data", content_type="image/jpeg")
    assert store.get("ws/a.jpg") == b"\xff\xd8data"


def test_head_reports_size_and_md5_etag(store: S3ObjectStore) -> None:
    # GIVEN a stored object / WHEN its metadata is read / THEN size and the MD5 ETag come back
    store.put("a", b"abc", content_type="text/plain")
    found = store.head("a")
    assert found is not None and (found.size, found.etag) == (3, "900150983cd24fb0d6963f7d28e17f72")


def test_head_of_a_missing_key_is_none(store: S3ObjectStore) -> None:
    # GIVEN / WHEN / THEN a key that does not exist has no metadata
    assert store.head("nothing") is None


def test_get_of_a_missing_key_is_a_permanent_error_naming_it(store: S3ObjectStore) -> None:
    # GIVEN / WHEN / THEN reading a missing key names bucket and key
    with pytest.raises(PermanentError, match="s3://drop/gone.jpg: no such object"):
        store.get("gone.jpg")


def test_list_returns_every_object_under_the_prefix_in_key_order(store: S3ObjectStore) -> None:
    # GIVEN objects inside and outside a prefix
    for key in ("run/b.jpg", "run/a.jpg", "other/c.jpg"):
        store.put(key, b"x", content_type="image/jpeg")

    # WHEN the prefix is listed / THEN only its objects come back, sorted
    assert [o.key for o in store.list("run/")] == ["run/a.jpg", "run/b.jpg"]


def test_copy_duplicates_an_object(store: S3ObjectStore) -> None:
    # GIVEN an object / WHEN it is copied / THEN both keys hold the bytes
    store.put("objects/c-1.jpg", b"img", content_type="image/jpeg")
    store.copy("objects/c-1.jpg", "ws/b/a.jpg")
    assert store.get("ws/b/a.jpg") == b"img"


def test_a_missing_bucket_is_a_permanent_error(aws: None) -> None:
    # GIVEN a store on a bucket that does not exist
    store = S3ObjectStore(boto3.client("s3", region_name="us-east-1"), "nope")

    # WHEN / THEN writing fails permanently, naming the bucket and the AWS code
    with pytest.raises(PermanentError, match="s3://nope/a: NoSuchBucket"):
        store.put("a", b"x", content_type="text/plain")
