"""The Overrun Shield on the local runtime: a prepaid workspace funded for 2 of 4 photos.

Each photo costs 0.05 USD; the workspace holds 0.10. Without a policy the batch is refused (see
test_billing_batch_holds.py); with one, the policy decides at the third item's boundary.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from pixellift.adapters.aws.audit_local import audit_table
from pixellift.adapters.aws.audit_store import DynamoAuditStore
from pixellift.adapters.clock import SystemClock
from pixellift.adapters.local.runtime import LocalRuntime
from pixellift.adapters.settings import Settings
from pixellift.cli.credits_command import credits_app
from pixellift.core.audit.encoding import decode_entry
from pixellift.core.billing.invariants import violations
from pixellift.core.billing.ledger import MAIN
from pixellift.core.billing.money import Money
from pixellift.core.billing.shield import OverrunPolicy, ShieldPolicy, set_policy
from pixellift.core.contracts.records import BatchStatus, ItemStatus
from pixellift.core.contracts.tasks import IngestRequest, SourceObject
from pixellift.core.pipeline.autofix import FixServices
from typer.testing import CliRunner

from tests.fakes.photos import product_photo
from tests.integration.batches import items, run, wait

FAST = FixServices(segmenter=None, clock=SystemClock())
PHOTOS = {f"p{i}.jpg": product_photo(shade=30 + 30 * i) for i in range(4)}
AT = datetime(2026, 11, 26, tzinfo=UTC)

pytestmark = pytest.mark.slow


@pytest.fixture
def prepaid(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "HOME": str(tmp_path),
            "PIXELLIFT_STATE_DIR": str(tmp_path / "state"),
            "PIXELLIFT_CREDIT_ALLOWANCE": "0",
        }
    )


def fund(runtime: LocalRuntime, policy: OverrunPolicy, cents: int = 10) -> Any:
    """Open the workspace's ledger with ``cents`` and store the policy; return the billing."""
    billing: Any = runtime.deps.billing
    billing.open_workspace("acme")
    billing.ledger.top_up("acme", "t-1", Money.of(cents, "USD"))
    set_policy(
        billing.settings, billing.ledger, billing.audit, "acme", policy, at=AT, actor="user:ana"
    )
    return billing


def statuses(runtime: LocalRuntime, batch_id: str) -> dict[str, ItemStatus]:
    return {name: item.status for name, item in items(runtime, batch_id).items()}


def shield_events(runtime: LocalRuntime) -> list[dict[str, Any]]:
    """What the Overrun Shield recorded in the workspace's audit log."""
    settings = runtime.settings
    store = DynamoAuditStore(
        boto3.client("dynamodb", region_name=settings.region), audit_table(settings)
    )
    events = [decode_entry(e.data).event for e in store.entries("acme")]
    return [e["after"] for e in events if e["actor"] == "system:overrun-shield"]


def sound(billing: Any) -> list[str]:
    store = billing.ledger.store
    return violations(store.accounts("acme"), store.holds("acme"))


def test_grace_finishes_the_batch_on_the_grace_allowance(prepaid: Settings) -> None:
    with LocalRuntime(prepaid, fix=FAST) as runtime:
        # GIVEN 0.10 prepaid and a grace allowance of 0.10
        billing = fund(runtime, OverrunPolicy(policy=ShieldPolicy.GRACE, grace_minor=10))
        # WHEN four photos run
        batch, state = run(runtime, PHOTOS)
        record = runtime.deps.batches.get("acme", batch.batch_id)
        main = billing.ledger.account("acme", MAIN)
        found = statuses(runtime, batch.batch_id)
        events = shield_events(runtime)
        broken = sound(billing)
    # THEN every photo is charged, the balance is 0.10 below zero, and the batch says so
    assert state.status == "SUCCEEDED"
    assert set(found.values()) == {ItemStatus.CHARGED}
    assert (main.posted, main.pending_out, main.allowance) == (-10, 0, 10)
    assert record is not None and record.counts["failed"] == 0
    assert record.status is not BatchStatus.PAUSED and "deferred" not in record.counts
    assert (record.overrun, record.grace_used_minor, record.charged_minor) == ("grace", 10, 20)
    assert record.error is not None and "grace allowance" in record.error
    assert [e["overrun"] for e in events] == ["grace"] and events[0]["grace_used_minor"] == 10
    assert broken == []


def test_split_closes_the_batch_and_opens_a_continuation(prepaid: Settings) -> None:
    with LocalRuntime(prepaid, fix=FAST) as runtime:
        # GIVEN 0.10 prepaid and the split policy
        billing = fund(runtime, OverrunPolicy(policy=ShieldPolicy.SPLIT))
        # WHEN four photos run
        batch, state = run(runtime, PHOTOS)
        record = runtime.deps.batches.get("acme", batch.batch_id)
        found = statuses(runtime, batch.batch_id)
        cont = runtime.deps.batches.get("acme", f"{batch.batch_id}.c1")
        cont_items = items(runtime, f"{batch.batch_id}.c1")
        main = billing.ledger.account("acme", MAIN)
        charged = [c.item_id for c in billing.entries("acme")]
        events = shield_events(runtime)
        broken = sound(billing)
    # THEN two photos are charged, two deferred, and the batch is closed as partly done
    assert state.status == "SUCCEEDED"
    assert found == {
        "p0.jpg": ItemStatus.CHARGED,
        "p1.jpg": ItemStatus.CHARGED,
        "p2.jpg": ItemStatus.DEFERRED,
        "p3.jpg": ItemStatus.DEFERRED,
    }
    assert record is not None and record.status is BatchStatus.PARTIAL
    assert record.counts["succeeded"] + record.counts["blocked"] == 2
    assert (record.counts["failed"], record.counts["deferred"], record.counts["paused"]) == (
        0,
        2,
        0,
    )
    assert (record.overrun, record.continued_in, record.charged_minor) == (
        "split",
        cont.batch_id if cont else None,
        10,
    )
    assert sorted(charged) == ["i00000", "i00001"] and (main.posted, main.pending_out) == (0, 0)
    # AND the continuation holds exactly the deferred photos, with the batch's settings and plan
    assert cont is not None and cont.status is BatchStatus.RECEIVED
    assert (cont.continuation_of, cont.item_count, cont.runs) == (batch.batch_id, 2, 0)
    assert (cont.marketplace, cont.role, cont.preset, cont.plan) == (
        record.marketplace,
        record.role,
        record.preset,
        record.plan,
    )
    assert sorted(i.source_key for i in cont_items.values()) == [
        "acme/run/p2.jpg",
        "acme/run/p3.jpg",
    ]
    assert [e["deferred"] for e in events] == [["i00002", "i00003"]]
    assert broken == []


def test_split_continuation_runs_after_a_top_up(prepaid: Settings) -> None:
    with LocalRuntime(prepaid, fix=FAST) as runtime:
        # GIVEN a batch split at the balance
        billing = fund(runtime, OverrunPolicy(policy=ShieldPolicy.SPLIT))
        batch, _ = run(runtime, PHOTOS)
        cont_id = f"{batch.batch_id}.c1"
        sources = tuple(
            SourceObject(key=i.source_key, etag=i.source_etag)
            for i in items(runtime, cont_id).values()
        )
        # WHEN the workspace tops up and the continuation is ingested by its id
        billing.ledger.top_up("acme", "t-2", Money.of(10, "USD"))
        request = IngestRequest(
            workspace_id="acme", marketplace="amazon", keys=sources, batch_id=cont_id
        )
        started = runtime.ingest(request).batches[0]
        state = wait(runtime, started.execution_arn or "")
        cont = runtime.deps.batches.get("acme", cont_id)
        main = billing.ledger.account("acme", MAIN)
    # THEN its two photos are charged once each and the balance is spent exactly
    assert state.status == "SUCCEEDED" and not started.created
    assert cont is not None and cont.status in {BatchStatus.COMPLETED, BatchStatus.PARTIAL}
    assert (cont.charged_minor, cont.counts["failed"], cont.overrun) == (10, 0, None)
    assert (main.posted, main.pending_out) == (0, 0)


def test_pause_keeps_the_rest_pending_and_a_resumed_run_finishes_after_a_top_up(
    prepaid: Settings,
) -> None:
    with LocalRuntime(prepaid, fix=FAST) as runtime:
        # GIVEN 0.10 prepaid and the pause policy
        billing = fund(runtime, OverrunPolicy(policy=ShieldPolicy.PAUSE))
        # WHEN four photos run
        batch, state = run(runtime, PHOTOS)
        paused = runtime.deps.batches.get("acme", batch.batch_id)
        found = statuses(runtime, batch.batch_id)
        # AND, after a top-up of 0.10, the batch is resumed
        billing.ledger.top_up("acme", "t-2", Money.of(10, "USD"))
        _, resumed_state = run(runtime, PHOTOS)
        resumed = runtime.deps.batches.get("acme", batch.batch_id)
        after = statuses(runtime, batch.batch_id)
        main = billing.ledger.account("acme", MAIN)
        entries = [c.item_id for c in billing.entries("acme")]
        events = shield_events(runtime)
        broken = sound(billing)
    # THEN the first run stops before the third photo: PAUSED, with a notice and an audit event
    assert state.status == "SUCCEEDED"
    assert list(found.values()) == [ItemStatus.CHARGED] * 2 + [ItemStatus.PENDING] * 2
    assert paused is not None and paused.status is BatchStatus.PAUSED
    assert paused.held_back == ("i00002", "i00003") and paused.error is not None
    assert "paused at the spend limit: 2 items wait" in paused.error
    assert events[0]["overrun"] == "paused" and events[0]["deferred"] == ["i00002", "i00003"]
    # AND the resumed run charges the two waiting photos, each once
    assert resumed_state.status == "SUCCEEDED"
    assert set(after.values()) == {ItemStatus.CHARGED}
    assert resumed is not None and resumed.status in {BatchStatus.COMPLETED, BatchStatus.PARTIAL}
    assert resumed.counts["failed"] == 0 and resumed.charged_minor == 20
    assert (resumed.runs, resumed.held_back, resumed.overrun, resumed.error) == (2, (), None, None)
    assert sorted(entries) == ["i00000", "i00001", "i00002", "i00003"]
    assert (main.posted, main.pending_out) == (0, 0)
    assert broken == []


def test_a_paused_batch_resumed_without_a_top_up_stays_paused(prepaid: Settings) -> None:
    with LocalRuntime(prepaid, fix=FAST) as runtime:
        # GIVEN a batch paused at the balance
        billing = fund(runtime, OverrunPolicy(policy=ShieldPolicy.PAUSE))
        batch, _ = run(runtime, PHOTOS)
        # WHEN it is resumed with nothing added
        _, state = run(runtime, PHOTOS)
        record = runtime.deps.batches.get("acme", batch.batch_id)
        found = statuses(runtime, batch.batch_id)
        entries = [c.item_id for c in billing.entries("acme")]
    # THEN nothing more runs or is charged, and it is still paused
    assert state.status == "SUCCEEDED"
    assert record is not None and (record.status, record.runs) == (BatchStatus.PAUSED, 2)
    assert list(found.values()) == [ItemStatus.CHARGED] * 2 + [ItemStatus.PENDING] * 2
    assert sorted(entries) == ["i00000", "i00001"]


def test_the_policy_set_on_the_command_line_applies_to_pixellift_run(
    prepaid: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN 0.10 topped up and the grace policy chosen with `credits caps overrun`
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PIXELLIFT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PIXELLIFT_WORKSPACE", "acme")
    monkeypatch.setenv("PIXELLIFT_CREDIT_ALLOWANCE", "0")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    cli = CliRunner()
    for args in (["top-up", "0.10"], ["caps", "overrun", "grace", "--grace", "0.05"]):
        assert cli.invoke(credits_app, args).exit_code == 0
    shown = cli.invoke(credits_app, ["caps", "overrun"])
    refused = cli.invoke(credits_app, ["caps", "overrun", "split", "--grace", "0.05"])
    # WHEN four photos run
    with LocalRuntime(prepaid, fix=FAST) as runtime:
        batch, _ = run(runtime, PHOTOS)
        record = runtime.deps.batches.get("acme", batch.batch_id)
        found = statuses(runtime, batch.batch_id)
    # THEN the grace covers one more photo and the batch pauses before the fourth
    assert json.loads(shown.stdout) == {"policy": "grace", "grace_minor": 5}
    assert refused.exit_code != 0 and "only applies to the grace policy" in refused.output
    assert list(found.values()) == [ItemStatus.CHARGED] * 3 + [ItemStatus.PENDING]
    assert record is not None and record.status is BatchStatus.PAUSED
    assert (record.overrun, record.grace_used_minor, record.held_back) == ("paused", 5, ("i00003",))
