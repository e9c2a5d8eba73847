"""The API's ports, built from the function's environment (the composition root of the API)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from pixellift.adapters.aws.access_invitation_http import (
    InvitationStores,
    dynamo_invitation_stores,
)
from pixellift.adapters.aws.access_wiring import dynamo_access_services
from pixellift.adapters.aws.audit_sink import LedgerAuditSink
from pixellift.adapters.aws.audit_store import DynamoAuditStore
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.dynamodb_repos import (
    DynamoBatches,
    DynamoItems,
    DynamoPresets,
    DynamoWorkspaces,
)
from pixellift.adapters.aws.ledger import DynamoLedgerBilling, ledger_billing
from pixellift.adapters.aws.s3_store import S3ObjectStore
from pixellift.adapters.aws.stepfunctions import StepFunctionsStarter
from pixellift.adapters.settings import Settings
from pixellift.adapters.system import UtcClock, UuidIds
from pixellift.core.pipeline.api_access import AccessServices
from pixellift.core.pipeline.api_batches import ApiDeps
from pixellift.core.ports import PresetRepository

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class ApiServices:
    """Everything the routes use."""

    deps: ApiDeps
    presets: PresetRepository
    access: AccessServices
    billing: DynamoLedgerBilling | None = None
    """Credits routes answer 503 without it (a deployment without the ledger)."""


class S3UploadSigner:
    """``UploadSigner``: pre-signed ``PutObject`` URLs into one bucket."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def presign_put(self, key: str, content_type: str, expires_seconds: int) -> str:
        """A URL for one PUT of ``key``; the client must send the same ``Content-Type``."""
        return self._client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self._bucket, "Key": key, "ContentType": content_type},
            ExpiresIn=expires_seconds,
        )


def signing_client(region: str, endpoint_url: str | None = None) -> S3Client:
    """An S3 client that signs URLs with Signature Version 4 (the only one new regions accept)."""
    config = Config(signature_version="s3v4")
    return boto3.client("s3", region_name=region, endpoint_url=endpoint_url, config=config)


def build_services(env: Mapping[str, str]) -> ApiServices:
    """Wire the API's ports from the function's environment."""
    settings = Settings.from_env(env)
    tables = Tables.bound(settings.tables, settings.region, settings.endpoint_url)
    s3 = boto3.client("s3", region_name=settings.region, endpoint_url=settings.endpoint_url)
    sfn = boto3.client(
        "stepfunctions", region_name=settings.region, endpoint_url=settings.endpoint_url
    )
    deps = ApiDeps(
        drop=S3ObjectStore(s3, settings.drop_bucket),
        outputs=S3ObjectStore(s3, settings.output_bucket),
        workspaces=DynamoWorkspaces(tables),
        batches=DynamoBatches(tables),
        items=DynamoItems(tables),
        starter=StepFunctionsStarter(sfn, settings.pipeline_arn),
        clock=UtcClock(),
        ids=UuidIds(),
        signer=S3UploadSigner(
            signing_client(settings.region, settings.endpoint_url), settings.drop_bucket
        ),
        max_concurrency=settings.max_concurrency,
    )
    access = dynamo_access_services(env, settings.region, settings.endpoint_url, deps.clock)
    dynamodb = boto3.client(
        "dynamodb", region_name=settings.region, endpoint_url=settings.endpoint_url
    )
    audit = LedgerAuditSink(DynamoAuditStore(dynamodb, settings.tables.audit))
    billing = ledger_billing(settings, tables, deps.clock, audit)
    return ApiServices(deps=deps, presets=DynamoPresets(tables), access=access, billing=billing)


def build_invitation_stores(env: Mapping[str, str]) -> InvitationStores:
    """The invitation and membership tables named by the function's environment."""
    settings = Settings.from_env(env)
    return dynamo_invitation_stores(env, settings.region, settings.endpoint_url)
