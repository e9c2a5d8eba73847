"""EndpointsStack: the segmentation, matting and OCR endpoints and their artefacts bucket."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ..config import StageConfig
from ..constructs.alerts import ALARM_PERIOD, Alerts
from ..constructs.model_endpoint import VARIANT_NAME, ModelEndpoint
from ..constructs.photo_function import pascal_case
from ..constructs.storage import deliver_access_logs_by_policy
from ..nag import acknowledge_endpoint_findings


def endpoint_name(stage: str, model: str) -> str:
    """Physical name of a model's endpoint.

    Examples
    --------
    >>> endpoint_name("dev", "segmentation")
    'pixellift-dev-segmentation'
    """
    return f"pixellift-{stage}-{model}"


class EndpointsStack(Stack):
    """SageMaker hosting for the three models of one environment.

    Operators upload ``models/<name>/model.tar.gz`` to :attr:`artefacts` and push the model server
    images (``sagemaker_endpoints/<name>/Dockerfile``) to the ECR repositories named in the config.

    Parameters
    ----------
    scope, construct_id
        Where the stack lives (a Stage).
    config
        The environment's settings (one :class:`~infra.cdk.config.ModelEndpointConfig` per model).
    stack_name, description
        CloudFormation stack name and description.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        stack_name: str | None = None,
        description: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id, stack_name=stack_name, description=description)
        deliver_access_logs_by_policy(self)
        removal = RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY
        self.access_logs = s3.Bucket(
            self,
            "ArtefactAccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
            removal_policy=removal,
        )
        self.artefacts = s3.Bucket(
            self,
            "Artefacts",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(noncurrent_version_expiration=Duration.days(90)),
            ],
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="artefacts/",
            removal_policy=removal,
        )
        self.volume_key = kms.Key(
            self,
            "VolumeKey",
            enable_key_rotation=True,
            description="PixelLift model endpoints: instance storage volumes",
            removal_policy=removal,
        )
        self.endpoints = {
            model.name: ModelEndpoint(
                self,
                f"{pascal_case(model.name)}Endpoint",
                config=model,
                endpoint_name=endpoint_name(config.name, model.name),
                artefacts=self.artefacts,
                volume_key=self.volume_key,
            )
            for model in config.models
        }
        self.alerts = Alerts(self, "Alerts", email=config.alerts_email)
        for name, endpoint in self.endpoints.items():
            self.alerts.alarm(
                f"{pascal_case(name)}ServerErrors",
                cloudwatch.Metric(
                    namespace="AWS/SageMaker",
                    metric_name="Invocation5XXErrors",
                    dimensions_map={
                        "EndpointName": endpoint.endpoint_name,
                        "VariantName": VARIANT_NAME,
                    },
                    period=ALARM_PERIOD,
                    statistic="Sum",
                ),
                threshold=5,
                description=f"{name} endpoint: model server errors (5xx)",
            )
        acknowledge_endpoint_findings(self)

    @property
    def endpoint_names(self) -> dict[str, str]:
        """Model name -> endpoint name, for the pipeline's environment and permissions."""
        return {name: endpoint.endpoint_name for name, endpoint in self.endpoints.items()}
