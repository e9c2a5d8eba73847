"""Ingest: batches, items and named executions, created once however often it is called."""

from __future__ import annotations

import json

import pytest
from pixellift.core.contracts.events import S3Notification
from pixellift.core.contracts.records import BatchStatus
from pixellift.core.contracts.tasks import IngestRequest, SourceObject
from pixellift.core.errors import PermanentError
from pixellift.core.pipeline.ingest import ingest, requests_from_notification

from tests.fakes.pipeline import Fakes


def request(**changes: object) -> IngestRequest:
    base = {
        "workspace_id": "acme",
        "marketplace": "amazon",
        "keys": [
            SourceObject(key="acme/amazon/b.jpg", etag="e2"),
            SourceObject(key="acme/amazon/a.jpg", etag="e1"),
        ],
    }
    return IngestRequest.model_validate(base | changes)


def test_ingest_creates_batch_items_and_starts_a_named_execution(fakes: Fakes) -> None:
    # GIVEN two photos in the drop bucket
    # WHEN they are ingested
    batch = ingest(request(), fakes.deps()).batches[0]

    # THEN the batch runs, its items are in key order, and the execution is named after the run
    assert batch.created and batch.status is BatchStatus.RUNNING and batch.item_count == 2
    items = list(fakes.items.list("acme", batch.batch_id))
    assert [(i.item_id, i.name) for i in items] == [("i00000", "a.jpg"), ("i00001", "b.jpg")]
    name, payload = fakes.starter.started[0]
    assert name == f"{batch.batch_id}-r1"
    assert json.loads(payload)["items"] == ["i00000", "i00001"]


def test_ingest_repeated_creates_nothing_new(fakes: Fakes) -> None:
    # GIVEN a batch that was ingested and started
    first = ingest(request(), fakes.deps()).batches[0]

    # WHEN the same request arrives again (a redelivered notification)
    again = ingest(request(), fakes.deps()).batches[0]

    # THEN it names the same batch, creates nothing and starts no second execution
    assert again.batch_id == first.batch_id
    assert not again.created and again.execution_name is None
    assert len(fakes.starter.started) == 1 and len(fakes.items.rows) == 2


def test_ingest_resume_starts_the_next_run(fakes: Fakes) -> None:
    # GIVEN a batch whose first run was interrupted
    ingest(request(), fakes.deps())

    # WHEN the request asks to resume
    resumed = ingest(request(resume=True), fakes.deps()).batches[0]

    # THEN a second run of the same batch starts
    assert resumed.execution_name == f"{resumed.batch_id}-r2"
    assert fakes.batches.rows[("acme", resumed.batch_id)].runs == 2


def test_ingest_finished_batch_starts_no_run(fakes: Fakes) -> None:
    # GIVEN a batch that finished
    batch_id = ingest(request(), fakes.deps()).batches[0].batch_id
    finished = {"status": BatchStatus.COMPLETED}
    done = fakes.batches.rows[("acme", batch_id)].model_copy(update=finished)
    fakes.batches.rows[("acme", batch_id)] = done

    # WHEN it is ingested again, even with resume
    again = ingest(request(resume=True), fakes.deps()).batches[0]

    # THEN nothing is started
    assert again.status is BatchStatus.COMPLETED and again.execution_name is None
    assert len(fakes.starter.started) == 1


def test_ingest_changed_photo_is_a_new_batch(fakes: Fakes) -> None:
    # GIVEN an ingested batch
    first = ingest(request(), fakes.deps()).batches[0]

    # WHEN one photo's content (its ETag) changed
    changed = [
        SourceObject(key="acme/amazon/a.jpg", etag="e1"),
        SourceObject(key="acme/amazon/b.jpg", etag="e9"),
    ]
    second = ingest(request(keys=changed), fakes.deps()).batches[0]

    # THEN it is another batch
    assert second.batch_id != first.batch_id and second.created


def test_ingest_unknown_workspace_is_a_permanent_error(fakes: Fakes) -> None:
    # GIVEN / WHEN / THEN a workspace that does not exist is named in the error
    with pytest.raises(PermanentError, match="workspace nobody does not exist"):
        ingest(request(workspace_id="nobody"), fakes.deps())


def test_ingest_prefix_lists_only_image_files(fakes: Fakes) -> None:
    # GIVEN a drop folder with two photos and a stray file
    for key in ("acme/run/x.jpg", "acme/run/sub/y.PNG", "acme/run/.DS_Store"):
        fakes.drop.put(key, b"data", content_type="image/jpeg")

    # WHEN the folder is ingested by prefix
    batch = ingest(request(keys=(), prefix="acme/run/"), fakes.deps()).batches[0]

    # THEN only the photos became items, named relative to the prefix
    assert [i.name for i in fakes.items.list("acme", batch.batch_id)] == ["sub/y.PNG", "x.jpg"]


def test_ingest_empty_prefix_is_a_permanent_error(fakes: Fakes) -> None:
    # GIVEN / WHEN / THEN an empty folder is refused with its prefix named
    with pytest.raises(PermanentError, match="no photos under 'acme/empty/'"):
        ingest(request(keys=(), prefix="acme/empty/"), fakes.deps())


def _record(key: str, name: str = "ObjectCreated:Put") -> dict[str, object]:
    return {
        "eventSource": "aws:s3",
        "eventName": name,
        "s3": {"bucket": {"name": "drop"}, "object": {"key": key, "eTag": "e", "size": 3}},
    }


def test_requests_from_notification_group_by_workspace_and_marketplace() -> None:
    # GIVEN a notification with objects of two marketplaces and a deletion
    event = S3Notification.model_validate(
        {
            "Records": [
                _record("acme/amazon/red+mug.jpg"),
                _record("acme/etsy/b.jpg"),
                _record("acme/amazon/c%2B1.jpg"),
                _record("acme/amazon/gone.jpg", "ObjectRemoved:Delete"),
            ]
        }
    )

    # WHEN it is turned into ingest requests
    requests = requests_from_notification(event)

    # THEN one request per marketplace holds its decoded keys; the deletion is ignored
    assert [(r.marketplace, [k.key for k in r.keys]) for r in requests] == [
        ("amazon", ["acme/amazon/red mug.jpg", "acme/amazon/c+1.jpg"]),
        ("etsy", ["acme/etsy/b.jpg"]),
    ]


def test_requests_from_notification_rejects_a_key_outside_the_layout() -> None:
    # GIVEN a key with no marketplace folder
    event = S3Notification.model_validate({"Records": [_record("acme/photo.jpg")]})

    # WHEN / THEN the error names the key and the expected layout
    with pytest.raises(PermanentError, match="acme/photo.jpg: drop-folder keys are"):
        requests_from_notification(event)


def test_requests_from_notification_skips_photos_uploaded_through_the_api() -> None:
    # GIVEN a notification for an API upload (started by the API, not the trigger) and a drop
    event = S3Notification.model_validate(
        {"Records": [_record("api/acme/b-1/photo.jpg"), _record("acme/amazon/a.jpg")]}
    )

    # WHEN it is turned into ingest requests
    requests = requests_from_notification(event)

    # THEN only the drop-folder photo becomes a request
    assert [[k.key for k in r.keys] for r in requests] == [["acme/amazon/a.jpg"]]
