"""Every benchmark in one go (what ``make bench`` runs): quality, speed, memory, Text Guard.

Usage::

    python -m bench.run_all                 # 45 quality images, 12 MP speed, 50 MP memory
    python -m bench.run_all --quick         # 10 images, 2 timed runs, no 50 MP memory run
    python -m bench.run_all --skip memory   # any of: quality, speed, memory, guard_accuracy,
                                            # guard_speed

The baseline venv (rembg 2.0.86) and its model folder are created on first use. Tables are
printed; everything measured is written to ``bench/results/latest.json`` together with the machine
description and the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import guard_accuracy, guard_speed, memory, quality, speed
from bench.baseline import BENCH_DIR, ensure_baseline_venv, ensure_u2net_home
from bench.report import machine

RESULTS = BENCH_DIR / "results" / "latest.json"
SUITES = ("quality", "speed", "memory", "guard_accuracy", "guard_speed")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run_all", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="a small, fast subset of everything")
    parser.add_argument("--skip", default="", help="comma-separated suites to leave out")
    parser.add_argument("--quality-limit", type=int, default=None, help="first N quality images")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per speed process")
    parser.add_argument("--rounds", type=int, default=2, help="alternating speed process rounds")
    parser.add_argument(
        "--matting-repeats", type=int, default=1, help="timed runs of rembg matting"
    )
    parser.add_argument("--preset", default="amazon-main")
    parser.add_argument(
        "--guard-count", type=int, default=300, help="generated images for guard accuracy"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    skip = {s for s in args.skip.split(",") if s}
    if unknown := skip - set(SUITES):
        parser.error(f"unknown suites {sorted(unknown)}; choose from {SUITES}")
    if args.quick:
        args.quality_limit = args.quality_limit or 10
        args.repeats, args.rounds = min(args.repeats, 2), 1
        skip.add("memory")
        args.guard_count = min(args.guard_count, 40)
    args.suites = [s for s in SUITES if s not in skip]
    return args


def _suite(name: str, results: dict[str, Any], call: Any, show: Any) -> bool:
    """Run one suite, record its result (or its error), duration and load; True if it passed.

    A failing suite does not stop the others: what was measured is still written out.
    """
    print(f"[bench] {name} ...", flush=True)
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    try:
        results[name] = call()
    except Exception as exc:  # recorded in the results and in the exit status
        results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"[bench] {name} FAILED: {results[name]['error']}", flush=True)
        return False
    finally:
        results.setdefault("durations_s", {})[name] = round(time.perf_counter() - start, 1)
        results.setdefault("load_average_1min", {})[name] = [load_before, os.getloadavg()[0]]
    print(f"[bench] {name} done in {results['durations_s'][name]:.0f} s", flush=True)
    show(results[name])
    return True


def main(argv: list[str] | None = None) -> int:
    """Run the chosen suites, print their tables and write the results JSON."""
    args = _parse(argv)
    results: dict[str, Any] = {
        "command": " ".join(["python -m bench.run_all", *(sys.argv[1:] if argv is None else argv)]),
        "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    ensure_baseline_venv()
    ensure_u2net_home()
    calls = {
        "quality": (lambda: quality.run(args.quality_limit), quality.print_summary),
        "speed": (
            lambda: speed.run(args.repeats, args.rounds, args.matting_repeats, args.preset),
            speed.print_summary,
        ),
        "memory": (lambda: memory.run(args.preset), memory.print_summary),
        "guard_accuracy": (
            lambda: guard_accuracy.run(args.guard_count),
            guard_accuracy.print_summary,
        ),
        "guard_speed": (
            lambda: guard_speed.run(images=2 if args.quick else 6),
            guard_speed.print_summary,
        ),
    }
    passed = [_suite(name, results, *calls[name]) for name in args.suites]
    results["finished_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\n[bench] results written to {args.out}")
    return 0 if all(passed) else 1


if __name__ == "__main__":
    raise SystemExit(main())
