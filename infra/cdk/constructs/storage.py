"""PhotoStorage: the drop, output and audit buckets, their access-log bucket, and the tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

INTERMEDIATE_PREFIXES: Final = ("intermediate/", "objects/")
"""Output-bucket prefixes that hold intermediates, expired by lifecycle: per-step scratch files,
and the content-addressed outputs a re-run may reuse (publishing copies them under
``<workspace>/<batch>/``; a re-run whose object has expired processes the photo again)."""


@dataclass(frozen=True)
class TableSpec:
    """Key schema of one table (string keys; names match the repositories' pynamodb models).

    Parameters
    ----------
    name
        Logical name: ``workspaces``, ``batches``, ...; also the suffix of the physical name.
    partition_key
        Hash-key attribute.
    sort_key
        Range-key attribute, if the table has one.
    indexes
        Global secondary indexes as ``(index name, partition key, sort key)``.
    schema
        Key-schema version: above 1 the physical name ends in ``-v<schema>``, so that a new key
        schema is a new table (the old one is retained for the migration; docs/adr/0008).
    """

    name: str
    partition_key: str
    sort_key: str | None = None
    indexes: tuple[tuple[str, str, str], ...] = ()
    schema: int = 1

    def table_name(self, prefix: str) -> str:
        """The physical name in an environment (the same rule as the runtime's defaults)."""
        return f"{prefix}{self.name}" + (f"-v{self.schema}" if self.schema > 1 else "")


TABLES: Final = (
    TableSpec("workspaces", "workspace_id"),
    TableSpec("presets", "workspace_id", "preset_version"),
    TableSpec("batches", "workspace_id", "batch_id", schema=2),
    TableSpec("items", "batch_scope", "item_id", schema=2),
    TableSpec("outputs", "workspace_id", "content_key", schema=2),
    TableSpec("ledger", "workspace_id", "entry_id"),
    TableSpec("policies", "marketplace"),
    TableSpec("audit", "workspace_id", "event_id"),
    TableSpec("memberships", "workspace_id", "user_id"),
    TableSpec("api_keys", "workspace_id", "prefix"),
    TableSpec("share_links", "workspace_id", "link_id"),
    TableSpec("invitations", "workspace_id", "invitation_id"),
)
"""Tables of one environment; keys match ``pixellift.adapters.aws.dynamodb_models``."""


S3_LOGS_BY_POLICY: Final = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"


def deliver_access_logs_by_policy(scope: Construct) -> None:
    """Make access-log buckets under ``scope`` accept deliveries by bucket policy, not an ACL.

    Set on each stack (before its buckets) as well as in ``cdk.json``, so the app synthesizes the
    same with or without the CDK CLI.
    """
    scope.node.set_context(S3_LOGS_BY_POLICY, True)


def _string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class PhotoStorage(Construct):
    """Buckets and tables of one environment.

    The drop bucket receives sellers' uploads and expires them after ``drop_expiry_days``; the
    output bucket keeps published outputs (versioned) and expires intermediates
    (:data:`INTERMEDIATE_PREFIXES`) after ``intermediate_expiry_days``. The audit bucket keeps the
    audit ledger's signed tree heads under Object Lock: every version is kept, and none can be
    overwritten or deleted for ``audit_retention_days`` (GOVERNANCE mode: only a principal granted
    ``s3:BypassGovernanceRetention`` could); it outlives the stack. Every bucket is encrypted,
    blocks every form of public access, refuses plain HTTP and logs access to a fourth bucket.
    Tables are on demand with point-in-time recovery.

    Parameters
    ----------
    scope, construct_id
        Where the construct lives in the tree.
    prefix
        Physical-name prefix of the tables (``pixellift-dev-``).
    drop_expiry_days, intermediate_expiry_days
        Lifecycle of uploads and of intermediates.
    retain
        Keep buckets and tables when the stack is deleted, and turn on deletion protection.
    audit_retention_days
        Object Lock default retention of the audit bucket's objects.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        drop_expiry_days: int,
        intermediate_expiry_days: int,
        retain: bool,
        audit_retention_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        removal = RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY
        self.access_logs = self._bucket(
            "AccessLogs",
            removal,
            lifecycle=[s3.LifecycleRule(id="expire-access-logs", expiration=Duration.days(365))],
            logs=None,
        )
        self.drop_bucket = self._bucket(
            "DropBucket",
            removal,
            lifecycle=[
                s3.LifecycleRule(
                    id="expire-uploads",
                    expiration=Duration.days(drop_expiry_days),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            logs="drop/",
        )
        self.output_bucket = self._bucket(
            "OutputBucket",
            removal,
            lifecycle=[
                *(
                    s3.LifecycleRule(
                        id=f"expire-{scratch.rstrip('/')}",
                        prefix=scratch,
                        expiration=Duration.days(intermediate_expiry_days),
                    )
                    for scratch in INTERMEDIATE_PREFIXES
                ),
                s3.LifecycleRule(
                    id="tidy-versions-and-uploads",
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
            ],
            logs="output/",
            versioned=True,
        )
        self.audit_bucket = self._bucket(
            "AuditBucket",
            RemovalPolicy.RETAIN,  # locked objects cannot be deleted with the stack anyway
            lifecycle=[
                s3.LifecycleRule(
                    id="abort-uploads", abort_incomplete_multipart_upload_after=Duration.days(1)
                )
            ],
            logs="audit/",
            versioned=True,
            lock=s3.ObjectLockRetention.governance(Duration.days(audit_retention_days)),
        )
        self.tables = {
            spec.name: self._table(spec, prefix, removal, deletion_protection=retain)
            for spec in TABLES
        }

    def _bucket(
        self,
        construct_id: str,
        removal: RemovalPolicy,
        *,
        lifecycle: list[s3.LifecycleRule],
        logs: str | None,
        versioned: bool = False,
        lock: s3.ObjectLockRetention | None = None,
    ) -> s3.Bucket:
        return s3.Bucket(
            self,
            construct_id,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=versioned,
            object_lock_enabled=True if lock is not None else None,
            object_lock_default_retention=lock,
            lifecycle_rules=lifecycle,
            server_access_logs_bucket=self.access_logs if logs is not None else None,
            server_access_logs_prefix=logs,
            removal_policy=removal,
        )

    def _table(
        self, spec: TableSpec, prefix: str, removal: RemovalPolicy, *, deletion_protection: bool
    ) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            "".join(part.capitalize() for part in spec.name.split("_")) + "Table",
            table_name=spec.table_name(prefix),
            partition_key=_string(spec.partition_key),
            sort_key=_string(spec.sort_key) if spec.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            deletion_protection=deletion_protection,
            removal_policy=removal,
        )
        for index_name, partition_key, sort_key in spec.indexes:
            table.add_global_secondary_index(
                index_name=index_name,
                partition_key=_string(partition_key),
                sort_key=_string(sort_key),
            )
        return table
