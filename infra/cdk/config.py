"""Per-environment settings of the CDK app and the built-in ``dev`` and ``prod`` environments.

CDK context may override any field (see :mod:`infra.cdk.context`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

MODEL_NAMES: Final = ("segmentation", "matting", "ocr")
SERVERLESS_MEMORY_MB: Final = (1024, 2048, 3072, 4096, 5120, 6144)
LOG_RETENTION_DAYS: Final = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096)


@dataclass(frozen=True)
class ServerlessInference:
    """SageMaker serverless inference: no idle instances, for small or bursty workloads.

    Parameters
    ----------
    memory_mb
        Memory of each serverless worker (1024 to 6144 in 1 GB steps).
    max_concurrency
        Most concurrent invocations before SageMaker throttles.
    """

    memory_mb: int = 3072
    max_concurrency: int = 5

    def __post_init__(self) -> None:
        if self.memory_mb not in SERVERLESS_MEMORY_MB:
            raise ValueError(f"serverless memory_mb must be one of {SERVERLESS_MEMORY_MB}")
        if not 1 <= self.max_concurrency <= 200:  # noqa: PLR2004 (the SageMaker quota)
            raise ValueError("serverless max_concurrency must be between 1 and 200")


@dataclass(frozen=True)
class ModelEndpointConfig:
    """One model endpoint: where its image comes from and how it scales.

    Parameters
    ----------
    name
        ``segmentation``, ``matting`` or ``ocr``; also the artefact prefix ``models/<name>/``.
    image_repository
        ECR repository (in the deploying account) holding the model server image.
    image_tag
        Tag of the image to deploy.
    instance_type
        Instance type of the production variant (ignored when ``serverless`` is set).
    min_instances, max_instances
        Autoscaling bounds of the instance count.
    invocations_per_instance
        Target of ``SageMakerVariantInvocationsPerInstance`` (invocations per instance per minute).
    serverless
        Serve with serverless inference instead of instances.
    environment
        Extra environment of the model container, as sorted ``(name, value)`` pairs.
    """

    name: str
    image_repository: str
    image_tag: str = "0.1.0"
    instance_type: str = "ml.m5.large"
    min_instances: int = 1
    max_instances: int = 2
    invocations_per_instance: int = 100
    serverless: ServerlessInference | None = None
    environment: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.name not in MODEL_NAMES:
            raise ValueError(f"model name must be one of {MODEL_NAMES}, got {self.name!r}")
        if not self.instance_type.startswith("ml."):
            raise ValueError(f"{self.name}: instance_type must be a SageMaker type (ml.*)")
        if not 1 <= self.min_instances <= self.max_instances:
            raise ValueError(f"{self.name}: need 1 <= min_instances <= max_instances")
        if self.invocations_per_instance < 1:
            raise ValueError(f"{self.name}: invocations_per_instance must be positive")


@dataclass(frozen=True)
class StageConfig:
    """Everything that differs between environments.

    Parameters
    ----------
    name
        Environment name; prefixes physical names (``pixellift-<name>-...``).
    models
        The three model endpoints.
    account, region
        Deployment target; ``None`` synthesizes an environment-agnostic template.
    sender_identity
        SES identity for invoices and alerts: a domain (``example.com``) or one address.
    alerts_email
        Subscribed to the alarm topic when set.
    log_retention_days
        Retention of every log group.
    drop_expiry_days
        Uploads in the drop bucket are deleted after this many days.
    intermediate_expiry_days
        Intermediates in the output bucket (``intermediate/``, ``objects/``) are deleted after
        this many days.
    policy_sync_schedule
        EventBridge schedule expression of the policy-sync state machine.
    audit_publish_schedule
        EventBridge schedule expression of the audit tree-head publisher.
    audit_retention_days
        Object Lock default retention (GOVERNANCE mode) of every published tree head.
    imaging_memory_mb, imaging_timeout_seconds
        Memory and timeout of the imaging functions (process, compliance gate).
    max_concurrency
        Items of a batch processed at once (the Map state's concurrency, passed to ingest).
    retain_data
        Keep buckets and tables when the stack is deleted, and protect tables from deletion.
    """

    name: str
    models: tuple[ModelEndpointConfig, ...]
    account: str | None = None
    region: str | None = None
    sender_identity: str = "pixellift.example.com"
    alerts_email: str | None = None
    log_retention_days: int = 30
    drop_expiry_days: int = 14
    intermediate_expiry_days: int = 7
    policy_sync_schedule: str = "cron(0 4 * * ? *)"
    audit_publish_schedule: str = "rate(1 hour)"
    audit_retention_days: int = 365
    imaging_memory_mb: int = 4096
    imaging_timeout_seconds: int = 300
    max_concurrency: int = 4
    retain_data: bool = False

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9-]{0,15}", self.name):
            raise ValueError(f"stage name {self.name!r} must be short lowercase letters/digits")
        if sorted(m.name for m in self.models) != sorted(MODEL_NAMES):
            raise ValueError(f"{self.name}: need exactly one endpoint per model {MODEL_NAMES}")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            raise ValueError(f"log_retention_days must be one of {LOG_RETENTION_DAYS}")
        if not 128 <= self.imaging_memory_mb <= 10240:  # noqa: PLR2004 (Lambda limits)
            raise ValueError("imaging_memory_mb must be between 128 and 10240")
        if not 1 <= self.imaging_timeout_seconds <= 900:  # noqa: PLR2004 (Lambda limit)
            raise ValueError("imaging_timeout_seconds must be between 1 and 900")
        if not 1 <= self.max_concurrency <= 1000:  # noqa: PLR2004 (inline Map limit)
            raise ValueError("max_concurrency must be between 1 and 1000")
        if min(self.drop_expiry_days, self.intermediate_expiry_days) < 1:
            raise ValueError("expiry days must be at least 1")
        if not 1 <= self.audit_retention_days <= 36500:  # noqa: PLR2004 (S3 Object Lock limit)
            raise ValueError("audit_retention_days must be between 1 and 36500")

    def model(self, name: str) -> ModelEndpointConfig:
        """The endpoint settings of one model."""
        return next(m for m in self.models if m.name == name)


def _repository(name: str) -> str:
    return f"pixellift/{name}"


def default_stages() -> dict[str, StageConfig]:
    """The built-in environments: ``dev`` on serverless inference, ``prod`` on instances.

    Examples
    --------
    >>> stages = default_stages()
    >>> stages["dev"].model("ocr").serverless is not None
    True
    >>> stages["prod"].model("segmentation").instance_type
    'ml.g4dn.xlarge'
    """
    dev = StageConfig(
        name="dev",
        models=(
            ModelEndpointConfig(
                "segmentation",
                _repository("segmentation"),
                serverless=ServerlessInference(memory_mb=3072),
            ),
            ModelEndpointConfig(
                "matting", _repository("matting"), serverless=ServerlessInference(memory_mb=4096)
            ),
            ModelEndpointConfig(
                "ocr", _repository("ocr"), serverless=ServerlessInference(memory_mb=2048)
            ),
        ),
        log_retention_days=14,
        audit_retention_days=30,
    )
    prod = StageConfig(
        name="prod",
        models=(
            ModelEndpointConfig(
                "segmentation",
                _repository("segmentation"),
                instance_type="ml.g4dn.xlarge",
                max_instances=4,
                invocations_per_instance=600,
            ),
            ModelEndpointConfig(
                "matting",
                _repository("matting"),
                instance_type="ml.g4dn.xlarge",
                max_instances=4,
                invocations_per_instance=300,
            ),
            ModelEndpointConfig(
                "ocr",
                _repository("ocr"),
                instance_type="ml.c5.xlarge",
                max_instances=3,
                invocations_per_instance=200,
            ),
        ),
        log_retention_days=90,
        intermediate_expiry_days=30,
        max_concurrency=16,
        retain_data=True,
    )
    return {dev.name: dev, prod.name: prod}
