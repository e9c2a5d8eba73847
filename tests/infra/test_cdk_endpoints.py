"""SageMaker endpoints: prod on autoscaled instances, dev serverless, least privilege."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # the CDK app is a folder of the repository, not a package
    sys.path.insert(0, str(REPO_ROOT))

import aws_cdk as cdk  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.cdk.config import MODEL_NAMES, default_stages  # noqa: E402
from infra.cdk.constructs.model_endpoint import has_instance_store  # noqa: E402
from infra.cdk.context import apply_overrides  # noqa: E402
from infra.cdk.stacks.endpoints_stack import EndpointsStack  # noqa: E402

PROD = apply_overrides(
    default_stages()["prod"], {"models": {"ocr": {"instanceType": "ml.c5.2xlarge"}}}
)
DEV = default_stages()["dev"]
Resources = dict[str, Any]


@pytest.fixture(scope="module")
def templates() -> dict[str, Template]:
    stage = cdk.Stage(cdk.App(), "test")
    stacks = {c.name: EndpointsStack(stage, f"{c.name}-endpoints", config=c) for c in (PROD, DEV)}
    return {name: Template.from_stack(stack) for name, stack in stacks.items()}


def _of_type(template: Template, kind: str) -> Resources:
    return dict(template.find_resources(kind))


def _endpoint_config(template: Template, model: str) -> dict[str, Any]:
    """The endpoint configuration behind ``pixellift-<stage>-<model>``."""
    endpoints = _of_type(template, "AWS::SageMaker::Endpoint").values()
    (endpoint,) = [e for e in endpoints if e["Properties"]["EndpointName"].endswith(f"-{model}")]
    config_id = endpoint["Properties"]["EndpointConfigName"]["Fn::GetAtt"][0]
    config: dict[str, Any] = _of_type(template, "AWS::SageMaker::EndpointConfig")[config_id][
        "Properties"
    ]
    return config


def test_each_model_gets_a_model_config_and_named_endpoint(templates: dict[str, Template]) -> None:
    # GIVEN / WHEN the prod template
    template = templates["prod"]

    # THEN there is one model, configuration and endpoint per model, named for the environment
    assert len(_of_type(template, "AWS::SageMaker::Model")) == len(MODEL_NAMES)
    assert len(_of_type(template, "AWS::SageMaker::EndpointConfig")) == len(MODEL_NAMES)
    names = {
        e["Properties"]["EndpointName"]
        for e in _of_type(template, "AWS::SageMaker::Endpoint").values()
    }
    assert names == {f"pixellift-prod-{m}" for m in MODEL_NAMES}


@pytest.mark.parametrize(
    ("model", "instance_type"),
    [("segmentation", "ml.g4dn.xlarge"), ("matting", "ml.g4dn.xlarge"), ("ocr", "ml.c5.2xlarge")],
)
def test_instance_variant_uses_the_configured_instance_type(
    templates: dict[str, Template], model: str, instance_type: str
) -> None:
    # GIVEN / WHEN the prod variant of the model (OCR's type overridden as from context)
    (variant,) = _endpoint_config(templates["prod"], model)["ProductionVariants"]

    # THEN it runs on that instance type, starting at the autoscaling minimum
    assert variant["InstanceType"] == instance_type
    assert variant["InitialInstanceCount"] == PROD.model(model).min_instances


@pytest.mark.parametrize("model", MODEL_NAMES)
def test_instance_endpoint_autoscales_on_invocations_per_instance(
    templates: dict[str, Template], model: str
) -> None:
    # GIVEN the scalable target of the model's variant
    template = templates["prod"]
    targets = _of_type(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    ((target_id, target),) = [
        (k, t)
        for k, t in targets.items()
        if t["Properties"]["ResourceId"] == f"endpoint/pixellift-prod-{model}/variant/AllTraffic"
    ]

    # WHEN its scaling policy is read
    policies = _of_type(template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
    (policy,) = [p for p in policies if p["Properties"]["ScalingTargetId"] == {"Ref": target_id}]
    tracking = policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]

    # THEN it tracks SageMakerVariantInvocationsPerInstance between the configured bounds
    settings = PROD.model(model)
    assert target["Properties"]["MinCapacity"] == settings.min_instances
    assert target["Properties"]["MaxCapacity"] == settings.max_instances
    assert target["Properties"]["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    metric = tracking["PredefinedMetricSpecification"]["PredefinedMetricType"]
    assert metric == "SageMakerVariantInvocationsPerInstance"
    assert tracking["TargetValue"] == settings.invocations_per_instance


@pytest.mark.parametrize("model", MODEL_NAMES)
def test_serverless_endpoint_has_serverless_config_and_no_instances(
    templates: dict[str, Template], model: str
) -> None:
    # GIVEN / WHEN the dev variant of the model
    (variant,) = _endpoint_config(templates["dev"], model)["ProductionVariants"]

    # THEN it is serverless with the configured memory, and nothing autoscales instances
    serverless = DEV.model(model).serverless
    assert serverless is not None
    assert variant["ServerlessConfig"] == {
        "MaxConcurrency": serverless.max_concurrency,
        "MemorySizeInMB": serverless.memory_mb,
    }
    assert "InstanceType" not in variant
    assert not _of_type(templates["dev"], "AWS::ApplicationAutoScaling::ScalableTarget")


@pytest.mark.parametrize("model", MODEL_NAMES)
def test_volume_key_is_set_only_where_the_instance_type_allows_it(
    templates: dict[str, Template], model: str
) -> None:
    # GIVEN / WHEN the prod endpoint configuration
    config = _endpoint_config(templates["prod"], model)

    # THEN instance types with local NVMe storage get no KMS key (SageMaker rejects one)
    expected = not has_instance_store(PROD.model(model).instance_type)
    assert ("KmsKeyId" in config) is expected


def test_instance_models_run_network_isolated(templates: dict[str, Template]) -> None:
    # GIVEN / WHEN the prod and dev models
    prod = _of_type(templates["prod"], "AWS::SageMaker::Model").values()
    dev = _of_type(templates["dev"], "AWS::SageMaker::Model").values()

    # THEN instance models are isolated; serverless inference does not support isolation
    assert {m["Properties"]["EnableNetworkIsolation"] for m in prod} == {True}
    assert {m["Properties"]["EnableNetworkIsolation"] for m in dev} == {False}


@pytest.mark.parametrize("model", MODEL_NAMES)
def test_execution_role_pulls_one_image_and_reads_one_prefix(
    templates: dict[str, Template], model: str
) -> None:
    # GIVEN the model's execution role and its policy
    template = templates["prod"]
    models = _of_type(template, "AWS::SageMaker::Model").values()
    (resource,) = [
        m
        for m in models
        if m["Properties"]["PrimaryContainer"]["Environment"]["PIXELLIFT_MODEL"] == model
    ]
    role = resource["Properties"]["ExecutionRoleArn"]["Fn::GetAtt"][0]
    (policy,) = [
        p
        for p in _of_type(template, "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": role}]
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]

    # WHEN the image-pull and artefact statements are picked out
    (pull,) = [s for s in statements if "ecr:BatchGetImage" in s["Action"]]
    (read,) = [s for s in statements if s["Action"] == "s3:GetObject"]

    # THEN they name the model's repository and its artefact prefix only
    assert json.dumps(pull["Resource"]).endswith(f':repository/pixellift/{model}"]]}}')
    assert json.dumps(read["Resource"]).endswith(f'/models/{model}/*"]]}}')
    assert "ManagedPolicyArns" not in _of_type(template, "AWS::IAM::Role")[role]["Properties"]
    unbounded = {s["Action"]: s.get("Condition") for s in statements if s["Resource"] == "*"}
    assert unbounded == {
        "ecr:GetAuthorizationToken": None,
        "cloudwatch:PutMetricData": {"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
    }


def test_each_endpoint_alarms_on_server_errors(templates: dict[str, Template]) -> None:
    # GIVEN / WHEN the alarms of the prod stack
    alarms = [
        a["Properties"] for a in _of_type(templates["prod"], "AWS::CloudWatch::Alarm").values()
    ]

    # THEN each endpoint has a 5xx alarm
    watched = {
        d["Value"]
        for a in alarms
        if a["MetricName"] == "Invocation5XXErrors"
        for d in a["Dimensions"]
        if d["Name"] == "EndpointName"
    }
    assert watched == {f"pixellift-prod-{m}" for m in MODEL_NAMES}
