"""A batch holds its cost at the start and releases the rest at the end (local runtime)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pixellift.adapters.clock import SystemClock
from pixellift.adapters.local.runtime import LocalRuntime
from pixellift.adapters.settings import Settings
from pixellift.core.billing.buckets import Bucket, account_of
from pixellift.core.billing.invariants import violations
from pixellift.core.billing.ledger import MAIN, HoldStatus
from pixellift.core.billing.money import Money
from pixellift.core.errors import PermanentError
from pixellift.core.pipeline.autofix import FixServices

from tests.fakes.photos import product_photo
from tests.integration.batches import run

FAST = FixServices(segmenter=None, clock=SystemClock())
PHOTOS = {"a.jpg": product_photo(shade=40), "b.jpg": product_photo(shade=90), "bad.jpg": b"no"}

pytestmark = pytest.mark.slow


def prepaid(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "HOME": str(tmp_path),
            "PIXELLIFT_STATE_DIR": str(tmp_path / "state"),
            "PIXELLIFT_CREDIT_ALLOWANCE": "0",
        }
    )


def test_a_batch_holds_its_estimate_posts_per_item_and_voids_the_rest(tmp_path: Path) -> None:
    with LocalRuntime(prepaid(tmp_path), fix=FAST) as runtime:
        billing = runtime.deps.billing
        # GIVEN 1.00 prepaid
        billing.open_workspace("acme")  # type: ignore[attr-defined]
        billing.ledger.top_up("acme", "t-1", Money.of(100, "USD"))  # type: ignore[attr-defined]
        # WHEN three files run (one is not a photo)
        batch, state = run(runtime, PHOTOS)
        store = billing.ledger.store  # type: ignore[attr-defined]
        hold = store.hold("acme", f"hold:{batch.batch_id}")
        main = store.account("acme", MAIN)
        sound = violations(store.accounts("acme"), store.holds("acme"))
    # THEN 3 × 0.05 was held, two items posted, the third's share released
    assert state.status == "SUCCEEDED"
    assert hold is not None and (hold.amount, hold.posted, hold.status) == (
        15,
        10,
        HoldStatus.POSTED,
    )
    assert main is not None and (main.posted, main.pending_out) == (90, 0)
    assert sound == []


def test_a_batch_the_balance_does_not_cover_does_not_start(tmp_path: Path) -> None:
    with LocalRuntime(prepaid(tmp_path), fix=FAST) as runtime:
        billing = runtime.deps.billing
        billing.open_workspace("acme")  # type: ignore[attr-defined]
        billing.ledger.top_up("acme", "t-1", Money.of(10, "USD"))  # type: ignore[attr-defined]
        with pytest.raises(PermanentError, match="account main has 10 USD available"):
            run(runtime, PHOTOS)


@pytest.mark.parametrize(
    "binding", [{"presets": ("amazon-main",)}, {"queues": ("acme/run/",)}], ids=["preset", "queue"]
)
def test_a_bucket_bound_to_the_batch_pays_for_it(tmp_path: Path, binding: dict) -> None:
    with LocalRuntime(prepaid(tmp_path), fix=FAST) as runtime:
        billing = runtime.deps.billing
        # GIVEN 1.00 on the main account, and client EU's bucket bound to the batch with 0.50
        billing.open_workspace("acme")  # type: ignore[attr-defined]
        billing.ledger.top_up("acme", "t-1", Money.of(100, "USD"))  # type: ignore[attr-defined]
        buckets = billing.buckets  # type: ignore[attr-defined]
        buckets.create("acme", Bucket(bucket_id="eu", client_code="EU-7", **binding))
        buckets.fund("acme", "eu", "lot-1", Money.of(50, "USD"), po_number="PO-1")
        # WHEN a batch from that queue, with that preset, runs (two photos and a non-photo)
        batch, state = run(runtime, PHOTOS)
        store = billing.ledger.store  # type: ignore[attr-defined]
        main = store.account("acme", MAIN)
        eu = store.account("acme", account_of("eu"))
        hold = store.hold("acme", f"hold:{batch.batch_id}")
        sound = violations(store.accounts("acme"), store.holds("acme"))
    # THEN the bucket held and paid for the two photos; the main account is untouched
    assert state.status == "SUCCEEDED"
    assert hold is not None and hold.posted == 10
    assert eu is not None and (eu.posted, eu.pending_out) == (40, 0)
    assert main is not None and (main.posted, main.pending_out) == (100, 0)
    assert sound == []
