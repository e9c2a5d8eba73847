from __future__ import annotations

from pathlib import Path

import pytest
from pixellift.adapters.endpoint.config import EndpointConfig
from pixellift.adapters.endpoint.jobs import Limits
from pixellift.adapters.settings import Settings


def _config(env: dict[str, str], kind: str = "segmentation") -> EndpointConfig:
    return EndpointConfig.from_env(
        kind, env, model_dir=Path("/opt/ml/model"), host="0.0.0.0", cpu_count=16
    )


def test_config_defaults_follow_the_sagemaker_contract():
    # GIVEN an empty environment
    # WHEN the configuration is read
    config = _config({})

    # THEN it serves on 8080 from /opt/ml/model with the default limits and 8 workers
    assert (config.port, config.model_dir, config.workers) == (8080, Path("/opt/ml/model"), 8)
    assert config.limits == Limits()
    assert config.segmentation_model == "u2netp"


def test_config_reads_every_variable():
    # GIVEN an environment setting every variable
    env = {
        "SAGEMAKER_BIND_TO_PORT": "9090",
        "PIXELLIFT_ENDPOINT_MODEL_DIR": "/models",
        "PIXELLIFT_SEGMENTATION_MODEL": "isnet-general-use",
        "PIXELLIFT_THREADS": "2",
        "PIXELLIFT_ENDPOINT_WORKERS": "3",
        "PIXELLIFT_ENDPOINT_MAX_REQUEST_BYTES": "1000",
        "PIXELLIFT_ENDPOINT_MAX_BATCH": "4",
        "PIXELLIFT_MAX_PIXELS": "5000",
        "PIXELLIFT_OCR_MIN_CONFIDENCE": "0.7",
    }

    # WHEN the configuration is read
    config = _config(env, "ocr")

    # THEN each value is taken
    assert config == EndpointConfig(
        kind="ocr",
        model_dir=Path("/models"),
        host="0.0.0.0",
        port=9090,
        segmentation_model="isnet-general-use",
        threads=2,
        workers=3,
        limits=Limits(max_request_bytes=1000, max_batch=4, max_pixels=5000),
        ocr_min_confidence=0.7,
    )


@pytest.mark.parametrize(
    ("env", "kind", "message"),
    [
        ({}, "detection", "unknown endpoint 'detection'"),
        (
            {"PIXELLIFT_ENDPOINT_WORKERS": "many"},
            "ocr",
            "PIXELLIFT_ENDPOINT_WORKERS must be an integer",
        ),
        (
            {"PIXELLIFT_ENDPOINT_MAX_BATCH": "0"},
            "ocr",
            "PIXELLIFT_ENDPOINT_MAX_BATCH must be at least 1",
        ),
        ({"SAGEMAKER_BIND_TO_PORT": "70000"}, "ocr", "must be a TCP port"),
        ({"PIXELLIFT_OCR_MIN_CONFIDENCE": "2"}, "ocr", r"must be in \[0, 1\]"),
    ],
)
def test_config_names_the_variable_it_cannot_use(env, kind, message):
    # GIVEN / WHEN / THEN a malformed setting is refused with its name
    with pytest.raises(ValueError, match=message):
        _config(env, kind)


def test_config_and_settings_read_the_execution_providers(tmp_path: Path) -> None:
    # GIVEN the providers an operator sets for a GPU image
    env = {"PIXELLIFT_ONNX_PROVIDERS": "CUDAExecutionProvider, CPUExecutionProvider"}
    # WHEN the endpoint's configuration and the settings are read
    config = _config(env)
    settings = Settings.from_env(env | {"HOME": str(tmp_path)})
    # THEN both carry them, in order; unset means the best available
    assert config.providers == ("CUDAExecutionProvider", "CPUExecutionProvider")
    assert settings.onnx_providers == config.providers
    assert Settings.from_env({"HOME": str(tmp_path)}).onnx_providers == ()
