"""Ledger throughput on the local DynamoDB (moto), and batch-estimate speed.

Usage::

    python -m bench.billing                 # 2,000 transfers by 4 writers; 10,000-image estimate
    python -m bench.billing --transfers 800 --json bench/results/billing.json

Two figures, each against baselines run in the same process:

1. Transfers per second with 4 concurrent writers debiting one account (target: at least 300,
   zero invariant violations), by the wall clock and per second of this process's CPU time (the
   machines are shared: the second figure moves less with their load). The contender is the
   ledger as the pipeline builds it: group commit over serializable item-level moto
   transactions. Baselines: one transaction per transfer on the same moto, and one per transfer
   on moto's stock transactions (which copy every touched table, and lose writes when threads
   interleave). Funds cover 90% of the debits, so the last ones must be refused; after each run
   the ledger is checked (sums to zero, holds match, nothing below its allowance, the balance
   equals what was paid in less what was accepted).
2. An estimate for a 10,000-image batch (target: under 100 ms) against pricing every image on
   its own.
"""

from __future__ import annotations

import argparse
import json
import platform
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, nullcontext
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

from moto import mock_aws
from pixellift.adapters.aws.billing_groups import GroupCommitLedgerStore
from pixellift.adapters.aws.billing_models import billing_rows
from pixellift.adapters.aws.billing_moto import serializable_transactions
from pixellift.adapters.aws.billing_store import DynamoLedgerStore
from pixellift.core.billing.invariants import violations
from pixellift.core.billing.ledger import MAIN
from pixellift.core.billing.memory import MemoryAuditSink
from pixellift.core.billing.money import Money, to_minor
from pixellift.core.billing.ports import LedgerStore
from pixellift.core.billing.pricing import ItemPlan, Operation, default_price_book, estimate
from pixellift.core.billing.service import LedgerService
from pixellift.core.errors import InsufficientCreditsError

WS = "bench"
PRICE = 5


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def _ledger_run(
    make_store: Callable[[Any], LedgerStore],
    patch: Callable[[], AbstractContextManager[None]],
    transfers: int,
    writers: int,
) -> dict[str, Any]:
    with ExitStack() as stack:
        stack.enter_context(mock_aws())
        stack.enter_context(patch())
        model = billing_rows(f"bench-{uuid4().hex[:8]}", "us-east-1")
        model.create_table(wait=True)
        store = make_store(model)
        svc = LedgerService(store, MemoryAuditSink(), _Clock())
        svc.open_workspace(WS, "USD")
        paid = transfers * PRICE * 9 // 10
        svc.top_up(WS, "top-up", Money.of(paid, "USD"))
        accepted = [0] * writers
        refused = [0] * writers
        failed: list[str] = []

        def writer(w: int) -> None:
            for i in range(transfers // writers):
                try:
                    svc.charge(WS, f"c-{w}-{i}", Money.of(PRICE, "USD"))
                    accepted[w] += 1
                except InsufficientCreditsError:
                    refused[w] += 1
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    failed.append(f"{type(exc).__name__}: {str(exc)[:120]}")

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
        start, cpu = time.perf_counter(), time.process_time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu
        main = store.account(WS, MAIN)
        found = violations(store.accounts(WS), store.holds(WS))
        if main is None or main.posted != paid - sum(accepted) * PRICE or main.posted < 0:
            found.append(f"balance {main.posted if main else None} is not paid less accepted")
        done = sum(accepted) + sum(refused)
        return {
            "transfers": done,
            "accepted": sum(accepted),
            "refused": sum(refused),
            "seconds": round(seconds, 3),
            "per_second": round(done / seconds, 1),
            "cpu_seconds": round(cpu_seconds, 3),
            "per_cpu_second": round(done / cpu_seconds, 1),
            "violations": found,
            "errors": len(failed),
            "first_error": failed[0] if failed else None,
            "grouped_transactions": getattr(store, "groups", None),
        }


def ledger_suite(transfers: int, writers: int) -> dict[str, Any]:
    """Contender and baselines, run one after the other in this process."""
    runs: dict[str, Any] = {
        "group_commit": _ledger_run(
            lambda m: GroupCommitLedgerStore(DynamoLedgerStore(m)),
            serializable_transactions,
            transfers,
            writers,
        ),
        "one_per_transaction": _ledger_run(
            DynamoLedgerStore, serializable_transactions, transfers, writers
        ),
        "stock_moto_one_per_transaction": _ledger_run(
            DynamoLedgerStore, nullcontext, transfers // 4, writers
        ),
    }
    best = runs["group_commit"]["per_second"]
    for name in ("one_per_transaction", "stock_moto_one_per_transaction"):
        runs[f"ratio_vs_{name}"] = round(best / runs[name]["per_second"], 2)
    return runs


def _naive(items: list[ItemPlan], day: date) -> tuple[int, int]:
    table = default_price_book().at(day)
    low = high = 0
    for item in items:
        certain = sum((table.price("standard", op) for op in item.certain), Decimal(0))
        certain += table.price("standard", Operation.VARIANT) * item.variants
        maybe = sum((table.price("standard", op) for op in item.possible), Decimal(0))
        low += to_minor(certain, table.currency)
        high += to_minor(certain + maybe, table.currency)
    return low, high


def _timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000, result


def _items(n: int) -> Iterator[ItemPlan]:
    kinds = (
        ItemPlan(),
        ItemPlan(possible=(Operation.OCR,)),
        ItemPlan(possible=(Operation.OCR,), variants=2),
    )
    for i in range(n):
        yield kinds[i % 3]


def estimate_suite(images: int, repeats: int = 5) -> dict[str, Any]:
    """Estimate for ``images`` images against pricing each image on its own."""
    day = date(2026, 11, 26)
    items = list(_items(images))
    table = default_price_book().at(day)
    ms, result = _timed(lambda: estimate(table, "standard", items), repeats)
    base_ms, (low, high) = _timed(lambda: _naive(items, day), repeats)
    if (result.low.minor, result.high.minor) != (low, high):
        msg = f"estimate {result.low}..{result.high} differs from per-image {low}..{high}"
        raise AssertionError(msg)
    return {
        "images": images,
        "estimate_ms": round(ms, 2),
        "per_image_baseline_ms": round(base_ms, 2),
        "speedup": round(base_ms / ms, 1),
        "range": [str(result.low), str(result.high)],
    }


def main(argv: list[str] | None = None) -> int:
    """Run both suites and print (and optionally save) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transfers", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    report = {
        "machine": platform.platform(),
        "load_before": Path("/proc/loadavg").read_text().split()[:3],
        "ledger": ledger_suite(args.transfers, args.writers),
        "estimate": estimate_suite(args.images),
        "load_after": Path("/proc/loadavg").read_text().split()[:3],
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    bad = [r for r in report["ledger"].values() if isinstance(r, dict) and r["violations"]]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
