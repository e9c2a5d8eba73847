"""Composition root: wires adapters into the services the use cases need."""

from __future__ import annotations

from functools import cache

from pixellift.adapters.clock import SystemClock
from pixellift.adapters.local.model_cache import ModelCache
from pixellift.adapters.local.onnx_models import load_segmenter
from pixellift.adapters.settings import Settings
from pixellift.core.pipeline.autofix import FixServices


@cache
def build_fix_services(settings: Settings) -> FixServices:
    """Services for the Auto-Fix pipeline: the configured segmenter and the system clock.

    Cached per settings, so a process (a CLI run, a warm Lambda container) loads the model once.
    """
    segmenter = load_segmenter(
        settings.segmentation_model, ModelCache(settings.model_dir), threads=settings.threads
    )
    return FixServices(segmenter=segmenter, clock=SystemClock(), max_pixels=settings.max_pixels)
