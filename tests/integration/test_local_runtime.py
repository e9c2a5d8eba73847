"""The whole chain on the local runtime: the real ASL, the real handlers, moto underneath."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import boto3
from pixellift.adapters.aws.audit_local import audit_bucket, audit_table
from pixellift.adapters.aws.audit_publisher import S3TreeHeadArchive
from pixellift.adapters.aws.audit_signer import Ed25519Check, local_signer
from pixellift.adapters.aws.audit_store import DynamoAuditStore
from pixellift.adapters.clock import SystemClock
from pixellift.adapters.local.runtime import LocalRuntime
from pixellift.adapters.settings import Settings
from pixellift.core.audit.treehead import check_signature
from pixellift.core.contracts.records import BatchStatus, ItemStatus, Workspace
from pixellift.core.contracts.tasks import IngestRequest
from pixellift.core.pipeline.autofix import FixServices

from tests.fakes.photos import product_photo
from tests.integration.batches import TIMEOUT_S, items, ledger, put_photos, run, wait
from tests.unit.audit.ledgers import sample_events

FAST = FixServices(segmenter=None, clock=SystemClock())
NOW = datetime(2026, 11, 26, tzinfo=UTC)
PHOTOS = {
    "a.jpg": product_photo(shade=40),
    "b.jpg": product_photo(shade=90),
    "bad.jpg": b"not a photo",
}


def test_batch_runs_through_the_state_machine_with_partial_success(settings: Settings) -> None:
    # GIVEN two photos and a file that is not one, in the local drop bucket
    with LocalRuntime(settings, fix=FAST) as runtime:
        # WHEN the batch is ingested and its execution runs
        batch, state = run(runtime, PHOTOS)
        entered = runtime.states_entered(batch.execution_arn or "")
        by_name = items(runtime, batch.batch_id)
        charges = ledger(runtime)
        published = {o.key for o in runtime.deps.outputs.list(f"acme/{batch.batch_id}/")}

    # THEN the execution succeeds and reports the failure without failing the batch
    assert state.status == "SUCCEEDED" and state.output is not None
    assert (state.output["total"], state.output["failed"], state.output["status"]) == (
        3,
        1,
        "PARTIAL",
    )
    assert entered[0] == "Resolve Rules" and entered[-1] == "Publish Outputs"
    assert entered.count("Process Photo") == 3 and entered.count("Record Failure") == 1
    # AND each photo was processed once and charged once; the bad file failed with its cause
    assert {n: (i.status, i.attempts) for n, i in by_name.items()} == {
        "a.jpg": (ItemStatus.CHARGED, 1),
        "b.jpg": (ItemStatus.CHARGED, 1),
        "bad.jpg": (ItemStatus.FAILED, 1),
    }
    assert by_name["bad.jpg"].error_kind == "UnsupportedImageFormatError"
    assert sorted(charges) == sorted(
        f"charge:acme:{by_name[n].content_key}" for n in ("a.jpg", "b.jpg")
    )
    # AND the manifest, the report and both images are published
    prefix = f"acme/{batch.batch_id}/"
    assert {prefix + "manifest.json", prefix + "report.csv"} <= published
    assert sum(k.endswith(".jpg") and "/steps/" not in k for k in published) == 2


def test_finished_batch_is_not_run_again_after_a_restart(settings: Settings) -> None:
    # GIVEN a batch finished by one runtime, whose state persisted under the state folder
    with LocalRuntime(settings, fix=FAST) as runtime:
        first, _ = run(runtime, PHOTOS)
        manifest_key = f"acme/{first.batch_id}/manifest.json"

    # WHEN a new runtime (a new process) gets the same folder again
    with LocalRuntime(settings, fix=FAST) as runtime:
        again, state = run(runtime, PHOTOS)
        charges = ledger(runtime)
        manifest = json.loads(runtime.deps.outputs.get(manifest_key))

    # THEN it names the finished batch, starts nothing, and the restored state is complete
    assert again.batch_id == first.batch_id and again.execution_arn is None
    assert state.status == "NONE" and again.status is BatchStatus.PARTIAL
    assert len(charges) == 2 and manifest["summary"]["total"] == 3


def test_interrupted_batch_resumes_without_redoing_or_recharging(settings: Settings) -> None:
    # GIVEN a run stopped after its first item was charged (one photo processed at a time)
    photos = {f"p{i}.jpg": product_photo(shade=30 + 20 * i) for i in range(4)}
    with LocalRuntime(settings, fix=FAST) as runtime:
        runtime.deps.workspaces.create(Workspace(workspace_id="acme", name="Acme", created_at=NOW))
        put_photos(runtime.deps.drop, photos)
        request = IngestRequest(
            workspace_id="acme", marketplace="amazon", prefix="acme/run/", max_concurrency=1
        )
        batch = runtime.ingest(request).batches[0]
        assert batch.execution_arn is not None
        deadline = time.monotonic() + TIMEOUT_S
        while not any(
            i.status is ItemStatus.CHARGED for i in items(runtime, batch.batch_id).values()
        ):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        runtime.stop(batch.execution_arn)
        wait(runtime, batch.execution_arn)
        before = items(runtime, batch.batch_id)

    # WHEN the same photos are run again (with resume) in a new runtime
    with LocalRuntime(settings, fix=FAST) as runtime:
        resumed, state = run(runtime, photos, workers=1)
        after = items(runtime, resumed.batch_id)
        charges = ledger(runtime)

    # THEN the second run finishes the batch: every item charged once, finished ones untouched
    assert resumed.execution_name == f"{batch.batch_id}-r2" and state.status == "SUCCEEDED"
    assert all(i.status is ItemStatus.CHARGED for i in after.values())
    assert len(charges) == len(set(charges)) == 4
    done_before = [n for n, i in before.items() if i.status is ItemStatus.CHARGED]
    assert done_before and all(after[n].version == before[n].version for n in done_before)


def test_uploads_survive_a_restart_only_when_kept(settings: Settings) -> None:
    # GIVEN a photo uploaded to the drop bucket of a runtime that keeps uploads (the API server)
    with LocalRuntime(settings, fix=FAST, keep_uploads=True) as runtime:
        runtime.deps.drop.put("acme/api/b1/p.jpg", b"photo", content_type="image/jpeg")
    with LocalRuntime(settings, fix=FAST) as runtime:
        runtime.deps.drop.put("acme/run/q.jpg", b"other", content_type="image/jpeg")

    # WHEN a new runtime starts on the same state folder
    with LocalRuntime(settings, fix=FAST, keep_uploads=True) as runtime:
        kept = runtime.deps.drop.head("acme/api/b1/p.jpg")
        dropped = runtime.deps.drop.head("acme/run/q.jpg")

    # THEN the kept upload is back; the other runtime's drop copy was not kept
    assert kept is not None and kept.size == len(b"photo")
    assert dropped is None


def test_the_runtime_serves_its_aws_apis_to_other_processes(settings: Settings) -> None:
    # GIVEN a runtime serving its AWS APIs over HTTP, and a workspace it stored
    with LocalRuntime(settings, fix=FAST) as runtime:
        runtime.deps.workspaces.create(Workspace(workspace_id="acme", name="Acme", created_at=NOW))
        url = runtime.serve_aws()
        remote = {"endpoint_url": url, "region_name": settings.region}
        s3 = boto3.client("s3", **remote)
        dynamodb = boto3.client("dynamodb", **remote)

        # WHEN another client uploads through a pre-signed URL and reads a table over HTTP
        signed = s3.generate_presigned_url(
            "put_object", Params={"Bucket": settings.drop_bucket, "Key": "acme/api/p.jpg"}
        )
        request = urllib.request.Request(
            signed, data=b"jpeg bytes", method="PUT", headers={"Content-Type": "image/jpeg"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            status = answer.status
        table = f"{settings.tables.workspaces}"
        row = dynamodb.get_item(TableName=table, Key={"workspace_id": {"S": "acme"}})

        # THEN the upload is in the runtime's drop bucket and the table is the runtime's
        assert status == 200
        assert runtime.deps.drop.get("acme/api/p.jpg") == b"jpeg bytes"
        assert "Item" in row


class HandClock:
    """The runtime's clock, moved by the test."""

    def __init__(self) -> None:
        self.at = NOW

    def now(self) -> datetime:
        return self.at


def test_schedules_publish_every_audit_log_hourly(settings: Settings) -> None:
    # GIVEN two workspaces whose audit logs have entries, in a runtime on a hand-moved clock
    clock = HandClock()
    with LocalRuntime(settings, fix=FAST, clock=clock) as runtime:
        store = DynamoAuditStore(
            boto3.client("dynamodb", region_name=settings.region), audit_table(settings)
        )
        archive = S3TreeHeadArchive(
            boto3.client("s3", region_name=settings.region), audit_bucket(settings)
        )
        for workspace_id, count in (("acme", 6), ("bolt", 3)):
            runtime.deps.workspaces.create(
                Workspace(workspace_id=workspace_id, name=workspace_id, created_at=NOW)
            )
            store.append(workspace_id, sample_events(count, workspace_id))

        # WHEN the schedules are checked now, after acme's log grows half an hour later, and
        # again an hour after the first check
        runtime.fire_due_schedules()
        first = {w: [h.head.tree_size for h in archive.history(w)] for w in ("acme", "bolt")}
        store.append("acme", sample_events(2, "acme"))
        clock.at += timedelta(minutes=30)
        runtime.fire_due_schedules()
        too_soon = [h.head.tree_size for h in archive.history("acme")]
        clock.at += timedelta(minutes=30)
        runtime.fire_due_schedules()
        heads = {w: archive.history(w) for w in ("acme", "bolt")}

    # THEN each log got a head at once, and acme's growth a second one on the next hour only
    assert first == {"acme": [6], "bolt": [3]} and too_soon == [6]
    assert [h.head.tree_size for h in heads["acme"]] == [6, 8]
    assert [h.head.tree_size for h in heads["bolt"]] == [3]
    # AND every head is signed with its workspace's local key (the one `pixellift audit` uses)
    for workspace_id, published in heads.items():
        key = local_signer(settings.state_dir, workspace_id).public_key
        for head in published:
            check_signature(head, Ed25519Check(), public_key=key)


def test_the_runtime_caps_malloc_arenas_on_glibc() -> None:
    # GIVEN / WHEN the arena cap is applied (as every runtime start does)
    from pixellift.adapters.local.environment import limit_malloc_arenas

    # THEN glibc takes it (this machine's C library is glibc)
    assert limit_malloc_arenas() is True
