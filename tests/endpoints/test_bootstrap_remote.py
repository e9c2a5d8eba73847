"""The composition root chooses the remote segmentation endpoint from configuration."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image
from pixellift.adapters.bootstrap import build_fix_services
from pixellift.adapters.endpoint.clients import RemoteSegmenter
from pixellift.adapters.settings import Settings
from pixellift.core.pipeline.autofix import fix_photo
from pixellift.core.pipeline.preset_schema import SegmentationSettings, SizeSettings
from pixellift.core.pipeline.presets import load_preset


def _settings(tmp_path: Path, endpoint: str) -> Settings:
    env = {
        "HOME": str(tmp_path),
        "PIXELLIFT_SEGMENTATION_ENDPOINT": endpoint,
        "PIXELLIFT_MODEL_DIR": str(tmp_path / "no-models"),
    }
    return Settings.from_env(env)


def test_settings_read_a_bare_endpoint_name_as_sagemaker(tmp_path: Path) -> None:
    # GIVEN the endpoint name as CDK sets it / WHEN parsed / THEN it is a SageMaker target
    settings = _settings(tmp_path, "pixellift-dev-segmentation")
    assert settings.segmentation_endpoint == "sagemaker:pixellift-dev-segmentation"


def test_fix_runs_through_the_configured_http_endpoint(serve, segmentation_server, tmp_path):
    # GIVEN settings naming a running segmentation server, and no local model at all
    settings = _settings(tmp_path, segmentation_server.url)
    services = build_fix_services(settings)
    assert isinstance(services.segmenter, RemoteSegmenter)

    # WHEN a photo on a busy background (so the model path is taken) is fixed
    rng = np.random.default_rng(7)  # fixed seed: a textured backdrop the classical path refuses
    rgb = rng.integers(0, 255, (240, 320, 3), dtype=np.uint8)
    rgb[60:180, 100:220] = (250, 250, 250)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    preset = load_preset("amazon-main").model_copy(
        update={
            "size": SizeSettings(width=300, height=300),
            "segmentation": SegmentationSettings(mode="model"),
        }
    )
    try:
        result = fix_photo(buf.getvalue(), "busy.png", preset, services)
    finally:
        build_fix_services.cache_clear()
        services.segmenter._invoker.transport.close()  # the keep-alive connection of this test

    # THEN the segment step used the remote model and the output has the preset's size
    segment = next(s for s in result.step_log.steps if s.name == "segment")
    assert segment.results["method"] == f"model:{services.segmenter.name}"
    assert (result.output.rows, result.output.cols) == (300, 300)
