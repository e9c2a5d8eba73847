"""What each pipeline function may touch: tables, buckets, endpoints, e-mail, executions.

One declarative table keeps least privilege reviewable: a function gets item-level DynamoDB
actions on the tables it names (no table-level actions, and no Scan but the one that lists
workspace ids and nothing else), object-level S3 actions on the buckets it names (on the audit
bucket, only under the tree heads' prefix), ``sagemaker:InvokeEndpoint`` on the endpoints of the
models it calls, ``ses:SendEmail`` on the one sender identity, ``states:StartExecution`` on the
one pipeline machine, and ``secretsmanager:GetSecretValue`` on the audit signing key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from aws_cdk import aws_iam as iam

from ..constructs.photo_function import PhotoFunction
from ..constructs.storage import PhotoStorage

TABLE_READ: Final = (
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:GetItem",
    "dynamodb:Query",
)
TABLE_WRITE: Final = (
    *TABLE_READ,
    "dynamodb:BatchWriteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)
OBJECT_READ: Final = ("s3:GetObject",)
OBJECT_WRITE: Final = ("s3:GetObject", "s3:PutObject")
AUDIT_HEADS_PREFIX: Final = "audit"
"""Key prefix of the signed tree heads in the audit bucket (``S3TreeHeadArchive``'s default)."""
WORKSPACE_KEY: Final = "workspace_id"


@dataclass(frozen=True)
class FunctionAccess:
    """Resources one function may use.

    Parameters
    ----------
    reads, writes
        Table names read, and read and written.
    drop, output
        Access to the drop and output buckets: ``""``, ``"r"`` or ``"rw"``.
    list_output
        May list the output bucket (to build manifests and reports).
    models
        Model endpoints the function invokes.
    sends_email
        May send mail from the SES identity.
    starts_pipeline
        May start executions of the batch state machine.
    audit_heads
        Access to the signed tree heads in the audit bucket: ``""``, ``"r"`` or ``"rw"`` (with
        listing of the bucket).
    lists_workspaces
        May scan the workspaces table for its keys (the workspace ids) alone.
    reads_audit_key
        May read the audit signing key's secret.
    """

    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    drop: str = ""
    output: str = ""
    list_output: bool = False
    models: tuple[str, ...] = ()
    sends_email: bool = False
    starts_pipeline: bool = False
    audit_heads: str = ""
    lists_workspaces: bool = False
    reads_audit_key: bool = False


FUNCTION_ACCESS: Final = {
    "ingest": FunctionAccess(
        reads=("workspaces", "presets"),
        writes=("batches", "items", "audit", "ledger"),
        drop="r",
        starts_pipeline=True,
    ),
    "resolve_rules": FunctionAccess(
        reads=("workspaces", "presets", "policies"), writes=("batches", "items")
    ),
    "process": FunctionAccess(
        reads=("workspaces",),
        writes=("batches", "items", "outputs"),
        drop="r",
        output="rw",
        models=("segmentation", "matting"),
    ),
    "compliance_gate": FunctionAccess(
        reads=("batches", "policies", "outputs"), writes=("items",), output="r", models=("ocr",)
    ),
    "billing": FunctionAccess(
        reads=("workspaces",), writes=("batches", "items", "ledger", "audit"), sends_email=True
    ),
    "publish": FunctionAccess(
        reads=("workspaces", "outputs"),
        writes=("batches", "items", "audit", "ledger"),
        output="rw",
        list_output=True,
        sends_email=True,
    ),
    "policy_sync": FunctionAccess(
        reads=("workspaces", "presets"),
        writes=("policies", "audit"),
        output="rw",
        sends_email=True,
    ),
    "audit_publish": FunctionAccess(
        reads=("audit",), audit_heads="rw", lists_workspaces=True, reads_audit_key=True
    ),
}
"""Access of every function under ``functions/``; the keys are the folder names."""

IMAGING_FUNCTIONS: Final = frozenset({"process", "compliance_gate"})
"""Functions that decode and transform full-size photos: they get the imaging memory and timeout."""


@dataclass(frozen=True)
class AccessTargets:
    """The resources of one environment that access is granted on.

    Parameters
    ----------
    storage
        Buckets and tables.
    sender_arn
        ARN of the SES identity.
    pipeline_arn
        ARN of the batch state machine.
    endpoint_arns
        Model name -> ARN of its SageMaker endpoint.
    audit_key_arn
        ARN of the audit signing key's secret.
    """

    storage: PhotoStorage
    sender_arn: str
    pipeline_arn: str
    endpoint_arns: Mapping[str, str]
    audit_key_arn: str


def table_arns(storage: PhotoStorage, names: tuple[str, ...]) -> list[str]:
    """ARNs of the named tables (no secondary indexes: every key starts with a workspace)."""
    return [storage.tables[name].table_arn for name in names]


def grant(fn: PhotoFunction, access: FunctionAccess, targets: AccessTargets) -> None:
    """Add to ``fn``'s role exactly the statements ``access`` calls for."""
    storage = targets.storage
    if access.reads:
        fn.allow(TABLE_READ, table_arns(storage, access.reads))
    if access.writes:
        fn.allow(TABLE_WRITE, table_arns(storage, access.writes))
    buckets = ((storage.drop_bucket, access.drop), (storage.output_bucket, access.output))
    for bucket, mode in buckets:
        if mode:
            fn.allow(OBJECT_WRITE if "w" in mode else OBJECT_READ, [bucket.arn_for_objects("*")])
    if access.drop:
        fn.allow(["s3:ListBucket"], [storage.drop_bucket.bucket_arn])
    if access.list_output:
        fn.allow(["s3:ListBucket"], [storage.output_bucket.bucket_arn])
    if access.models:
        fn.allow(["sagemaker:InvokeEndpoint"], [targets.endpoint_arns[m] for m in access.models])
    if access.sends_email:
        fn.allow(["ses:SendEmail", "ses:SendRawEmail"], [targets.sender_arn])
    if access.starts_pipeline:
        fn.allow(["states:StartExecution"], [targets.pipeline_arn])
    if access.audit_heads:
        _grant_audit_heads(fn, storage, access.audit_heads)
    if access.lists_workspaces:
        fn.role.add_to_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Scan"],
                resources=[storage.tables["workspaces"].table_arn],
                conditions={
                    "ForAllValues:StringEquals": {"dynamodb:Attributes": [WORKSPACE_KEY]},
                    "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"},
                },
            )
        )
    if access.reads_audit_key:
        fn.allow(["secretsmanager:GetSecretValue"], [targets.audit_key_arn])


def _grant_audit_heads(fn: PhotoFunction, storage: PhotoStorage, mode: str) -> None:
    bucket = storage.audit_bucket
    actions = OBJECT_WRITE if "w" in mode else OBJECT_READ
    fn.allow(actions, [bucket.arn_for_objects(f"{AUDIT_HEADS_PREFIX}/*")])
    # Listing reads a workspace's history, and makes a missing ``latest.json`` answer 404, not 403
    # (HeadObject carries no s3:prefix, so a prefix condition would turn that into a denial).
    fn.allow(["s3:ListBucket"], [bucket.bucket_arn])
