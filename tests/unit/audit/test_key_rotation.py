"""Signing-key rotation: old and new heads verify, forged key ids and retired keys are refused."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pixellift.adapters.aws.audit_signer import Ed25519Check, Ed25519Signer
from pixellift.core.audit.export import check_export, export_json
from pixellift.core.audit.keyring import Keyring
from pixellift.core.audit.ledger import (
    LedgerServices,
    head_for_export,
    publish_tree_head,
    verify_workspace,
)
from pixellift.core.audit.query import AuditQuery, read_events
from pixellift.core.audit.rotation import rotate_signing_key
from pixellift.core.audit.taxonomy import check_event
from pixellift.core.audit.treehead import (
    SignedTreeHead,
    TreeHead,
    key_id_of,
    read_token,
    sign_tree_head,
    timestamp_ms,
)
from pixellift.core.errors import (
    AuditLogBrokenError,
    InvalidTreeHeadSignatureError,
    MissingConfigurationError,
    RetiredSigningKeyError,
    UnknownSigningKeyError,
)

from tests.unit.audit.ledgers import SEED, sample_events
from tests.unit.audit.test_publishing import Clock, MemoryArchive, MemoryStore

pytestmark = pytest.mark.unit

OLD = Ed25519Signer.from_bytes(SEED)
NEW = Ed25519Signer.from_bytes(bytes(range(100, 132)))


class MemoryKeyrings:
    """``KeyringStore`` in memory, keeping every version published."""

    def __init__(self) -> None:
        self.published: list[Keyring] = []

    def keyring(self, workspace_id: str) -> Keyring | None:
        found = [k for k in self.published if k.workspace_id == workspace_id]
        return found[-1] if found else None

    def publish_keyring(self, keyring: Keyring) -> None:
        self.published.append(keyring)


def _ledger() -> LedgerServices:
    return LedgerServices(
        store=MemoryStore(),
        archive=MemoryArchive(),
        signer=OLD,
        check=Ed25519Check(),
        clock=Clock(),
        keyrings=MemoryKeyrings(),
    )


def _rotated() -> tuple[LedgerServices, SignedTreeHead]:
    """A log with a legacy head (no key id), rotated from OLD to NEW, then grown and published."""
    services = _ledger()
    services.store.append("acme", sample_events(5))
    state = services.store.state("acme")
    stamp = timestamp_ms(services.clock.now())
    legacy = sign_tree_head(TreeHead("acme", state.size, stamp, state.root), OLD)
    services.archive.publish(legacy)
    services.store.append("acme", sample_events(3))
    rotate_signing_key(services, "acme", NEW.public_key, actor="user:olu", justification="yearly")
    services = replace(services, signer=NEW)
    services.store.append("acme", sample_events(4))
    return services, publish_tree_head(services, "acme")


def _forge(services: LedgerServices, signer: Ed25519Signer, key_id: str | None) -> SignedTreeHead:
    state = services.store.state("acme")
    stamp = timestamp_ms(services.clock.now())
    return sign_tree_head(TreeHead("acme", state.size, stamp, state.root, key_id), signer)


def test_rotate_then_verify_old_and_new_heads() -> None:
    # GIVEN a legacy head, a last head of the old key, and a head of the new key
    services, newest = _rotated()
    heads = services.archive.history("acme")
    # WHEN the log is verified against the published keyring
    verified = verify_workspace(services, "acme")
    # THEN every head checks with the key it names (the legacy one with the original key)
    assert [h.head.key_id for h in heads] == [None, key_id_of(OLD.public_key), newest.head.key_id]
    assert newest.head.key_id == key_id_of(NEW.public_key)
    assert verified.size == 5 + 3 + 1 + 4
    ring = services.keyring("acme")
    assert ring is not None
    assert [k.key_id for k in ring.keys] == [key_id_of(OLD.public_key), key_id_of(NEW.public_key)]
    assert ring.keys[0].retired_at_ms == ring.current.valid_from_ms
    assert heads[1].head.timestamp_ms < ring.current.valid_from_ms <= newest.head.timestamp_ms


def test_the_rotation_is_an_audit_event_of_the_log() -> None:
    # GIVEN a rotated log / WHEN its events are read
    services, _ = _rotated()
    rotated = [
        e for e in read_events(services.store.entries("acme")) if e.event.type.startswith("audit.")
    ]
    # THEN one audit.key_rotated names both keys and the reason, valid under taxonomy 2
    [found] = rotated
    assert found.event.before == {"key_id": key_id_of(OLD.public_key)}
    assert found.event.subject == {"key_id": key_id_of(NEW.public_key)}
    assert found.event.justification == "yearly"
    check_event(found.event)


def test_a_head_signed_by_the_retired_key_after_its_retirement_is_refused() -> None:
    # GIVEN a rotated log, and the old private key (say, leaked) signing a newer head
    services, _ = _rotated()
    services.store.append("acme", sample_events(1))
    leaked = _forge(services, OLD, key_id_of(OLD.public_key))
    services.archive.publish(leaked)
    # WHEN verified / THEN refused naming the retirement
    with pytest.raises(RetiredSigningKeyError, match="was retired at"):
        verify_workspace(services, "acme")


def test_the_retired_key_cannot_publish_anymore() -> None:
    # GIVEN a rotated log whose publisher still has the old key
    services, _ = _rotated()
    services.store.append("acme", sample_events(1))
    # WHEN it publishes / THEN refused before signing
    with pytest.raises(RetiredSigningKeyError, match="was retired; the current key is"):
        publish_tree_head(replace(services, signer=OLD), "acme")
    stranger = Ed25519Signer.from_bytes(bytes(range(7, 39)))
    with pytest.raises(UnknownSigningKeyError, match="is not in its keyring"):
        publish_tree_head(replace(services, signer=stranger), "acme")


@pytest.mark.parametrize(
    ("signer", "key_id", "error", "message"),
    [
        (NEW, "ed25519:0000000000000000", UnknownSigningKeyError, "keyring does not hold"),
        (OLD, key_id_of(NEW.public_key), InvalidTreeHeadSignatureError, "another public key"),
        (NEW, None, RetiredSigningKeyError, "was retired"),
    ],
    ids=["unknown-key", "new-id-old-key", "no-id-means-original"],
)
def test_a_forged_key_id_is_refused(
    signer: Ed25519Signer, key_id: str | None, error: type[Exception], message: str
) -> None:
    # GIVEN a rotated log and a head naming a key it was not signed by, or none
    services, _ = _rotated()
    services.store.append("acme", sample_events(1))
    services.archive.publish(_forge(services, signer, key_id))
    # WHEN verified / THEN refused
    with pytest.raises(error, match=message):
        verify_workspace(services, "acme")


def test_a_head_naming_a_key_is_checked_against_it_without_a_keyring() -> None:
    # GIVEN a workspace that never rotated, and a head of its key naming another key id
    services = replace(_ledger(), keyrings=None)
    services.store.append("acme", sample_events(2))
    services.archive.publish(_forge(services, OLD, "ed25519:ffffffffffffffff"))
    # WHEN verified / THEN refused
    with pytest.raises(InvalidTreeHeadSignatureError, match="names key ed25519:ffff"):
        verify_workspace(services, "acme")


def test_an_export_after_rotation_carries_the_keyring_an_auditor_checks_with() -> None:
    # GIVEN a rotated log exported as JSON
    services, _ = _rotated()
    log, sth = head_for_export(services, "acme")
    events = list(read_events(services.store.entries("acme")))
    document = export_json(log, sth, events, AuditQuery(), services.keyring("acme"))
    ring = Keyring.from_json(document["keyring"])
    # WHEN checked with the published keyring / THEN every entry is proven
    assert check_export(document, Ed25519Check(), keyring=ring) == log.size
    # AND a keyring from which the new key was dropped refuses it
    stripped = Keyring(ring.workspace_id, ring.keys[:1])
    with pytest.raises(UnknownSigningKeyError):
        check_export(document, Ed25519Check(), keyring=stripped)


def test_keyring_json_round_trips_and_refuses_a_forged_key_id() -> None:
    # GIVEN a rotated keyring
    ring = Keyring.original("acme", OLD.public_key).rotate(NEW.public_key, at_ms=1000)
    body = ring.to_json()
    # WHEN read back, and with a key id that does not match its key
    forged = body | {
        "keys": [body["keys"][0] | {"key_id": "ed25519:0123456789abcdef"}, body["keys"][1]]
    }
    # THEN the first is equal, the second refused
    assert Keyring.from_json(body) == ring
    with pytest.raises(InvalidTreeHeadSignatureError, match="inconsistent"):
        Keyring.from_json(forged)
    with pytest.raises(InvalidTreeHeadSignatureError, match="was used before"):
        ring.rotate(OLD.public_key, at_ms=2000)


def test_a_head_naming_its_key_round_trips_through_json_and_token() -> None:
    # GIVEN a head signed with a key id
    sth = sign_tree_head(TreeHead("acme", 3, 5, bytes(32), key_id_of(NEW.public_key)), NEW)
    # WHEN read back / THEN equal, and the token carries the key id in its signed bytes
    assert SignedTreeHead.from_json(sth.to_json()) == sth
    assert read_token(sth.token()) == (sth.head, sth.signature)
    assert sth.head.encode().startswith(b"pixellift-audit-tree-head/2\n")


def test_rotation_needs_a_keyring_store_and_a_sound_log() -> None:
    # GIVEN a ledger without keyrings, and one whose entry was changed after a head
    bare = replace(_ledger(), keyrings=None)
    broken = _ledger()
    broken.store.append("acme", sample_events(3))
    publish_tree_head(broken, "acme")
    assert isinstance(broken.store, MemoryStore)
    entry = broken.store.logs["acme"][1]
    broken.store.logs["acme"][1] = replace(entry, data=entry.data.replace(b"ana", b"eve"))
    # WHEN rotated / THEN refused, and nothing was published
    with pytest.raises(MissingConfigurationError, match="no keyring store"):
        rotate_signing_key(bare, "acme", NEW.public_key, actor="user:olu")
    with pytest.raises(AuditLogBrokenError):
        rotate_signing_key(broken, "acme", NEW.public_key, actor="user:olu")
    assert broken.keyring("acme") is None
