"""Fixtures of the audit ledger's unit tests: a reproducible Ed25519 key."""

from __future__ import annotations

import pytest
from pixellift.adapters.aws.audit_signer import Ed25519Check, Ed25519Signer

from tests.unit.audit.ledgers import SEED


@pytest.fixture
def signer() -> Ed25519Signer:
    return Ed25519Signer.from_bytes(SEED)


@pytest.fixture
def check() -> Ed25519Check:
    return Ed25519Check()
