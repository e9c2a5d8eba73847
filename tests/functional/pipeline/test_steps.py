"""The pipeline steps on in-memory fakes: each does its work once, however often it is called."""

from __future__ import annotations

import json

import pytest
from pixellift.core.contracts.records import BatchStatus, ItemStatus
from pixellift.core.contracts.tasks import (
    BatchTask,
    IngestRequest,
    ItemTask,
    PublishTask,
    SettleTask,
    SourceObject,
    TaskError,
)
from pixellift.core.errors import PermanentError, UnsupportedImageFormatError
from pixellift.core.pipeline.billing_step import settle_item
from pixellift.core.pipeline.gate_step import check_compliance
from pixellift.core.pipeline.ingest import ingest
from pixellift.core.pipeline.process_step import process_item
from pixellift.core.pipeline.publish_step import publish_batch
from pixellift.core.pipeline.rules_step import resolve_rules

from tests.fakes.photos import product_photo
from tests.fakes.pipeline import Fakes


def start_batch(fakes: Fakes, photos: dict[str, bytes], batch_id: str = "b-test") -> str:
    """Put the photos in the drop bucket, ingest and plan them; return the batch id."""
    keys = []
    for name, data in photos.items():
        fakes.drop.put(f"acme/amazon/{name}", data, content_type="image/jpeg")
        keys.append(SourceObject(key=f"acme/amazon/{name}", etag=name))
    request = IngestRequest(
        workspace_id="acme", marketplace="amazon", keys=tuple(keys), batch_id=batch_id
    )
    ingest(request, fakes.deps())
    resolve_rules(BatchTask(batch_id=batch_id, workspace_id="acme"), fakes.deps())
    return batch_id


def item(batch_id: str, item_id: str = "i00000") -> ItemTask:
    return ItemTask(batch_id=batch_id, workspace_id="acme", item_id=item_id)


def settle(batch_id: str, item_id: str = "i00000", error: str | None = None) -> SettleTask:
    if error is None:
        return SettleTask(batch_id=batch_id, workspace_id="acme", item_id=item_id, outcome="charge")
    failure = TaskError(Error=error, Cause='{"errorMessage": "bad"}')
    return SettleTask(
        batch_id=batch_id, workspace_id="acme", item_id=item_id, outcome="fail", error=failure
    )


def run_item(fakes: Fakes, batch_id: str, item_id: str = "i00000") -> None:
    process_item(item(batch_id, item_id), fakes.deps())
    check_compliance(item(batch_id, item_id), fakes.deps())
    settle_item(settle(batch_id, item_id), fakes.deps())


def test_resolve_rules_stores_the_plan_once(fakes: Fakes) -> None:
    # GIVEN a planned batch
    batch_id = start_batch(fakes, {"a.jpg": product_photo()})
    planned = fakes.batches.rows[("acme", batch_id)]

    # WHEN Resolve Rules runs again (a retried task or a resumed run)
    summary = resolve_rules(BatchTask(batch_id=batch_id, workspace_id="acme"), fakes.deps())

    # THEN the stored plan is unchanged and summarised
    assert fakes.batches.rows[("acme", batch_id)].plan == planned.plan
    assert planned.plan is not None and summary.ruleset_digest == planned.plan.ruleset_digest
    assert summary.preset_key == "amazon-main@1.0.0"


def test_process_item_writes_a_content_addressed_output(fakes: Fakes) -> None:
    # GIVEN a planned batch with one photo
    batch_id = start_batch(fakes, {"a.jpg": product_photo()})

    # WHEN the item is processed
    out = process_item(item(batch_id), fakes.deps())

    # THEN the output and its step log are stored under the content key, and the item records them
    record = fakes.items.rows[("acme", batch_id, "i00000")]
    assert out.status is ItemStatus.PROCESSED and not out.reused and record.attempts == 1
    assert record.output_key == f"objects/{out.content_key}.jpg"
    assert fakes.outputs.objects[record.output_key][:2] == b"\xff\xd8"
    steps = json.loads(fakes.outputs.objects[f"objects/{out.content_key}.steps.json"])
    assert [s["step"] for s in steps["steps"]][0] == "decode"


def test_process_item_again_does_not_process_again(fakes: Fakes) -> None:
    # GIVEN a processed item
    batch_id = start_batch(fakes, {"a.jpg": product_photo()})
    process_item(item(batch_id), fakes.deps())
    writes = len(fakes.outputs.puts)

    # WHEN the task is delivered again
    again = process_item(item(batch_id), fakes.deps())

    # THEN it is skipped: no new output, no new attempt
    assert again.skipped and len(fakes.outputs.puts) == writes
    assert fakes.items.rows[("acme", batch_id, "i00000")].attempts == 1


def test_process_item_reuses_the_output_of_the_same_photo_and_recipe(fakes: Fakes) -> None:
    # GIVEN a photo processed in one batch
    photo = product_photo()
    first = start_batch(fakes, {"a.jpg": photo}, "b-first")
    process_item(item(first), fakes.deps())
    writes = len(fakes.outputs.puts)

    # WHEN the same photo comes in another batch with the same recipe
    second = start_batch(fakes, {"copy.jpg": photo}, "b-second")
    out = process_item(item(second), fakes.deps())

    # THEN its output is reused, not made again
    assert out.reused and len(fakes.outputs.puts) == writes
    assert out.content_key == fakes.items.rows[("acme", first, "i00000")].content_key


def test_process_item_bad_photo_raises_and_counts_the_attempt(fakes: Fakes) -> None:
    # GIVEN a file that is not an image
    batch_id = start_batch(fakes, {"notes.jpg": b"hello"})

    # WHEN / THEN processing raises the decode error naming the file
    with pytest.raises(UnsupportedImageFormatError, match="notes.jpg"):
        process_item(item(batch_id), fakes.deps())
    assert fakes.items.rows[("acme", batch_id, "i00000")].attempts == 1


def test_check_compliance_records_the_decision_with_the_item(fakes: Fakes) -> None:
    # GIVEN a processed item
    batch_id = start_batch(fakes, {"a.jpg": product_photo()})
    process_item(item(batch_id), fakes.deps())

    # WHEN the gate decides it
    decision = check_compliance(item(batch_id), fakes.deps())

    # THEN the item holds the verdict and every blocking rule is among its findings
    record = fakes.items.rows[("acme", batch_id, "i00000")]
    assert record.status is ItemStatus.GATED and record.passed is decision.passed
    assert set(decision.blocking) <= {f.rule_id for f in record.findings}


def test_check_compliance_refuses_an_unprocessed_item(fakes: Fakes) -> None:
    # GIVEN / WHEN / THEN an item that was never processed cannot be decided
    batch_id = start_batch(fakes, {"a.jpg": product_photo()})
    with pytest.raises(
        PermanentError, match="a.jpg: cannot check compliance of an item that is PENDING"
    ):
        check_compliance(item(batch_id), fakes.deps())


def test_settle_item_charges_once_however_often_it_runs(fakes: Fakes) -> None:
    # GIVEN a decided item
    batch_id = start_batch(fakes, {"a.jpg": product_photo()})
    process_item(item(batch_id), fakes.deps())
    check_compliance(item(batch_id), fakes.deps())

    # WHEN it is settled twice (a retried task)
    first = settle_item(settle(batch_id), fakes.deps())
    second = settle_item(settle(batch_id), fakes.deps())

    # THEN one ledger entry exists and the item is charged the flat price once
    assert first.newly_charged and not second.newly_charged
    assert len(fakes.billing.entries) == 1
    assert fakes.items.rows[("acme", batch_id, "i00000")].charged_minor == 5


def test_settle_item_same_photo_in_a_later_batch_costs_nothing(fakes: Fakes) -> None:
    # GIVEN a photo charged in one batch
    photo = product_photo()
    first = start_batch(fakes, {"a.jpg": photo}, "b-first")
    run_item(fakes, first)

    # WHEN the same photo and recipe go through another batch
    second = start_batch(fakes, {"a.jpg": photo}, "b-second")
    run_item(fakes, second)

    # THEN the ledger still holds one charge, and the second item is charged zero
    assert len(fakes.billing.entries) == 1
    assert fakes.items.rows[("acme", second, "i00000")].status is ItemStatus.CHARGED
    assert fakes.items.rows[("acme", second, "i00000")].charged_minor == 0


def test_settle_item_failure_is_recorded_and_not_charged(fakes: Fakes) -> None:
    # GIVEN an item whose processing failed
    batch_id = start_batch(fakes, {"a.jpg": product_photo()})

    # WHEN the Catch settles it as failed
    out = settle_item(settle(batch_id, error="CorruptImageError"), fakes.deps())

    # THEN it is failed with the error's name and message, and nothing is charged
    record = fakes.items.rows[("acme", batch_id, "i00000")]
    assert out.status is ItemStatus.FAILED and fakes.billing.debits == 0
    assert (record.error_kind, record.error_message) == ("CorruptImageError", "bad")


def test_publish_batch_reports_partial_success(fakes: Fakes) -> None:
    # GIVEN a batch with one finished photo and one failed file
    batch_id = start_batch(fakes, {"a.jpg": product_photo(), "bad.jpg": b"x"})
    run_item(fakes, batch_id, "i00000")
    settle_item(settle(batch_id, "i00001", "UnsupportedImageFormatError"), fakes.deps())

    # WHEN the batch is published
    result = publish_batch(PublishTask(batch_id=batch_id, workspace_id="acme"), fakes.deps())

    # THEN the failure is counted, the charged photo is published, and the manifest lists both
    assert (result.total, result.failed, result.charged_minor) == (2, 1, 5)
    assert result.status is BatchStatus.PARTIAL
    manifest = json.loads(fakes.outputs.objects[result.manifest_key])
    entries = {e["name"]: e for e in manifest["items"]}
    assert entries["bad.jpg"]["error_kind"] == "UnsupportedImageFormatError"
    assert f"acme/{batch_id}/{entries['a.jpg']['output']}" in fakes.outputs.objects
    assert fakes.batches.rows[("acme", batch_id)].status is result.status


def test_publish_batch_marks_unfinished_items_failed(fakes: Fakes) -> None:
    # GIVEN a batch whose run ended before its only item finished
    batch_id = start_batch(fakes, {"a.jpg": product_photo()})
    process_item(item(batch_id), fakes.deps())

    # WHEN the batch is published
    result = publish_batch(PublishTask(batch_id=batch_id, workspace_id="acme"), fakes.deps())

    # THEN the item is reported failed, not lost, and the batch failed
    record = fakes.items.rows[("acme", batch_id, "i00000")]
    assert record.status is ItemStatus.FAILED and record.error_kind == "UnfinishedItem"
    assert result.status is BatchStatus.FAILED and result.failed == 1


def test_another_workspace_never_reuses_an_output(fakes: Fakes) -> None:
    # GIVEN a photo processed in acme, and a second workspace
    photo = product_photo()
    first = start_batch(fakes, {"a.jpg": photo}, "b-acme")
    done = process_item(item(first), fakes.deps())
    fakes.workspaces.rows["rival"] = fakes.workspaces.rows["acme"].model_copy(
        update={"workspace_id": "rival", "name": "rival"}
    )

    # WHEN rival sends the same photo with the same recipe
    fakes.drop.put("rival/amazon/a.jpg", photo, content_type="image/jpeg")
    request = IngestRequest(
        workspace_id="rival",
        marketplace="amazon",
        keys=(SourceObject(key="rival/amazon/a.jpg", etag="a"),),
        batch_id="b-rival",
    )
    ingest(request, fakes.deps())
    resolve_rules(BatchTask(batch_id="b-rival", workspace_id="rival"), fakes.deps())
    out = process_item(ItemTask(batch_id="b-rival", workspace_id="rival", item_id="i00000"),
                       fakes.deps())  # fmt: skip

    # THEN it is processed for rival under a key of its own
    assert not out.reused
    assert out.content_key != done.content_key
