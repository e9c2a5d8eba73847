"""ModelEndpoint: a SageMaker model, endpoint configuration and endpoint for one model server.

The container is the model server from ``sagemaker_endpoints/<name>/`` pushed to ECR; its artefacts
come from ``s3://<artefacts bucket>/models/<name>/model.tar.gz``. The execution role may pull that
one image and read that one prefix, nothing else. With instances the variant autoscales on
``SageMakerVariantInvocationsPerInstance``; with ``serverless`` set it uses serverless inference.
"""

from __future__ import annotations

import re
from typing import Final

from aws_cdk import Aws, Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from ..config import ModelEndpointConfig

VARIANT_NAME: Final = "AllTraffic"
MODEL_PREFIX: Final = "models"

# Nitro instances with local NVMe storage encrypt it in hardware and reject a KmsKeyId.
_INSTANCE_STORE = re.compile(r"^ml\.(?:[cmr]\d+[a-z]*d|g4dn|g5|g6e?|p3dn|p4de?|p5e?|trn1n?)\.")


def has_instance_store(instance_type: str) -> bool:
    """Whether a SageMaker instance type has local NVMe storage (so no volume KMS key).

    Examples
    --------
    >>> has_instance_store("ml.g4dn.xlarge"), has_instance_store("ml.c5.xlarge")
    (True, False)
    """
    return bool(_INSTANCE_STORE.match(instance_type))


def artefact_prefix(model_name: str) -> str:
    """S3 prefix (no leading slash) holding one model's artefacts.

    Examples
    --------
    >>> artefact_prefix("ocr")
    'models/ocr/'
    """
    return f"{MODEL_PREFIX}/{model_name}/"


class ModelEndpoint(Construct):
    """One SageMaker endpoint serving one model.

    Parameters
    ----------
    scope, construct_id
        Where the construct lives in the tree.
    config
        Image, instance type or serverless settings, autoscaling bounds.
    endpoint_name
        Physical endpoint name (what the pipeline's SageMaker adapter invokes).
    artefacts
        Bucket holding ``models/<name>/model.tar.gz``.
    volume_key
        Key for the instance storage volume, used where the instance type allows one.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: ModelEndpointConfig,
        endpoint_name: str,
        artefacts: s3.IBucket,
        volume_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.endpoint_name = endpoint_name
        self.serverless = config.serverless is not None
        self.role = self._execution_role(config, endpoint_name, artefacts)
        repository = ecr.Repository.from_repository_name(
            self, "Repository", config.image_repository
        )
        self.model = sagemaker.CfnModel(
            self,
            "Model",
            execution_role_arn=self.role.role_arn,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=repository.repository_uri_for_tag(config.image_tag),
                model_data_url=artefacts.s3_url_for_object(
                    f"{artefact_prefix(config.name)}model.tar.gz"
                ),
                environment={"PIXELLIFT_MODEL": config.name, **dict(config.environment)},
            ),
            # Serverless inference does not support network isolation; instances need no network.
            enable_network_isolation=not self.serverless,
        )
        # CreateModel checks the image and artefacts with the role: its policy must exist first.
        self.model.node.add_dependency(self.role)
        self.uses_volume_key = not self.serverless and not has_instance_store(config.instance_type)
        self.endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "EndpointConfig",
            production_variants=[self._variant(config)],
            kms_key_id=volume_key.key_arn if self.uses_volume_key else None,
        )
        self.endpoint = sagemaker.CfnEndpoint(
            self,
            "Endpoint",
            endpoint_name=endpoint_name,
            endpoint_config_name=self.endpoint_config.attr_endpoint_config_name,
        )
        self.scaling: appscaling.ScalableTarget | None = None
        if not self.serverless:
            self.scaling = self._autoscaling(config, endpoint_name)

    def _execution_role(
        self, config: ModelEndpointConfig, endpoint_name: str, artefacts: s3.IBucket
    ) -> iam.Role:
        role = iam.Role(
            self,
            "ExecutionRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"PixelLift {config.name} endpoint: pull its image, read its artefacts",
        )
        repository_arn = (
            f"arn:{Aws.PARTITION}:ecr:{Aws.REGION}:{Aws.ACCOUNT_ID}:repository/"
            f"{config.image_repository}"
        )
        statements = [
            iam.PolicyStatement(
                actions=[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                resources=[repository_arn],
            ),
            iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]),
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[artefacts.arn_for_objects(f"{artefact_prefix(config.name)}*")],
            ),
            iam.PolicyStatement(
                actions=[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                ],
                resources=[
                    f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:"
                    f"/aws/sagemaker/Endpoints/{endpoint_name}:*"
                ],
            ),
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
            ),
        ]
        for statement in statements:
            role.add_to_policy(statement)
        return role

    def _variant(
        self, config: ModelEndpointConfig
    ) -> sagemaker.CfnEndpointConfig.ProductionVariantProperty:
        if config.serverless is not None:
            return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                variant_name=VARIANT_NAME,
                model_name=self.model.attr_model_name,
                serverless_config=sagemaker.CfnEndpointConfig.ServerlessConfigProperty(
                    max_concurrency=config.serverless.max_concurrency,
                    memory_size_in_mb=config.serverless.memory_mb,
                ),
            )
        return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=VARIANT_NAME,
            model_name=self.model.attr_model_name,
            instance_type=config.instance_type,
            initial_instance_count=config.min_instances,
            initial_variant_weight=1.0,
        )

    def _autoscaling(
        self, config: ModelEndpointConfig, endpoint_name: str
    ) -> appscaling.ScalableTarget:
        target = appscaling.ScalableTarget(
            self,
            "ScalableTarget",
            service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
            resource_id=f"endpoint/{endpoint_name}/variant/{VARIANT_NAME}",
            scalable_dimension="sagemaker:variant:DesiredInstanceCount",
            min_capacity=config.min_instances,
            max_capacity=config.max_instances,
        )
        target.node.add_dependency(self.endpoint)
        target.scale_to_track_metric(
            "InvocationsPerInstance",
            predefined_metric=appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
            target_value=float(config.invocations_per_instance),
            scale_out_cooldown=Duration.minutes(1),
            scale_in_cooldown=Duration.minutes(5),
        )
        return target
