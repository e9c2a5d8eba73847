"""The process function in worker processes: separate environments on the runtime's AWS endpoint."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from pixellift.adapters.local.runtime import LocalRuntime
from pixellift.adapters.settings import Settings
from pixellift.core.contracts.records import BatchStatus, ItemStatus
from pixellift.core.pipeline.autofix import FixServices

from tests.fakes.photos import product_photo
from tests.integration.batches import items, ledger, run


@pytest.fixture
def worker_settings(settings: Settings) -> Settings:
    """The test's state folder with the machine's model cache (workers load the model)."""
    return replace(settings, model_dir=Settings.from_env(os.environ).model_dir)


@pytest.mark.slow
def test_a_batch_runs_in_two_worker_processes_with_partial_success(
    worker_settings: Settings,
) -> None:
    # GIVEN two photos and a file that is not one, and a runtime with two worker processes
    photos = {"a.jpg": product_photo(shade=40), "b.jpg": product_photo(shade=90)}
    photos["broken.jpg"] = b"not a photo"
    with LocalRuntime(worker_settings, worker_processes=2) as runtime:
        # WHEN the batch runs
        batch, state = run(runtime, photos)
        found = items(runtime, batch.batch_id)
        stored = runtime.deps.batches.get(batch.workspace_id, batch.batch_id)
        charges = ledger(runtime)
        outputs = [runtime.deps.outputs.head(i.output_key) for i in found.values() if i.output_key]
        in_workers = runtime.worker_pools["process"].invocations
        peaks = runtime.worker_pools["process"].peak_rss_mb()

    # THEN the photos were processed and charged once, and the broken file failed by its name
    assert state.status == "SUCCEEDED"
    assert stored is not None and stored.status == BatchStatus.PARTIAL
    assert found["a.jpg"].status == found["b.jpg"].status == ItemStatus.CHARGED
    assert found["broken.jpg"].status == ItemStatus.FAILED
    assert found["broken.jpg"].error_kind == "UnsupportedImageFormatError"
    assert len(outputs) == 2 and None not in outputs
    assert len(charges) == 2
    # every process task ran in the worker processes, each of which reports its peak memory
    assert in_workers == len(photos)
    assert 1 <= len(peaks) <= 2 and all(peak > 50 for peak in peaks)  # noqa: PLR2004 - MB


def test_workers_and_injected_services_do_not_mix(settings: Settings) -> None:
    fix = FixServices(segmenter=None, clock=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pass fix or workers"):
        LocalRuntime(settings, fix=fix, worker_processes=2)
