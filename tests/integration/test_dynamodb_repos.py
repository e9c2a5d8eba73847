"""DynamoDB repositories on moto: conditional creation, optimistic versions, idempotent debits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.dynamodb_repos import (
    DynamoBatches,
    DynamoItems,
    DynamoOutputs,
    DynamoPresets,
    DynamoWorkspaces,
)
from pixellift.adapters.aws.errors import translated
from pixellift.adapters.aws.ledger import DynamoLedgerBilling
from pixellift.core.contracts.records import (
    BatchRecord,
    ChargeRequest,
    ItemRecord,
    ItemStatus,
    OutputRecord,
    PresetVersion,
    Workspace,
)
from pixellift.core.errors import (
    StoreRequestError,
    StoreUnavailableError,
)

from tests.fakes.pipeline import TickingClock

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def batch(**changes: object) -> BatchRecord:
    return BatchRecord.model_validate(
        {"batch_id": "b-1", "workspace_id": "acme", "marketplace": "amazon", "created_at": NOW}
        | changes
    )


def item(item_id: str = "i00000") -> ItemRecord:
    return ItemRecord(
        workspace_id="acme", batch_id="b-1", item_id=item_id, name="a.jpg", stem="a", source_key="k"
    )


def output() -> OutputRecord:
    return OutputRecord(
        workspace_id="acme",
        content_key="c-1",
        output_key="objects/c-1.jpg",
        steps_key="objects/c-1.steps.json",
        output_bytes=10,
        extension=".jpg",
        input_sha256="ab",
        preset_digest="p",
        ruleset_digest="r",
        seconds=1.0,
        created_at=NOW,
    )


def test_create_stores_once(tables: Tables) -> None:
    # GIVEN a stored batch
    batches = DynamoBatches(tables)
    assert batches.create(batch())

    # WHEN the same id is created again with other content
    again = batches.create(batch(marketplace="etsy"))

    # THEN nothing changed
    stored = batches.get("acme", "b-1")
    assert not again and stored is not None and stored.marketplace == "amazon"


def test_replace_writes_the_next_version(tables: Tables) -> None:
    # GIVEN a stored item
    items = DynamoItems(tables)
    items.create(item())

    # WHEN a change based on the stored version is written
    written = items.replace(item().model_copy(update={"status": ItemStatus.PROCESSING}))

    # THEN it is stored with the next version
    assert written is not None and written.version == 1
    assert items.get("acme", "b-1", "i00000") == written


def test_replace_from_a_stale_version_is_refused(tables: Tables) -> None:
    # GIVEN an item that another writer changed already
    items = DynamoItems(tables)
    items.create(item())
    items.replace(item().model_copy(update={"attempts": 1}))

    # WHEN a change based on the old version is written
    stale = items.replace(item().model_copy(update={"attempts": 5}))

    # THEN it is refused and the other writer's change stays
    stored = items.get("acme", "b-1", "i00000")
    assert stale is None and stored is not None and stored.attempts == 1


def test_items_list_in_item_id_order(tables: Tables) -> None:
    # GIVEN items created out of order / WHEN listed / THEN they come back by id
    items = DynamoItems(tables)
    for item_id in ("i00002", "i00000", "i00001"):
        items.create(item(item_id))
    assert [i.item_id for i in items.list("acme", "b-1")] == ["i00000", "i00001", "i00002"]


def test_outputs_keep_the_first_record_of_a_content_key(tables: Tables) -> None:
    # GIVEN an output recorded for a content key
    outputs = DynamoOutputs(tables)
    record = output()
    outputs.add(record)

    # WHEN another record for the same key is added
    kept = outputs.add(record.model_copy(update={"output_bytes": 99}))

    # THEN the first one is kept and returned
    assert kept.output_bytes == 10 and outputs.get("acme", "c-1") == record


def test_another_workspace_finds_nothing_of_acmes_batches_items_or_outputs(tables: Tables) -> None:
    # GIVEN acme's batch, item and output, and a rival workspace using the same ids
    DynamoBatches(tables).create(batch())
    DynamoItems(tables).create(item())
    outputs = DynamoOutputs(tables)
    mine = output()
    outputs.add(mine)
    theirs = mine.model_copy(update={"workspace_id": "rival", "output_bytes": 7})

    # WHEN the rival reads by the same ids, and records an output of the same content key
    # THEN it finds nothing of acme's, and its own output does not replace acme's
    assert DynamoBatches(tables).get("rival", "b-1") is None
    assert DynamoItems(tables).get("rival", "b-1", "i00000") is None
    assert list(DynamoItems(tables).list("rival", "b-1")) == []
    assert outputs.get("rival", "c-1") is None
    assert outputs.add(theirs) == theirs
    assert outputs.get("acme", "c-1") == mine
    # AND a rival batch with acme's batch id is a separate record
    assert DynamoBatches(tables).create(batch(workspace_id="rival"))
    stored = DynamoBatches(tables).get("acme", "b-1")
    assert stored is not None and stored.workspace_id == "acme"


def test_presets_return_the_highest_version(tables: Tables) -> None:
    # GIVEN three versions of a preset (1.10.0 sorts below 1.9.0 as text)
    presets = DynamoPresets(tables)
    for version in ("1.9.0", "1.10.0", "1.2.0"):
        presets.add(
            PresetVersion(
                workspace_id="acme", name="shop", version=version, body={}, created_at=NOW
            )
        )

    # WHEN the latest and one named version are read
    latest = presets.get("acme", "shop")
    named = presets.get("acme", "shop", "1.2.0")

    # THEN the highest version wins by number, and a named one is exact
    assert latest is not None and latest.version == "1.10.0"
    assert named is not None and named.version == "1.2.0"
    assert not presets.add(
        PresetVersion(workspace_id="acme", name="shop", version="1.2.0", body={}, created_at=NOW)
    )


def test_workspaces_create_and_get(tables: Tables) -> None:
    # GIVEN / WHEN a workspace is created / THEN it reads back and cannot be created twice
    workspaces = DynamoWorkspaces(tables)
    acme = Workspace(workspace_id="acme", name="Acme", created_at=NOW)
    assert workspaces.create(acme) and not workspaces.create(acme)
    assert workspaces.get("acme") == acme and workspaces.get("other") is None


def test_ledger_debits_each_idempotency_key_once(tables: Tables) -> None:
    # GIVEN the flat-price ledger
    billing = DynamoLedgerBilling(tables, price_minor=7, currency="EUR", clock=TickingClock())
    request = ChargeRequest(
        workspace_id="acme",
        idempotency_key="charge:acme:c-1",
        batch_id="b-1",
        item_id="i00000",
        description="a",
    )

    # WHEN the same debit is made twice (a retry)
    first = billing.debit(request)
    second = billing.debit(request.model_copy(update={"batch_id": "b-2"}))

    # THEN one entry exists; the repeat returns it, marked not created
    assert first.created and first.amount_minor == 7 and first.currency == "EUR"
    assert not second.created and second.batch_id == "b-1"
    assert [c.entry_id for c in billing.entries("acme")] == ["charge:acme:c-1"]


def _client_error(code: str, status: int) -> ClientError:
    response: Any = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "PutItem")


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("ProvisionedThroughputExceededException", 400, StoreUnavailableError),
        ("ThrottlingException", 400, StoreUnavailableError),
        ("InternalServerError", 500, StoreUnavailableError),
        ("ValidationException", 400, StoreRequestError),
        ("ResourceNotFoundException", 400, StoreRequestError),
    ],
)
def test_sdk_errors_become_transient_or_permanent(
    code: str, status: int, kind: type[Exception]
) -> None:
    # GIVEN / WHEN an SDK error is raised inside the translation / THEN its class follows its code
    with pytest.raises(kind, match=f"items: {code}") as caught, translated("items"):
        raise _client_error(code, status)
    assert type(caught.value) is kind
