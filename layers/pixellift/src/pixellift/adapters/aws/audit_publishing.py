"""Wiring of scheduled tree-head publishing: workspaces from DynamoDB, the key from its source.

Deployed, the signing key is the Secrets Manager secret ``audit_key_secret``: one key for every
workspace. Without it, and always in the local runtime, heads are signed with the keys
``pixellift audit`` uses: the key file ``audit_key_file``, else a key per workspace under
``PIXELLIFT_STATE_DIR/audit/keys``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

import boto3

from pixellift.adapters.aws.audit_keyring import S3Keyrings
from pixellift.adapters.aws.audit_local import audit_bucket, audit_table
from pixellift.adapters.aws.audit_publisher import S3TreeHeadArchive
from pixellift.adapters.aws.audit_secret import signer_from_secret
from pixellift.adapters.aws.audit_signer import Ed25519Check, Ed25519Signer, local_signer
from pixellift.adapters.aws.audit_store import DynamoAuditStore
from pixellift.adapters.aws.errors import translated
from pixellift.adapters.settings import Settings
from pixellift.adapters.system import UtcClock
from pixellift.core.audit.ports import TreeHeadSigner
from pixellift.core.audit.publishing import PublisherServices

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

WORKSPACE_KEY = "workspace_id"
"""The workspaces table's partition key: the one attribute the publisher may read (IAM)."""


class DynamoWorkspaceDirectory:
    """``WorkspaceDirectory`` on the workspaces table: a scan of its keys only.

    Parameters
    ----------
    client
        A DynamoDB client.
    table
        The workspaces table's name.
    """

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def workspace_ids(self) -> Iterator[str]:
        """Every workspace id, page by page."""
        pages = self._client.get_paginator("scan").paginate(
            TableName=self._table,
            ProjectionExpression="#w",
            ExpressionAttributeNames={"#w": WORKSPACE_KEY},
        )
        with translated(f"table {self._table}"):
            for page in pages:
                for item in page.get("Items", []):
                    yield item[WORKSPACE_KEY]["S"]


def local_keys(settings: Settings) -> Callable[[str], TreeHeadSigner]:
    """The keys ``pixellift audit`` signs with: the key file for all, else one per workspace."""
    if settings.audit_key_file is not None:
        signer = Ed25519Signer.from_file(settings.audit_key_file)
        return lambda _workspace_id: signer
    return partial(local_signer, settings.state_dir)


def local_publisher_services(
    settings: Settings, signer_for: Callable[[str], TreeHeadSigner] | None = None
) -> PublisherServices:
    """The publisher's services on the configured endpoint, signing with ``signer_for``.

    By default with :func:`local_keys`, as the local runtime does, so its scheduled heads and
    those ``pixellift audit publish`` signs check against the same keys.
    """
    dynamodb = boto3.client(
        "dynamodb", region_name=settings.region, endpoint_url=settings.endpoint_url
    )
    s3 = boto3.client("s3", region_name=settings.region, endpoint_url=settings.endpoint_url)
    return PublisherServices(
        workspaces=DynamoWorkspaceDirectory(dynamodb, settings.tables.workspaces),
        store=DynamoAuditStore(dynamodb, audit_table(settings)),
        archive=S3TreeHeadArchive(s3, audit_bucket(settings)),
        check=Ed25519Check(),
        clock=UtcClock(),
        signer_for=signer_for or local_keys(settings),
        keyrings=S3Keyrings(s3, audit_bucket(settings)),
    )


def publisher_services(settings: Settings) -> PublisherServices:
    """The deployed publisher's services: one key, from the secret ``audit_key_secret`` if set.

    The secret is read once here, so an invocation signs every head with the same key.
    """
    if settings.audit_key_secret is None:
        return local_publisher_services(settings)
    client = boto3.client(
        "secretsmanager", region_name=settings.region, endpoint_url=settings.endpoint_url
    )
    signer = signer_from_secret(client, settings.audit_key_secret)
    return local_publisher_services(settings, lambda _workspace_id: signer)
