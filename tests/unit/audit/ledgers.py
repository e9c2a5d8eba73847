"""Sample events and logs for the audit ledger's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pixellift.core.audit.log import StoredEntry, TreeState, plan_block
from pixellift.core.contracts.audit import AuditEvent

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SEED = bytes(range(32))
"""A fixed Ed25519 seed, so signatures are reproducible."""


def sample_events(count: int, workspace: str = "acme") -> list[AuditEvent]:
    """A varied, realistic run of events: presets, batches, overrides, billing, roles."""
    kinds = [
        (
            "preset.changed",
            {"preset": "amazon-main", "sku": "SKU-{i}"},
            {"before": {"fill": 0.85}, "after": {"fill": 0.9}},
            "new Amazon guidance on fill",
        ),
        ("batch.started", {"batch_id": "b{i}"}, {}, ""),
        (
            "batch.state_changed",
            {"batch_id": "b{i}"},
            {"before": {"status": "RUNNING"}, "after": {"status": "PUBLISHED"}},
            "",
        ),
        (
            "override.applied",
            {"item_id": "i{i}", "rule": "MAIN_IMAGE_WHITE_BACKGROUND", "sku": "SKU-{i}"},
            {"after": {"blocking": False}},
            "Seller confirmed the ivory backdrop is the product's packaging",
        ),
        ("billing.transfer_posted", {"transfer_id": "t{i}", "batch_id": "b{i}"}, {}, ""),
        (
            "access.role_granted",
            {"user": "user:bo{i}", "role": "Reviewer"},
            {"before": {"roles": []}, "after": {"roles": ["Reviewer"]}},
            "joins the catalogue review rota",
        ),
    ]
    found = []
    for i in range(count):
        kind, subject, diff, why = kinds[i % len(kinds)]
        found.append(
            AuditEvent(
                workspace_id=workspace,
                actor=f"user:ana{i % 3}",
                type=kind,
                at=START + timedelta(minutes=i),
                subject={k: v.format(i=i) for k, v in subject.items()},
                justification=why,
                **diff,
            )
        )
    return found


def build_log(events: list[AuditEvent], block: int = 7) -> tuple[list[StoredEntry], TreeState]:
    """Entries and tree state of a log that received ``events`` in blocks of ``block``."""
    state = TreeState.empty()
    entries: list[StoredEntry] = []
    for start in range(0, len(events), block):
        planned, state = plan_block(state, events[start : start + block])
        entries.extend(planned.entries)
    return entries, state
