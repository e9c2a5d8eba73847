"""Audit ledger speed: appending on local DynamoDB (moto), and verifying a 100,000-event log.

Usage::

    python -m bench.audit                  # 20,000 appends; 100,000-event verification
    python -m bench.audit --quick          # 5,000 appends; 20,000-event verification
    python -m bench.audit --json bench/results/audit.json

Figures, each against a baseline timed in the same run:

1. Append rate (target: >= 1,000 events/s locally), with ``DynamoAuditStore.append`` on
   in-process moto, journaled as the local runtime journals it, in runs of 100 events (one
   conditional put per block) and one event at a time (``LedgerAuditSink.record``). Baseline: one
   conditional put per event with no hashing at all, the cheapest write that still guarantees
   each event its own index.
2. Verification of a 100,000-event log (target: < 5 s): ``verify_log`` (hash every entry,
   decode and re-encode it, check the chain, build the tree level by level, check a signed
   head), in wall-clock and in CPU seconds (shared machines run slower than their CPU time).
   Baselines: the hashing floor (SHA-256 of every entry, nothing else) and RFC 9162's recursive
   MTH definition over the same leaves. Loading the 20,000 appended events back from moto and
   verifying them is timed too.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws
from pixellift.adapters.aws.audit_local import audit_table, create_audit_resources
from pixellift.adapters.aws.audit_signer import Ed25519Check, Ed25519Signer
from pixellift.adapters.aws.audit_sink import LedgerAuditSink
from pixellift.adapters.aws.audit_store import DynamoAuditStore
from pixellift.adapters.local.durable import DurableState
from pixellift.adapters.settings import Settings
from pixellift.core.audit.log import StoredEntry, TreeState, plan_block
from pixellift.core.audit.merkle import leaf_hash, node_hash
from pixellift.core.audit.treehead import TreeHead, sign_tree_head
from pixellift.core.audit.verify import verify_log
from pixellift.core.contracts.audit import AuditEvent

WORKSPACE = "acme"
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def sample_events(count: int, workspace: str) -> list[AuditEvent]:
    """Realistic events of a busy workspace: preset edits, batch states, overrides, billing."""
    found = []
    for i in range(count):
        common = {
            "workspace_id": workspace,
            "actor": f"user:member{i % 40}",
            "at": START + timedelta(seconds=i),
        }
        kind = i % 4
        if kind == 0:
            extra = {
                "type": "preset.changed",
                "subject": {"preset": f"amazon-main-{i % 7}", "sku": f"SKU-{i:06d}"},
                "before": {"fill": 0.85, "margin_px": 40},
                "after": {"fill": 0.9, "margin_px": 36},
                "justification": "align with the marketplace's new fill guidance",
            }
        elif kind == 1:
            extra = {
                "type": "batch.state_changed",
                "subject": {"batch_id": f"b{i // 100}"},
                "before": {"status": "RUNNING"},
                "after": {"status": "PUBLISHED"},
            }
        elif kind == 2:
            extra = {
                "type": "override.applied",
                "subject": {"item_id": f"i{i}", "rule": "MAIN_IMAGE_WHITE_BACKGROUND"},
                "after": {"blocking": False},
                "justification": "the ivory backdrop is the product's own packaging",
            }
        else:
            extra = {
                "type": "billing.transfer_posted",
                "subject": {"transfer_id": f"t{i}", "batch_id": f"b{i // 100}"},
            }
        found.append(AuditEvent.model_validate(common | extra))
    return found


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def recursive_mth(leaves: list[bytes]) -> bytes:
    """RFC 9162's definition, as written: split at the largest power of two, recurse."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(recursive_mth(leaves[:k]), recursive_mth(leaves[k:]))


def build_entries(count: int) -> tuple[list[StoredEntry], TreeState]:
    events = sample_events(count, WORKSPACE)
    state = TreeState.empty()
    entries: list[StoredEntry] = []
    for start in range(0, count, 100):
        block, state = plan_block(state, events[start : start + 100])
        entries.extend(block.entries)
    return entries, state


def bench_append(count: int, root: Path) -> dict[str, Any]:
    settings = Settings.from_env({"HOME": str(root), "PIXELLIFT_STATE_DIR": str(root / "state")})
    events = sample_events(count, WORKSPACE)
    singles = sample_events(max(count // 10, 100), "solo")
    with mock_aws():
        create_audit_resources(settings)
        durable = DurableState(
            root / "journal", tables=[audit_table(settings)], buckets=[], region=settings.region
        )
        durable.restore()
        client = boto3.client("dynamodb", region_name=settings.region)
        store = DynamoAuditStore(client, audit_table(settings))
        with durable.attached():
            # Baseline: one conditional put per event, nothing hashed or chained.
            def naive() -> None:
                for i, event in enumerate(events):
                    client.put_item(
                        TableName=audit_table(settings),
                        Item={
                            "workspace_id": {"S": "naive"},
                            "event_id": {"S": f"n#{i:016d}"},
                            "body": {"S": event.model_dump_json()},
                        },
                        ConditionExpression="attribute_not_exists(event_id)",
                    )

            naive_s, _ = timed(naive)

            def batched() -> TreeState:
                state = TreeState.empty()
                for start in range(0, count, 100):
                    state = store.append(WORKSPACE, events[start : start + 100])
                return state

            batched_s, state = timed(batched)
            sink = LedgerAuditSink(store)
            single_s, _ = timed(lambda: [sink.record(e) for e in singles])
        verify_s, log = timed(lambda: verify_log(WORKSPACE, store.entries(WORKSPACE)))
    assert log.root == state.root and log.size == count
    return {
        "events": count,
        "baseline_conditional_put_per_event_per_s": round(count / naive_s),
        "append_runs_of_100_per_s": round(count / batched_s),
        "record_one_at_a_time_per_s": round(len(singles) / single_s),
        "ratio_runs_vs_baseline": round(naive_s / batched_s, 2),
        "load_and_verify_from_moto_s": round(verify_s, 3),
    }


def bench_verify(count: int) -> dict[str, Any]:
    build_s, (entries, state) = timed(lambda: build_entries(count))
    signer = Ed25519Signer.from_bytes(bytes(32))
    sth = sign_tree_head(TreeHead(WORKSPACE, count, 0, state.root), signer)
    floor_s, leaves = timed(lambda: [leaf_hash(e.data) for e in entries])
    recursive_s, root = timed(lambda: recursive_mth(leaves))
    cpu_start = time.process_time()
    verify_s, log = timed(
        lambda: verify_log(
            WORKSPACE,
            entries,
            heads=[sth],
            check=Ed25519Check(),
            public_key=signer.public_key,
            state=state,
        )
    )
    verify_cpu_s = time.process_time() - cpu_start
    assert log.root == root == state.root
    return {
        "events": count,
        "build_s": round(build_s, 2),
        "baseline_hash_every_entry_s": round(floor_s, 3),
        "baseline_recursive_mth_s": round(recursive_s, 3),
        "verify_log_s": round(verify_s, 3),
        "verify_log_cpu_s": round(verify_cpu_s, 3),
        "ratio_verify_vs_hash_floor": round(verify_s / floor_s, 2),
        "target_s": 5.0,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    appends, verifies = (5_000, 20_000) if args.quick else (20_000, 100_000)
    sys.setrecursionlimit(10_000)
    with tempfile.TemporaryDirectory() as tmp:
        append = bench_append(appends, Path(tmp))
    verify = bench_verify(verifies)
    result = {
        "machine": f"{platform.processor() or platform.machine()} {platform.python_version()}",
        "append": append,
        "verify": verify,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
