"""The S3 export destination against moto: keys under the prefix, read back, listed, zipped."""

from __future__ import annotations

import io
import zipfile

import boto3
import pytest
from pixellift.adapters.aws.s3_export import ObjectStoreExportSink, parse_s3_url, s3_export_sink
from pixellift.adapters.aws.s3_store import S3ObjectStore
from pixellift.core.errors import ExportDestinationError


@pytest.fixture
def sink(aws: None) -> ObjectStoreExportSink:
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket="exports")
    store = S3ObjectStore(client, "exports")
    return ObjectStoreExportSink(
        store, "shop/packs", label="s3://exports/shop/packs", zip_name="r1.zip"
    )


def test_files_land_under_the_prefix_with_their_content_type(sink: ObjectStoreExportSink) -> None:
    sink.write("r1/A/amazon/a.jpg", b"\xff\xd8jpeg", content_type="image/jpeg")
    head = boto3.client("s3", region_name="us-east-1").head_object(
        Bucket="exports", Key="shop/packs/r1/A/amazon/a.jpg"
    )
    assert head["ContentType"] == "image/jpeg"
    assert sink.read("r1/A/amazon/a.jpg") == b"\xff\xd8jpeg"
    assert sink.read("r1/missing.jpg") is None
    assert sink.list("r1/") == ["r1/A/amazon/a.jpg"]


def test_close_stores_one_zip_of_the_export(sink: ObjectStoreExportSink) -> None:
    sink.write("r1/a.jpg", b"a", content_type="image/jpeg")
    sink.write("r1/manifest.json", b"{}", content_type="application/json")
    assert sink.close() == ("s3://exports/shop/packs/r1.zip",)
    with zipfile.ZipFile(io.BytesIO(sink.store.get("shop/packs/r1.zip"))) as zf:
        assert sorted(zf.namelist()) == ["r1/a.jpg", "r1/manifest.json"]


def test_factory_builds_a_sink_from_an_s3_url(aws: None) -> None:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="bkt")
    sink = s3_export_sink("s3://bkt/p/q", region="us-east-1", endpoint_url=None)
    sink.write("x.csv", b"1", content_type="text/csv")
    assert sink.location == "s3://bkt/p/q"
    assert sink.list("") == ["x.csv"]


@pytest.mark.parametrize("url", ["https://b/p", "s3:///p", "b/p"])
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(ExportDestinationError, match="is not an s3://bucket/prefix URL"):
        parse_s3_url(url)
