"""Sample events: each validates against its contract and goes through its handler."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pixellift.adapters.local.lambda_invoker import LocalLambdaContext, load_module
from pixellift.core.contracts.events import S3Notification, ScheduledEvent
from pixellift.core.contracts.records import BatchStatus, ItemStatus
from pixellift.core.contracts.tasks import (
    BatchTask,
    ExecutionInput,
    IngestRequest,
    ItemTask,
    PublishTask,
    SettleTask,
)
from pixellift.core.errors import PermanentError
from pixellift.core.pipeline.policy_sync import PolicyDeps
from pydantic import BaseModel

from tests.fakes.photos import product_photo
from tests.fakes.pipeline import Fakes, TickingClock
from tests.fakes.repositories import MemoryPolicyStates

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
CONTRACTS: dict[str, type[BaseModel]] = {
    "s3/object_created.json": S3Notification,
    "api/ingest_request.json": IngestRequest,
    "sfn/photo_pipeline.input.json": ExecutionInput,
    "sfn/resolve_rules.input.json": BatchTask,
    "sfn/process.input.json": ItemTask,
    "sfn/compliance_gate.input.json": ItemTask,
    "sfn/billing.charge.input.json": SettleTask,
    "sfn/billing.fail.input.json": SettleTask,
    "sfn/publish.input.json": PublishTask,
    "sfn/publish.unplanned.input.json": PublishTask,
    "eventbridge/policy_sync.json": ScheduledEvent,
    "eventbridge/audit_publish.json": ScheduledEvent,
}
SAMPLE_KEY = "acme/amazon/red mug(1).jpg"


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return event


def call(function: str, event: dict[str, Any], deps: object) -> dict[str, Any]:
    module = load_module(ROOT / "functions" / function / "handler.py", f"test_fn_{function}")
    context = LocalLambdaContext(
        f"pixellift-{function}", f"arn:aws:lambda:us-east-1:1:function:{function}"
    )
    result: dict[str, Any] = module.handler(event, context, deps=deps)
    return result


def test_every_sample_event_has_a_contract() -> None:
    # GIVEN / WHEN the event files on disk
    files = {p.relative_to(EVENTS).as_posix() for p in EVENTS.rglob("*.json")}

    # THEN each one is mapped to the contract that validates it
    assert files == set(CONTRACTS)


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_sample_event_validates_against_its_contract(name: str) -> None:
    # GIVEN a sample event / WHEN it is validated / THEN it is accepted by its model
    assert CONTRACTS[name].model_validate(load_event(name))


@pytest.fixture
def fakes() -> Fakes:
    fakes = Fakes()
    fakes.drop.put(SAMPLE_KEY, product_photo(), content_type="image/jpeg")
    return fakes


def test_handlers_run_the_sample_batch_end_to_end(fakes: Fakes) -> None:
    # GIVEN the sample photo in the drop bucket
    deps = fakes.deps()

    # WHEN each handler gets its sample event, in the state machine's order
    ingested = call("ingest", load_event("api/ingest_request.json"), deps)
    plan = call("resolve_rules", load_event("sfn/resolve_rules.input.json"), deps)
    processed = call("process", load_event("sfn/process.input.json"), deps)
    gated = call("compliance_gate", load_event("sfn/compliance_gate.input.json"), deps)
    settled = call("billing", load_event("sfn/billing.charge.input.json"), deps)
    published = call("publish", load_event("sfn/publish.input.json"), deps)

    # THEN the batch went through every step, and the results are JSON contracts
    assert ingested["batches"][0]["execution_name"] == "b-sample-r1"
    assert plan["preset_key"] == "amazon-main@1.0.0"
    assert processed["status"] == "PROCESSED" and gated["item_id"] == "i00000"
    assert settled == {
        "batch_id": "b-sample",
        "item_id": "i00000",
        "status": "CHARGED",
        "charged_minor": 5,
        "newly_charged": True,
    }
    assert published["total"] == 1 and published["failed"] == 0
    assert published["manifest_key"] in fakes.outputs.objects


def test_billing_handler_records_the_sample_failure(fakes: Fakes) -> None:
    # GIVEN the sample batch, ingested
    call("ingest", load_event("api/ingest_request.json"), fakes.deps())

    # WHEN the Catch's failure event is settled
    out = call("billing", load_event("sfn/billing.fail.input.json"), fakes.deps())

    # THEN the item failed with the error named in the event, uncharged
    record = fakes.items.rows[("acme", "b-sample", "i00000")]
    assert out["status"] == "FAILED" and fakes.billing.debits == 0
    assert record.error_message == "red mug(1).jpg: image data is truncated"


def test_publish_handler_reports_an_unplanned_batch_failed(fakes: Fakes) -> None:
    # GIVEN the sample batch, ingested but never planned
    call("ingest", load_event("api/ingest_request.json"), fakes.deps())

    # WHEN it is published with the planning error
    out = call("publish", load_event("sfn/publish.unplanned.input.json"), fakes.deps())

    # THEN every item is failed with that error and the batch failed
    assert out["status"] == "FAILED"
    assert fakes.items.rows[("acme", "b-sample", "i00000")].error_kind == "RulePackNotFoundError"
    assert fakes.batches.rows[("acme", "b-sample")].status is BatchStatus.FAILED


def test_ingest_handler_accepts_the_s3_notification(fakes: Fakes) -> None:
    # GIVEN / WHEN the sample S3 notification reaches ingest
    out = call("ingest", load_event("s3/object_created.json"), fakes.deps())

    # THEN a batch holds the decoded key
    batch_id = out["batches"][0]["batch_id"]
    assert [i.source_key for i in fakes.items.list("acme", batch_id)] == [SAMPLE_KEY]
    assert fakes.items.rows[("acme", batch_id, "i00000")].status is ItemStatus.PENDING


def test_handler_rejects_a_payload_that_breaks_its_contract(fakes: Fakes) -> None:
    # GIVEN a process payload without an item id
    event = {"batch_id": "b-sample", "workspace_id": "acme"}

    # WHEN / THEN the handler fails permanently, naming the missing field
    with pytest.raises(PermanentError, match="process input: item_id: Field required"):
        call("process", event, fakes.deps())


def test_policy_sync_handler_reports_changes_once() -> None:
    # GIVEN no policy state recorded yet
    deps = PolicyDeps(states=MemoryPolicyStates(), clock=TickingClock())
    event = load_event("eventbridge/policy_sync.json")

    # WHEN the schedule fires twice
    first = call("policy_sync", event, deps)
    second = call("policy_sync", event, deps)

    # THEN the first run reports every shipped pack as new and the second reports nothing
    assert first["changed_count"] == first["checked"] > 0
    assert first["checked_at"].startswith("2026-11-26T06:00:00")
    assert second["changed_count"] == 0
