"""Environment settings of the CDK app (config) and their overrides from CDK context (context)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # the CDK app is a folder of the repository, not a package
    sys.path.insert(0, str(REPO_ROOT))

from infra.cdk.config import (  # noqa: E402
    MODEL_NAMES,
    ModelEndpointConfig,
    ServerlessInference,
    default_stages,
)
from infra.cdk.context import apply_overrides, stages_from_context  # noqa: E402


def test_default_stages_serve_dev_serverless_and_prod_on_instances() -> None:
    # GIVEN the built-in environments
    stages = default_stages()

    # WHEN / THEN dev uses serverless inference for every model and prod uses instances
    assert sorted(stages) == ["dev", "prod"]
    assert all(stages["dev"].model(name).serverless is not None for name in MODEL_NAMES)
    assert all(stages["prod"].model(name).serverless is None for name in MODEL_NAMES)
    assert stages["prod"].retain_data is True
    assert stages["dev"].retain_data is False


def test_apply_overrides_converts_command_line_strings_to_field_types() -> None:
    # GIVEN values as `cdk synth -c` delivers them: strings
    dev = default_stages()["dev"]

    # WHEN they override integer, boolean and optional fields
    changed = apply_overrides(
        dev,
        {"imagingMemoryMb": "6144", "retainData": "true", "alertsEmail": "ops@example.com"},
    )

    # THEN each field has its own type
    assert changed.imaging_memory_mb == 6144
    assert changed.retain_data is True
    assert changed.alerts_email == "ops@example.com"


def test_apply_overrides_sets_a_model_instance_type_and_turns_serverless_off() -> None:
    # GIVEN dev, where OCR runs on serverless inference
    dev = default_stages()["dev"]

    # WHEN the context moves OCR to an instance type
    changed = apply_overrides(
        dev, {"models": {"ocr": {"serverless": False, "instanceType": "ml.c5.2xlarge"}}}
    )

    # THEN only OCR changes
    assert changed.model("ocr").serverless is None
    assert changed.model("ocr").instance_type == "ml.c5.2xlarge"
    assert changed.model("segmentation") == dev.model("segmentation")


def test_apply_overrides_merges_serverless_settings() -> None:
    # GIVEN dev's segmentation endpoint on serverless inference with 3,072 MB
    dev = default_stages()["dev"]

    # WHEN only its concurrency is overridden (as JSON text from the command line)
    changed = apply_overrides(
        dev, {"models": {"segmentation": {"serverless": '{"maxConcurrency": 20}'}}}
    )

    # THEN memory is kept and concurrency replaced
    assert changed.model("segmentation").serverless == ServerlessInference(
        memory_mb=3072, max_concurrency=20
    )


def test_apply_overrides_rejects_an_unknown_setting() -> None:
    # GIVEN a typo in a setting name
    dev = default_stages()["dev"]

    # WHEN / THEN the override fails and names the key
    with pytest.raises(ValueError, match=r"unknown setting dev\.logRetentionDay"):
        apply_overrides(dev, {"logRetentionDay": "30"})


def test_apply_overrides_rejects_an_unknown_model() -> None:
    # GIVEN an override for a model the app does not serve
    dev = default_stages()["dev"]

    # WHEN / THEN it fails and names the model
    with pytest.raises(ValueError, match=r"unknown model\(s\) \['depth'\]"):
        apply_overrides(dev, {"models": {"depth": {"instanceType": "ml.m5.large"}}})


def test_apply_overrides_rejects_a_value_of_the_wrong_type() -> None:
    # GIVEN a non-numeric memory size
    dev = default_stages()["dev"]

    # WHEN / THEN it fails and names the key
    with pytest.raises(ValueError, match=r"dev\.imagingMemoryMb: 'lots' is not a valid value"):
        apply_overrides(dev, {"imagingMemoryMb": "lots"})


def test_stage_config_rejects_an_unsupported_log_retention() -> None:
    # GIVEN a retention CloudWatch Logs does not offer
    dev = default_stages()["dev"]

    # WHEN / THEN the stage refuses it
    with pytest.raises(ValueError, match="log_retention_days must be one of"):
        apply_overrides(dev, {"logRetentionDays": "10"})


def test_model_endpoint_config_rejects_inverted_autoscaling_bounds() -> None:
    # GIVEN / WHEN / THEN a minimum above the maximum is refused
    with pytest.raises(ValueError, match="min_instances <= max_instances"):
        ModelEndpointConfig("ocr", "pixellift/ocr", min_instances=3, max_instances=2)


def test_serverless_inference_rejects_memory_off_the_1_gb_steps() -> None:
    # GIVEN / WHEN / THEN serverless memory must be one of SageMaker's sizes
    with pytest.raises(ValueError, match="memory_mb must be one of"):
        ServerlessInference(memory_mb=1500)


def test_stages_from_context_applies_per_environment_overrides() -> None:
    # GIVEN the `pixellift` context value as JSON text
    context = '{"prod": {"senderIdentity": "billing@example.com"}}'

    # WHEN the environments are built from it
    stages = stages_from_context(context)

    # THEN prod changes and dev keeps its defaults
    assert stages["prod"].sender_identity == "billing@example.com"
    assert stages["dev"] == default_stages()["dev"]


def test_stages_from_context_rejects_an_unknown_environment() -> None:
    # GIVEN / WHEN / THEN an override for an environment that does not exist fails
    with pytest.raises(ValueError, match=r"unknown environment\(s\) in context: \['qa'\]"):
        stages_from_context({"qa": {}})


def test_apply_overrides_unsets_only_optional_fields() -> None:
    # GIVEN prod with an alert address
    prod = apply_overrides(default_stages()["prod"], {"alertsEmail": "ops@example.com"})

    # WHEN the address is unset, and then a required field is
    unset = apply_overrides(prod, {"alertsEmail": None})

    # THEN the optional field clears and the required one is refused
    assert unset.alerts_email is None
    with pytest.raises(ValueError, match=r"prod\.senderIdentity: None is not a valid value"):
        apply_overrides(prod, {"senderIdentity": None})
