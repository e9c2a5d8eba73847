"""Wiring of the audit ledger: its clients from settings, and the local (moto) ledger of the CLI.

The local ledger keeps the ``audit`` table and the tree-head bucket in moto, persisted in the same
journal as the local runtime (``PIXELLIFT_STATE_DIR/runtime``), and signs with the workspace's
key from ``PIXELLIFT_STATE_DIR/audit/keys`` (created on first use).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import boto3
from moto import mock_aws

from pixellift.adapters.aws.audit_keyring import S3Keyrings
from pixellift.adapters.aws.audit_publisher import S3TreeHeadArchive
from pixellift.adapters.aws.audit_signer import Ed25519Check, Ed25519Signer, local_signer
from pixellift.adapters.aws.audit_sink import LedgerAuditSink
from pixellift.adapters.aws.audit_store import DynamoAuditStore
from pixellift.adapters.local.durable import DurableState
from pixellift.adapters.settings import Settings
from pixellift.adapters.system import UtcClock
from pixellift.core.audit.ledger import LedgerServices


def audit_table(settings: Settings) -> str:
    """The audit table's name."""
    return settings.tables.audit


def audit_bucket(settings: Settings) -> str:
    """The tree-head bucket."""
    return settings.audit_bucket


def _signer(settings: Settings, workspace_id: str) -> Ed25519Signer:
    if settings.audit_key_file is not None:
        return Ed25519Signer.from_file(settings.audit_key_file)
    return local_signer(settings.state_dir, workspace_id)


def ledger_services(settings: Settings, workspace_id: str) -> LedgerServices:
    """The ledger's services against the configured AWS endpoint (or moto, when active)."""
    dynamodb = boto3.client(
        "dynamodb", region_name=settings.region, endpoint_url=settings.endpoint_url
    )
    s3 = boto3.client("s3", region_name=settings.region, endpoint_url=settings.endpoint_url)
    return LedgerServices(
        store=DynamoAuditStore(dynamodb, audit_table(settings)),
        archive=S3TreeHeadArchive(s3, audit_bucket(settings)),
        signer=_signer(settings, workspace_id),
        check=Ed25519Check(),
        clock=UtcClock(),
        keyrings=S3Keyrings(s3, audit_bucket(settings)),
    )


def create_audit_resources(settings: Settings) -> None:
    """Create the audit table and bucket if missing (the local runtime; CDK creates them on AWS)."""
    dynamodb = boto3.client("dynamodb", region_name=settings.region)
    table = audit_table(settings)
    if table not in dynamodb.list_tables()["TableNames"]:
        dynamodb.create_table(
            TableName=table,
            KeySchema=[
                {"AttributeName": "workspace_id", "KeyType": "HASH"},
                {"AttributeName": "event_id", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "workspace_id", "AttributeType": "S"},
                {"AttributeName": "event_id", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    boto3.client("s3", region_name=settings.region).create_bucket(Bucket=audit_bucket(settings))


@contextmanager
def attached_audit_log(settings: Settings) -> Iterator[LedgerAuditSink]:
    """The audit log in the running moto, restored from and journaled to the local state folder.

    For a command that keeps other tables of its own in the same moto (the access CLI): events it
    records land in the workspace's ledger, where ``pixellift audit`` reads and verifies them.
    """
    create_audit_resources(settings)
    durable = DurableState(
        settings.state_dir / "runtime",
        tables=[audit_table(settings)],
        buckets=[],
        region=settings.region,
    )
    durable.restore()
    with durable.attached():
        client = boto3.client("dynamodb", region_name=settings.region)
        yield LedgerAuditSink(DynamoAuditStore(client, audit_table(settings)))


@contextmanager
def local_ledger(settings: Settings, workspace_id: str) -> Iterator[LedgerServices]:
    """The ledger on in-process moto, restored from and journaled to the local state folder."""
    with mock_aws():
        create_audit_resources(settings)
        durable = DurableState(
            settings.state_dir / "runtime",
            tables=[audit_table(settings)],
            buckets=[audit_bucket(settings)],
            region=settings.region,
        )
        durable.restore()
        with durable.attached():
            yield ledger_services(replace(settings, endpoint_url=None), workspace_id)
