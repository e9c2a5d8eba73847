"""Orchestration bench: what the serverless chain costs on one machine, side by side with the core.

Three measurements, each in fresh processes (peak memory is per process):

* **overhead** — twelve 12-megapixel phone photos (``bench/datasets.py``; ``--photos samples`` takes
  the shipped samples instead) through the whole chain on the local runtime (ingest, Step
  Functions with the real ASL, the handlers, DynamoDB and S3 on moto; one worker). Overhead per
  item = (wall time − the core's own work in the same run: Auto-Fix's step-log time and the
  gate's time) / items, as a share of the work per item. Measuring both in one run cancels the
  shared machine's noise; the same work done directly in a loop (Auto-Fix, measurement and the
  Compliance Gate with the same fitted preset and rules) is reported beside it. Target: < 5 %.
* **memory** — a batch of 100 and one of 500 distinct small photos through the chain with a fast
  processor (classical segmentation on tiny images), peak RSS of each process. Target: flat (the
  500-photo batch needs no more memory than the 100-photo one beyond noise).
* **scaling** — the same photos with 1 worker, then 2 (one inference thread each, as two Lambda
  environments would have), beside the core alone in 1 and 2 threads; once with the workers as
  threads of the runtime's process, once as worker processes (``LocalRuntime(worker_processes=)``:
  separate environments on the runtime's AWS endpoint). Target: 2 workers give at least 1.8× the
  throughput of 1.

Run: ``python -m bench.orchestration`` (``--quick`` for a smoke run). Results are printed and
written to ``bench/results/orchestration.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "orchestration.json"
SAMPLES = REPO / "samples"
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic"}
PHONE_OBJECTS = ("bottle", "carton", "mug", "shoe", "ring", "plush")
PHONE_BATCH = 12
"""Photos per timed batch: enough that the per-batch steps (plan, publish) weigh like in use."""
WORKSPACE = "bench"
POLL_S = 0.25
"""How often the bench asks whether the execution ended (the CLI polls every 0.5 s or more)."""


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _tiny_photos(count: int) -> dict[str, bytes]:
    """Distinct small product photos (seeded: the same batch every run)."""
    rng = np.random.default_rng(2026)
    photos = {}
    for i in range(count):
        rgb = np.full((48, 64, 3), 232, np.uint8)
        top, left = rng.integers(8, 20), rng.integers(8, 28)
        rgb[top : top + 24, left : left + 28] = rng.integers(0, 160, 3, dtype=np.uint8)
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, "PNG")
        photos[f"p{i:04d}.png"] = buf.getvalue()
    return photos


def _sample_photos() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(SAMPLES.iterdir()) if p.suffix in SUFFIXES}


def _phone_photos() -> dict[str, bytes]:
    """Twelve 12-megapixel phone-like JPEGs, two of each product (rendered once, then cached)."""
    from bench import datasets

    folder = datasets.DATA_DIR / "orchestration"
    photos = {}
    for seed in range(PHONE_BATCH):
        obj = PHONE_OBJECTS[seed % len(PHONE_OBJECTS)]
        name = f"{obj}-{seed:02d}-3000x4000.jpg"
        path = datasets.large_photo(folder / name, 3000, 4000, obj=obj, seed=seed)
        photos[path.name] = path.read_bytes()
    return photos


def _settings(state: Path, threads: int) -> Any:
    from pixellift.adapters.settings import Settings

    env = dict(os.environ) | {"PIXELLIFT_STATE_DIR": str(state), "PIXELLIFT_THREADS": str(threads)}
    return Settings.from_env(env)


def _work_seconds(runtime: Any, batch_id: str) -> float:
    """Seconds the batch spent in the core's own work: Auto-Fix (its step log) and the gate."""
    total = 0.0
    for item in runtime.deps.items.list(WORKSPACE, batch_id):
        record = runtime.deps.results.get(WORKSPACE, item.content_key) if item.content_key else None
        total += (record.seconds if record else 0.0) + item.timings.get("gate_s", 0.0)
    return total


def _run_batch(runtime: Any, photos: dict[str, bytes], prefix: str, workers: int) -> Any:
    """Put ``photos`` under ``prefix``, ingest the prefix as a batch and wait for its execution."""
    from pixellift.core.contracts.tasks import IngestRequest

    for name, data in photos.items():
        runtime.deps.drop.put(prefix + name, data, content_type="image/jpeg")
    request = IngestRequest(
        workspace_id=WORKSPACE, marketplace="amazon", prefix=prefix, max_concurrency=workers
    )
    batch = runtime.ingest(request).batches[0]
    while (state := runtime.execution(batch.execution_arn or "")).status == "RUNNING":
        time.sleep(POLL_S)
    return batch.batch_id, state


def child_chain(
    photos: dict[str, bytes], workers: int, fast: bool, threads: int, *, processes: bool = False
) -> dict[str, Any]:
    """One batch through the local runtime; time from ingest to the end of the execution."""
    from pixellift.adapters.clock import SystemClock
    from pixellift.adapters.local.runtime import LocalRuntime
    from pixellift.core.contracts.records import Workspace
    from pixellift.core.pipeline.autofix import FixServices

    fix = FixServices(segmenter=None, clock=SystemClock()) if fast and not processes else None
    with (
        tempfile.TemporaryDirectory() as tmp,
        LocalRuntime(
            _settings(Path(tmp), threads),
            fix=fix,
            persist=False,
            worker_processes=workers if processes else 0,
        ) as runtime,
    ):
        now = datetime.now(UTC)
        runtime.deps.workspaces.create(Workspace(workspace_id=WORKSPACE, name="b", created_at=now))
        # Warm containers: a one-photo batch first loads the model, the handlers and the clients.
        _run_batch(runtime, {"warm.png": _tiny_photos(1)["p0000.png"]}, "bench/warm/", workers)
        for name, data in photos.items():
            runtime.deps.drop.put(f"bench/run/{name}", data, content_type="image/jpeg")
        rss_before = _peak_rss_mb()
        started = time.perf_counter()
        batch_id, state = _run_batch(runtime, {}, "bench/run/", workers)
        seconds = time.perf_counter() - started
        output = state.output or {}
        work = _work_seconds(runtime, batch_id)
        pool = runtime.worker_pools.get("process")
        worker_peaks = pool.peak_rss_mb() if pool is not None else []
    return {
        "items": len(photos),
        "workers": workers,
        "status": state.status,
        "failed": output.get("failed"),
        "seconds": round(seconds, 3),
        "items_per_s": round(len(photos) / seconds, 3),
        "work_seconds": round(work, 3),
        "peak_rss_mb_before_batch": round(rss_before, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "worker_peak_rss_mb": round(max(worker_peaks), 1) if worker_peaks else None,
    }


def _plan() -> Any:
    from pixellift.core.contracts.records import BatchRecord
    from pixellift.core.pipeline.presets import load_preset
    from pixellift.core.pipeline.rules_step import make_plan

    batch = BatchRecord(
        batch_id="b-bench", workspace_id="bench", marketplace="amazon", created_at=datetime.now(UTC)
    )
    return make_plan(batch, load_preset("amazon-main"))


def _warm(services: Any) -> None:
    """One photo (not in the batch) through Auto-Fix and the gate: first-call costs paid."""
    from pixellift.core.pipeline.autofix import fix_photo
    from pixellift.core.pipeline.preset_schema import Preset
    from pixellift.core.pipeline.rules_step import compiled_rules
    from pixellift.core.policy.measure import measure_image

    plan = _plan()
    rules = compiled_rules(plan)
    photo = _tiny_photos(1)["p0000.png"]
    result = fix_photo(photo, "warm.png", Preset.model_validate(plan.preset), services)
    measure_image(result.output.data, "warm.jpg", backgrounds=rules.rules.background_specs())


def child_direct(photos: dict[str, bytes], threads: int, workers: int) -> dict[str, Any]:
    """The same core work in a plain thread pool: Auto-Fix, measure, decide (the baseline)."""
    from concurrent.futures import ThreadPoolExecutor

    from pixellift.adapters.bootstrap import build_fix_services
    from pixellift.core.pipeline.autofix import fix_photo
    from pixellift.core.pipeline.preset_schema import Preset
    from pixellift.core.pipeline.rules_step import compiled_rules
    from pixellift.core.policy.gate import ItemRef, decide
    from pixellift.core.policy.measure import measure_image

    with tempfile.TemporaryDirectory() as tmp:
        services = build_fix_services(_settings(Path(tmp), threads))
    _warm(services)
    plan = _plan()
    preset, rules = Preset.model_validate(plan.preset), compiled_rules(plan)

    def one(item: tuple[str, bytes]) -> None:
        name, data = item
        try:
            result = fix_photo(data, name, preset, services)
        except Exception:  # noqa: BLE001 - a failing photo costs what it costs in both contenders
            return
        backgrounds = rules.rules.background_specs()
        measured = measure_image(result.output.data, name, backgrounds=backgrounds)
        decide(
            rules.evaluate(measured),
            item=ItemRef(name=name),
            role=rules.rules.role,
            today=plan.rules_on,
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, sorted(photos.items())))
    seconds = time.perf_counter() - started
    return {
        "items": len(photos),
        "workers": workers,
        "seconds": round(seconds, 3),
        "items_per_s": round(len(photos) / seconds, 3),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


ONE_CORE_ENV = {"OPENCV_FOR_THREADS_NUM": "1", "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
"""With ``--one-core``: each worker computes on one core (OpenCV's, numba's and OpenMP's pools
too), as a 1,769 MB Lambda environment (one vCPU) would; without it they size to the machine."""


def _spawn(spec: dict[str, Any], *, one_core: bool = False) -> dict[str, Any]:
    env = os.environ | ONE_CORE_ENV if one_core else None
    done = subprocess.run(
        [sys.executable, "-m", "bench.orchestration", "--child", json.dumps(spec)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{spec}: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _child(spec: dict[str, Any]) -> dict[str, Any]:
    sources = {"tiny": lambda: _tiny_photos(spec.get("count", 0)), "samples": _sample_photos}
    photos = sources.get(spec["photos"], _phone_photos)()
    if spec["mode"] == "direct":
        return child_direct(photos, spec["threads"], spec["workers"])
    fast = spec["photos"] == "tiny"
    processes = spec["mode"] == "chain-processes"
    return child_chain(photos, spec["workers"], fast, spec["threads"], processes=processes)


def _best(spec: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, Any]:
    return min((r for r in runs if r["spec"] == spec), key=lambda r: r["seconds"])


def _memory(batches: list[dict[str, Any]]) -> dict[str, Any]:
    if not batches:
        return {"batches": [], "skipped": "--scaling-only"}
    small, large = batches
    return {
        "batches": batches,
        "growth_mb": round(large["peak_rss_mb"] - small["peak_rss_mb"], 1),
        "growth_share": round(large["peak_rss_mb"] / small["peak_rss_mb"] - 1, 4),
        "target": "flat: the larger batch within noise of the smaller",
    }


def _worker_memory(batches: list[dict[str, Any]]) -> dict[str, Any]:
    """Peaks of the worker processes (each a Lambda environment) and of the runtime (moto)."""
    if not batches:
        return {"batches": [], "skipped": "--scaling-only"}
    small, large = batches
    return {
        "batches": batches,
        "worker_growth_share": round(
            large["worker_peak_rss_mb"] / small["worker_peak_rss_mb"] - 1, 4
        ),
        "runtime_growth_share": round(large["peak_rss_mb"] / small["peak_rss_mb"] - 1, 4),
        "target": "flat: a worker's peak for the larger batch within noise of the smaller",
    }


def measure(
    quick: bool, photos: str, *, scaling_only: bool = False, one_core: bool = False
) -> dict[str, Any]:
    """Run the measurements, each contender in its own process, interleaved, best of each."""
    samples = [
        {"mode": mode, "photos": photos, "workers": workers, "threads": 1}
        for mode in ("direct", "chain", "chain-processes")
        for workers in (1, 2)
    ]
    runs = []
    for _ in range(1 if quick else 2):
        for spec in samples:
            runs.append(_spawn(spec, one_core=one_core) | {"spec": spec})
            seconds = runs[-1]["seconds"]
            print(f"  {spec['mode']:16} {spec['workers']} workers: {seconds} s", flush=True)
    direct1, direct2, chain1, chain2, proc1, proc2 = (_best(spec, runs) for spec in samples)
    # Measured inside one run (wall time minus the core's own work in the same run), so the
    # machine's noise, which moves both, cancels; the direct loop is the cross-check.
    per_item = chain1["work_seconds"] / chain1["items"]
    overhead = (chain1["seconds"] - chain1["work_seconds"]) / chain1["items"]
    versus_direct = (chain1["seconds"] - direct1["seconds"]) / chain1["items"]
    small, large = (20, 60) if quick else (100, 500)
    sizes = (small, large) if not scaling_only else ()
    memory = [
        _spawn({"mode": "chain", "photos": "tiny", "count": n, "workers": 2, "threads": 1})
        for n in sizes
    ]
    worker_memory = [
        _spawn(
            {"mode": "chain-processes", "photos": "tiny", "count": n, "workers": 2, "threads": 1}
        )
        for n in sizes
    ]
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "one_core_per_worker": one_core,
        "load_average": os.getloadavg(),
        "photos": photos,
        "runs": [{k: v for k, v in r.items() if k != "spec"} | r["spec"] for r in runs],
        "overhead": {
            "chain": chain1,
            "direct": direct1,
            "work_seconds_per_item": round(per_item, 3),
            "overhead_seconds_per_item": round(overhead, 3),
            "overhead_share": round(overhead / per_item, 4),
            "direct_seconds_per_item": round(direct1["seconds"] / direct1["items"], 3),
            "chain_minus_direct_seconds_per_item": round(versus_direct, 3),
            "target": "< 0.05",
        },
        "memory": _memory(memory),
        "worker_memory": _worker_memory(worker_memory),
        "scaling": {
            "one_worker": chain1,
            "two_workers": chain2,
            "speedup": round(chain1["seconds"] / chain2["seconds"], 3),
            "core_alone_speedup": round(direct1["seconds"] / direct2["seconds"], 3),
            "target": ">= 1.8",
        },
        "process_scaling": {
            "one_worker": proc1,
            "two_workers": proc2,
            "speedup": round(proc1["seconds"] / proc2["seconds"], 3),
            "target": ">= 1.8",
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``python -m bench.orchestration [--quick]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run each, smaller batches")
    parser.add_argument("--photos", choices=["phone", "samples"], default="phone")
    parser.add_argument("--scaling-only", action="store_true", help="skip the memory batches")
    parser.add_argument("--one-core", action="store_true", help="one core per worker (Lambda)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the results go")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return 0
    if args.photos == "phone":
        _phone_photos()  # render (once) outside the timed processes
    results = measure(
        args.quick, args.photos, scaling_only=args.scaling_only, one_core=args.one_core
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    o, m, s = results["overhead"], results["memory"], results["scaling"]
    share = o["overhead_share"]
    print(f"overhead per item: {o['overhead_seconds_per_item']:.3f} s = {share:.1%} (target < 5%)")
    if m["batches"]:
        sizes = " -> ".join(f"{b['items']} items {b['peak_rss_mb']} MB" for b in m["batches"])
        print(f"memory: {sizes} ({m['growth_share']:+.1%})")
        w = results["worker_memory"]
        peaks = " -> ".join(
            f"{b['items']} items: worker {b['worker_peak_rss_mb']} MB, "
            f"runtime {b['peak_rss_mb']} MB"
            for b in w["batches"]
        )
        print(f"worker processes: {peaks} (worker {w['worker_growth_share']:+.1%})")
    one, two = s["one_worker"]["items_per_s"], s["two_workers"]["items_per_s"]
    print(f"scaling: {one}/s with 1 worker, {two}/s with 2 = {s['speedup']}x (target >= 1.8x)")
    print(f"         the core alone in 2 threads: {s['core_alone_speedup']}x on this machine")
    p = results["process_scaling"]
    one, two = p["one_worker"]["items_per_s"], p["two_workers"]["items_per_s"]
    print(f"worker processes: {one}/s with 1, {two}/s with 2 = {p['speedup']}x (target >= 1.8x)")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
