"""PipelineStack: storage, pipeline functions, both state machines, schedule, API, mail, alarms."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack, Stage
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..config import StageConfig
from ..constructs.alerts import ALARM_PERIOD, Alerts
from ..constructs.audit_publishing import AuditPublishing
from ..constructs.chalice_api import ChaliceApi
from ..constructs.photo_function import (
    FunctionImage,
    FunctionSizing,
    PhotoFunction,
    log_retention,
    pascal_case,
)
from ..constructs.pipeline_state_machine import PipelineStateMachine
from ..constructs.storage import PhotoStorage, deliver_access_logs_by_policy
from ..constructs.workspace_walls import workspace_wall_policy
from ..nag import acknowledge_pipeline_findings
from .function_access import (
    FUNCTION_ACCESS,
    IMAGING_FUNCTIONS,
    TABLE_WRITE,
    AccessTargets,
    grant,
    table_arns,
)

PIPELINE_DEFINITION: Final = "statemachines/photo_pipeline.asl.json"
POLICY_SYNC_DEFINITION: Final = "statemachines/policy_sync.asl.json"
LIGHT: Final = FunctionSizing(memory_mb=1024, timeout_seconds=120)
# The publisher re-verifies every grown log (reading and hashing its entries) before signing.
SIZES: Final = {"audit_publish": FunctionSizing(memory_mb=1024, timeout_seconds=900)}
# Errors of the imaging functions include sellers' bad photos (caught per item by the machine),
# so their alarm tolerates a few; any error elsewhere is a fault.
ERROR_THRESHOLDS: Final = {"process": 10, "compliance_gate": 10}


class PipelineStack(Stack):
    """The serverless backbone of one environment.

    Parameters
    ----------
    scope, construct_id
        Where the stack lives (a Stage).
    config
        The environment's settings.
    repo_root
        Repository root: ``functions/``, ``layers/`` and ``statemachines/`` are read from it.
    endpoint_names
        Model name -> SageMaker endpoint name (from the endpoints stack).
    api_source_dir
        The Chalice project of the API, or ``None`` to deploy without the API.
    stack_name, description
        CloudFormation stack name and description.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        repo_root: Path,
        endpoint_names: Mapping[str, str],
        api_source_dir: Path | None = None,
        stack_name: str | None = None,
        description: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id, stack_name=stack_name, description=description)
        deliver_access_logs_by_policy(self)
        self.config = config
        prefix = f"pixellift-{config.name}-"
        removal = RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY
        retention = log_retention(config.log_retention_days)
        self.storage = PhotoStorage(
            self,
            "Storage",
            prefix=prefix,
            drop_expiry_days=config.drop_expiry_days,
            intermediate_expiry_days=config.intermediate_expiry_days,
            retain=config.retain_data,
            audit_retention_days=config.audit_retention_days,
        )
        # Merchants' direct S3 access (uploads, downloads) is confined to their workspace's
        # prefixes by the role session's ``workspace`` tag.
        self.merchant_role = iam.Role(
            self,
            "MerchantAccessRole",
            assumed_by=iam.AccountRootPrincipal().with_session_tags(),
            description="Merchant S3 access, walled to the session's workspace tag",
        )
        self.workspace_walls = workspace_wall_policy(
            self,
            "WorkspaceWalls",
            self.storage.drop_bucket.bucket_arn,
            self.storage.output_bucket.bucket_arn,
            roles=[self.merchant_role],
        )
        self.sender = ses.EmailIdentity(
            self, "Sender", identity=_ses_identity(config.sender_identity)
        )
        pipeline_name = f"{prefix}photo-pipeline"
        self.pipeline_arn = self.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=pipeline_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.function_environment = {
            "PIXELLIFT_STAGE": config.name,
            "PIXELLIFT_RUNTIME": "aws",
            "PIXELLIFT_DROP_BUCKET": self.storage.drop_bucket.bucket_name,
            "PIXELLIFT_OUTPUT_BUCKET": self.storage.output_bucket.bucket_name,
            "PIXELLIFT_AUDIT_BUCKET": self.storage.audit_bucket.bucket_name,
            "PIXELLIFT_PIPELINE_ARN": self.pipeline_arn,
            "PIXELLIFT_TABLE_PREFIX": prefix,
            "PIXELLIFT_MAX_CONCURRENCY": str(config.max_concurrency),
            "PIXELLIFT_SENDER": _sender_address(config.sender_identity),
            **{
                f"PIXELLIFT_{name.upper()}_TABLE": table.table_name
                for name, table in self.storage.tables.items()
            },
            **{
                f"PIXELLIFT_{model.upper()}_ENDPOINT": endpoint
                for model, endpoint in sorted(endpoint_names.items())
            },
        }
        image = FunctionImage(context=repo_root)
        self.functions = {
            name: self._function(name, image, retention, removal) for name in FUNCTION_ACCESS
        }
        self.audit = AuditPublishing(
            self,
            "AuditPublishing",
            publisher=self.functions["audit_publish"],
            schedule=config.audit_publish_schedule,
            description=f"PixelLift {config.name}: Ed25519 key signing audit tree heads "
            "(32-character seed or PKCS #8 PEM)",
        )
        access_targets = AccessTargets(
            storage=self.storage,
            sender_arn=self.sender.email_identity_arn,
            pipeline_arn=self.pipeline_arn,
            endpoint_arns={
                model: self.format_arn(
                    service="sagemaker", resource="endpoint", resource_name=name.lower()
                )
                for model, name in endpoint_names.items()
            },
            audit_key_arn=self.audit.signing_key.secret_arn,
        )
        for name, fn in self.functions.items():
            grant(fn, FUNCTION_ACCESS[name], access_targets)

        self.storage.drop_bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(self.functions["ingest"].function)
        )
        arns = {f"{pascal_case(n)}FunctionArn": f.function for n, f in self.functions.items()}
        self.pipeline = PipelineStateMachine(
            self,
            "PhotoPipeline",
            definition_file=repo_root / PIPELINE_DEFINITION,
            functions=arns,
            state_machine_name=pipeline_name,
            log_retention=retention,
            removal_policy=removal,
            timeout=Duration.hours(24),
        )
        self.policy_sync = PipelineStateMachine(
            self,
            "PolicySync",
            definition_file=repo_root / POLICY_SYNC_DEFINITION,
            functions=arns,
            state_machine_name=f"{prefix}policy-sync",
            log_retention=retention,
            removal_policy=removal,
            timeout=Duration.hours(1),
        )
        self.schedule_dead_letters = sqs.Queue(
            self,
            "PolicySyncScheduleDeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.policy_sync_schedule = events.Rule(
            self,
            "PolicySyncSchedule",
            description="Fires the policy-sync state machine (marketplace policy changes)",
            schedule=events.Schedule.expression(config.policy_sync_schedule),
            targets=[
                targets.SfnStateMachine(
                    self.policy_sync.state_machine,
                    dead_letter_queue=self.schedule_dead_letters,
                    retry_attempts=3,
                    max_event_age=Duration.hours(2),
                )
            ],
        )
        self.api: ChaliceApi | None = None
        if api_source_dir is not None:
            self.api = self._api(api_source_dir)
        self.alerts = Alerts(self, "Alerts", email=config.alerts_email)
        self._alarms()
        acknowledge_pipeline_findings(self)

    def _function(
        self,
        name: str,
        image: FunctionImage,
        retention: logs.RetentionDays,
        removal: RemovalPolicy,
    ) -> PhotoFunction:
        sizing = SIZES.get(name, LIGHT)
        if name in IMAGING_FUNCTIONS:
            sizing = FunctionSizing(
                memory_mb=self.config.imaging_memory_mb,
                timeout_seconds=self.config.imaging_timeout_seconds,
                ephemeral_storage_mb=2048,
            )
        return PhotoFunction(
            self,
            f"{pascal_case(name)}Function",
            name=name,
            image=image,
            sizing=sizing,
            environment=self.function_environment,
            log_retention=retention,
            removal_policy=removal,
        )

    def _api(self, source_dir: Path) -> ChaliceApi:
        api = ChaliceApi(
            self,
            "Api",
            source_dir=source_dir,
            environment=self.function_environment,
            work_dir=_assembly_dir(self),
        )
        api.allow(
            list(TABLE_WRITE),
            table_arns(
                self.storage,
                (
                    *("workspaces", "presets", "batches", "items", "outputs", "ledger", "audit"),
                    *("memberships", "api_keys", "share_links", "invitations"),
                ),
            ),
        )
        api.allow(["s3:PutObject"], [self.storage.drop_bucket.arn_for_objects("*")])
        api.allow(["s3:GetObject"], [self.storage.output_bucket.arn_for_objects("*")])
        # Start lists what arrived under the batch's upload prefix; outputs lists published files.
        api.allow(
            ["s3:ListBucket"],
            [self.storage.drop_bucket.bucket_arn, self.storage.output_bucket.bucket_arn],
        )
        api.allow(["states:StartExecution"], [self.pipeline_arn])
        return api

    def _alarms(self) -> None:
        for name, fn in self.functions.items():
            stem = pascal_case(name)
            self.alerts.alarm(
                f"{stem}Errors",
                fn.function.metric_errors(period=ALARM_PERIOD, statistic="Sum"),
                threshold=ERROR_THRESHOLDS.get(name, 1),
                description=f"{name}: Lambda errors",
            )
            self.alerts.queue_not_empty(f"{stem}DeadLetters", fn.dead_letter_queue, name)
        self.alerts.queue_not_empty(
            "PolicySyncScheduleDeadLetters", self.schedule_dead_letters, "policy-sync schedule"
        )
        self.audit.add_alarms(self.alerts)
        for stem, machine in (("PhotoPipeline", self.pipeline), ("PolicySync", self.policy_sync)):
            sm = machine.state_machine
            self.alerts.alarm(
                f"{stem}ExecutionsFailed",
                sm.metric_failed(period=ALARM_PERIOD, statistic="Sum"),
                threshold=1,
                description=f"{stem}: an execution failed",
            )
            self.alerts.alarm(
                f"{stem}ExecutionsTimedOut",
                sm.metric_timed_out(period=ALARM_PERIOD, statistic="Sum"),
                threshold=1,
                description=f"{stem}: an execution timed out",
            )


def _assembly_dir(scope: Construct) -> Path:
    stage = Stage.of(scope)
    return Path(stage.outdir) if stage is not None else Path.cwd()


def _ses_identity(identity: str) -> ses.Identity:
    return ses.Identity.email(identity) if "@" in identity else ses.Identity.domain(identity)


def _sender_address(identity: str) -> str:
    """The From address: the identity itself, or ``no-reply@`` a verified domain."""
    return identity if "@" in identity else f"no-reply@{identity}"
