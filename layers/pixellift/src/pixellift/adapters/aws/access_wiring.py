"""Wiring of the access services for the API: DynamoDB stores, a share signer, an audit sink."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Final

import boto3

from pixellift.adapters.aws.access_models import AccessTableNames, AccessTables
from pixellift.adapters.aws.access_repos import DynamoApiKeys, DynamoShareLinks
from pixellift.adapters.aws.audit_sink import LedgerAuditSink
from pixellift.adapters.aws.audit_store import DynamoAuditStore
from pixellift.adapters.settings import TableNames
from pixellift.core.access.api_keys import KeyServices
from pixellift.core.access.authorizer import Authorizer
from pixellift.core.access.blueprints import load_blueprint
from pixellift.core.access.credentials import HmacSigner
from pixellift.core.access.ports import ApiKeyRepository, ShareLinkRepository
from pixellift.core.access.share_links import ShareServices
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import MissingConfigurationError
from pixellift.core.pipeline.api_access import AccessServices
from pixellift.core.ports import AuditSink, WallClock

SIGNING_KEY_VARIABLE: Final = "PIXELLIFT_SHARE_SIGNING_KEY"
"""Hex secret (at least 32 bytes) that signs share tokens; share routes refuse without it."""

_audit_log = logging.getLogger("pixellift.audit")


class LoggedAudit:
    """``AuditSink`` writing each event as one JSON log line (CloudWatch on AWS).

    Stands in until the governance ledger is wired as the sink; nothing is dropped meanwhile.
    """

    def record(self, event: AuditEvent) -> None:
        """Log the event."""
        _audit_log.warning("%s", event.model_dump_json())


def access_services(
    keys: ApiKeyRepository,
    links: ShareLinkRepository,
    audit: AuditSink,
    clock: WallClock,
    *,
    signing_key: str = "",
    blueprint: str | None = None,
) -> AccessServices:
    """The authoriser on a blueprint version (the newest by default) and the services around it.

    Raises
    ------
    MissingConfigurationError
        ``signing_key`` is given but is not hex of at least 32 bytes.
    """
    shares = None
    if signing_key:
        try:
            signer = HmacSigner(bytes.fromhex(signing_key))
        except ValueError as exc:
            msg = f"{SIGNING_KEY_VARIABLE}: expected hex of at least 32 bytes ({exc})"
            raise MissingConfigurationError(msg) from exc
        shares = ShareServices(links=links, signer=signer, audit=audit, clock=clock)
    return AccessServices(
        authorizer=Authorizer(load_blueprint(blueprint), audit=audit, clock=clock),
        keys=KeyServices(keys=keys, audit=audit, clock=clock),
        shares=shares,
    )


def dynamo_access_services(
    env: Mapping[str, str], region: str, endpoint_url: str | None, clock: WallClock
) -> AccessServices:
    """Access services on the DynamoDB access tables named in ``env``, auditing to the ledger."""
    tables = AccessTables.bound(AccessTableNames.from_env(env), region, endpoint_url)
    dynamodb = boto3.client("dynamodb", region_name=region, endpoint_url=endpoint_url)
    audit = LedgerAuditSink(DynamoAuditStore(dynamodb, TableNames.from_env(env).audit))
    return access_services(
        DynamoApiKeys(tables),
        DynamoShareLinks(tables),
        audit,
        clock,
        signing_key=env.get(SIGNING_KEY_VARIABLE, ""),
    )
