"""PhotoFunction: one pipeline Lambda with the house defaults.

Every function runs from the same container image (see docs/adr/0003-lambda-packaging.md) with its
own ``CMD`` (``functions.<name>.handler.handler``), X-Ray tracing, JSON logs in a log group with a
fixed retention, an encrypted SQS dead-letter queue for failed asynchronous invocations, and a role
of its own that starts with no permissions beyond its logs, traces and dead-letter queue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, IgnoreMode, RemovalPolicy, Size
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

POWERTOOLS_NAMESPACE = "PixelLift"

# The image's build context is the repository root, so everything but the function folders, the
# layer package and the image recipe is left out of the staged asset (and of its hash).
IMAGE_CONTEXT_ALLOWLIST: tuple[str, ...] = (
    "*",
    "!functions",
    "!layers/pixellift/pyproject.toml",
    "!layers/pixellift/src",
    "!infra/cdk/lambda_image",
    "functions/*/.chalice",
    "**/__pycache__",
    "**/.pytest_cache",
    "**/*.pyc",
    "**/*.egg-info",
)


@dataclass(frozen=True)
class FunctionImage:
    """Where the Lambda container image is built from.

    Parameters
    ----------
    context
        The build context (the repository root).
    dockerfile
        The Dockerfile, relative to ``context``.
    exclude
        Docker-ignore patterns applied to the context.
    """

    context: Path
    dockerfile: str = "infra/cdk/lambda_image/Dockerfile"
    exclude: tuple[str, ...] = IMAGE_CONTEXT_ALLOWLIST

    def code_for(self, function_name: str) -> lambda_.DockerImageCode:
        """Image code whose entry point is ``functions/<function_name>/handler.py:handler``."""
        return lambda_.DockerImageCode.from_image_asset(
            str(self.context),
            file=self.dockerfile,
            exclude=list(self.exclude),
            ignore_mode=IgnoreMode.DOCKER,
            cmd=[f"functions.{function_name}.handler.handler"],
        )


@dataclass(frozen=True)
class FunctionSizing:
    """Memory, timeout and scratch space of one function.

    Parameters
    ----------
    memory_mb
        Memory in MB; Lambda gives CPU in proportion (1,769 MB is one vCPU).
    timeout_seconds
        Timeout of one invocation.
    ephemeral_storage_mb
        Size of ``/tmp``.
    """

    memory_mb: int = 512
    timeout_seconds: int = 30
    ephemeral_storage_mb: int = 512


_RETENTION: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
}


def log_retention(days: int) -> logs.RetentionDays:
    """The CloudWatch Logs retention for a number of days.

    Examples
    --------
    >>> log_retention(14).name
    'TWO_WEEKS'
    """
    try:
        return _RETENTION[days]
    except KeyError:
        raise ValueError(
            f"no log retention of {days} days; use one of {sorted(_RETENTION)}"
        ) from None


def pascal_case(folder: str) -> str:
    """CDK logical id stem of a function folder.

    Examples
    --------
    >>> pascal_case("compliance_gate")
    'ComplianceGate'
    """
    return "".join(part.capitalize() for part in folder.split("_"))


class PhotoFunction(Construct):
    """A Lambda from ``functions/<name>/handler.py`` with logs, traces and a dead-letter queue.

    Parameters
    ----------
    scope, construct_id
        Where the construct lives in the tree.
    name
        The folder under ``functions/`` (snake_case).
    image
        The shared function image.
    sizing
        Memory, timeout and ``/tmp`` size.
    environment
        Variables every handler reads through ``Settings.from_env``.
    log_retention
        Retention of the function's log group.
    removal_policy
        What happens to the log group when the stack is deleted.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        image: FunctionImage,
        sizing: FunctionSizing,
        environment: Mapping[str, str],
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"function folder name {name!r} must be snake_case")
        self.name = name
        self.log_group = logs.LogGroup(
            self, "Logs", retention=log_retention, removal_policy=removal_policy
        )
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        # A role of our own: the default one carries the AWSLambdaBasicExecutionRole managed policy,
        # which may write to any log group in the account.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"PixelLift {name} function",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        self.function = lambda_.DockerImageFunction(
            self,
            "Function",
            code=image.code_for(name),
            description=f"PixelLift {name} (functions/{name}/handler.py)",
            architecture=lambda_.Architecture.X86_64,
            memory_size=sizing.memory_mb,
            timeout=Duration.seconds(sizing.timeout_seconds),
            ephemeral_storage_size=Size.mebibytes(sizing.ephemeral_storage_mb),
            tracing=lambda_.Tracing.ACTIVE,
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            dead_letter_queue=self.dead_letter_queue,
            retry_attempts=2,
            max_event_age=Duration.hours(6),
            environment={
                "POWERTOOLS_SERVICE_NAME": f"pixellift-{name.replace('_', '-')}",
                "POWERTOOLS_METRICS_NAMESPACE": POWERTOOLS_NAMESPACE,
                **environment,
            },
        )

    def allow(self, actions: Sequence[str], resources: Sequence[str]) -> None:
        """Add one least-privilege statement to the function's role."""
        self.role.add_to_policy(
            iam.PolicyStatement(actions=list(actions), resources=list(resources))
        )
