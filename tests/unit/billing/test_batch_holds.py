"""The pipeline's batch hold: reserved at the start, released at the end, only where supported."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from pixellift.core.billing.money import Money
from pixellift.core.billing.ports import BatchHolds
from pixellift.core.contracts.records import BatchRecord, Charge, ChargeRequest
from pixellift.core.pipeline.billing_step import release_batch, reserve_batch
from pixellift.core.pipeline.deps import PipelineDeps

pytestmark = pytest.mark.unit
BATCH = BatchRecord(
    batch_id="b-1",
    workspace_id="acme",
    marketplace="amazon",
    created_at=datetime(2026, 11, 26, tzinfo=UTC),
    item_count=3,
)


class HoldingBilling:
    currency = "USD"

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def debit(self, request: ChargeRequest) -> Charge:
        raise NotImplementedError

    def reserve(
        self,
        workspace_id: str,
        batch_id: str,
        items: int,
        preset: str | None = None,
        queue: str | None = None,
    ) -> Money:
        self.calls.append(("reserve", workspace_id, batch_id, str(items)))
        return Money.of(5 * items, "USD")

    def release(self, workspace_id: str, batch_id: str) -> Money | None:
        self.calls.append(("release", workspace_id, batch_id))
        return None


class FlatBilling:
    currency = "USD"

    def debit(self, request: ChargeRequest) -> Charge:
        raise NotImplementedError


def deps(billing: object) -> PipelineDeps:
    return cast("PipelineDeps", cast("Any", type("Deps", (), {"billing": billing})()))


def test_a_billing_with_holds_reserves_the_batch_and_releases_it() -> None:
    billing = HoldingBilling()
    assert isinstance(billing, BatchHolds)
    reserve_batch(BATCH, deps(billing))
    release_batch(BATCH, deps(billing))
    assert billing.calls == [("reserve", "acme", "b-1", "3"), ("release", "acme", "b-1")]


def test_a_billing_without_holds_is_left_alone() -> None:
    billing = FlatBilling()
    assert not isinstance(billing, BatchHolds)
    reserve_batch(BATCH, deps(billing))
    release_batch(BATCH, deps(billing))
