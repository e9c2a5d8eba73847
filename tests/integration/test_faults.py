"""Faults on the local runtime: transient errors are retried, a permanent one fails alone."""

from __future__ import annotations

import numpy as np
from pixellift.adapters.clock import SystemClock
from pixellift.adapters.local.runtime import LocalRuntime
from pixellift.adapters.settings import Settings
from pixellift.core.contracts.records import ItemStatus
from pixellift.core.pipeline.autofix import FixServices

from tests.fakes.photos import busy_photo, product_photo
from tests.fakes.pipeline import FlakySegmenter
from tests.fakes.segmenters import FakeSegmenter
from tests.integration.batches import items, ledger, run

BOX = np.zeros((8, 8), np.float32)
BOX[2:6, 2:6] = 1.0


def test_transient_model_error_is_retried_then_succeeds(settings: Settings) -> None:
    # GIVEN a photo that needs the model, and a model endpoint that times out once
    segmenter = FlakySegmenter(1, FakeSegmenter(BOX))
    fix = FixServices(segmenter=segmenter, clock=SystemClock())

    # WHEN the batch runs
    with LocalRuntime(settings, fix=fix) as runtime:
        batch, state = run(runtime, {"busy.png": busy_photo()})
        record = items(runtime, batch.batch_id)["busy.png"]
        charges = ledger(runtime)
        entered = runtime.states_entered(batch.execution_arn or "")

    # THEN the Retry ran the task again: two attempts, one charge, no failure recorded
    assert state.status == "SUCCEEDED" and segmenter.calls == 2
    assert (record.status, record.attempts) == (ItemStatus.CHARGED, 2)
    assert charges == [f"charge:acme:{record.content_key}"]
    assert "Record Failure" not in entered


def test_permanent_error_fails_only_its_item_and_is_not_retried(settings: Settings) -> None:
    # GIVEN a good photo and a JPEG cut off halfway
    good = product_photo()
    cut = product_photo(shade=120)[: len(good) // 2]
    fix = FixServices(segmenter=None, clock=SystemClock())

    # WHEN the batch runs
    with LocalRuntime(settings, fix=fix) as runtime:
        batch, state = run(runtime, {"good.jpg": good, "cut.jpg": cut})
        by_name = items(runtime, batch.batch_id)
        charges = ledger(runtime)

    # THEN the cut file failed once with its cause, the good one was charged, the batch is partial
    failed = by_name["cut.jpg"]
    assert (failed.status, failed.attempts, failed.error_kind) == (
        ItemStatus.FAILED,
        1,
        "CorruptImageError",
    )
    assert failed.error_message is not None and "cut.jpg" in failed.error_message
    assert by_name["good.jpg"].status is ItemStatus.CHARGED
    assert charges == [f"charge:acme:{by_name['good.jpg'].content_key}"]
    assert state.output is not None and state.output["status"] == "PARTIAL"


def test_unknown_marketplace_fails_every_item_with_the_cause(settings: Settings) -> None:
    # GIVEN a batch for a marketplace that has no rule pack
    fix = FixServices(segmenter=None, clock=SystemClock())

    # WHEN it runs
    with LocalRuntime(settings, fix=fix) as runtime:
        batch, state = run(runtime, {"a.jpg": product_photo()}, marketplace="nowhere")
        record = items(runtime, batch.batch_id)["a.jpg"]

    # THEN the plan failed, Publish reported the batch failed, and nothing was charged
    assert state.output is not None and state.output["status"] == "FAILED"
    assert (record.status, record.error_kind) == (ItemStatus.FAILED, "RulePackNotFoundError")
    assert record.error_message is not None and "nowhere" in record.error_message
    assert record.charged_minor == 0
