"""Run ``fix_photo`` on one file in a fresh process, for the speed and memory benches.

Usage::

    python -m bench.worker IMAGE --repeats 5 --preset amazon-main --out result.json

The model session is loaded before the clock starts (rembg's session load is excluded the same
way). The report holds every run's wall time, the median per step from the step log and this
process's peak resident set size, so each contender's memory is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from pixellift.core.pipeline.autofix import FixResult, fix_photo

from bench import contender


def peak_rss_mib() -> float:
    """Peak resident set size of this process image so far, in MiB.

    Linux's ``VmHWM`` is read rather than ``ru_maxrss``: the kernel carries ``ru_maxrss`` across
    ``fork``/``exec``, so a worker started by a large parent would report the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(image: Path, repeats: int, preset: str) -> dict[str, Any]:
    """Time ``repeats`` runs of ``fix_photo`` on ``image``; return timings, steps and peak RSS."""
    rss_before = peak_rss_mib()
    start = time.perf_counter()
    c = contender.load(preset)
    load_s = time.perf_counter() - start
    data = image.read_bytes()
    seconds: list[float] = []
    steps: dict[str, list[float]] = defaultdict(list)
    result: FixResult | None = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fix_photo(data, image.name, c.preset, c.services)
        seconds.append(time.perf_counter() - start)
        for record in result.step_log.steps:
            steps[record.name].append(record.seconds)
    if result is None:
        msg = "repeats must be at least 1"
        raise ValueError(msg)
    return {
        "image": str(image),
        "input_bytes": len(data),
        "preset": preset,
        "repeats": repeats,
        "seconds": seconds,
        "median_s": statistics.median(seconds),
        "steps_s": dict(steps),
        "steps_median_s": {name: statistics.median(v) for name, v in steps.items()},
        "session_load_s": load_s,
        "output_bytes": len(result.output.data),
        "output_format": result.output.format,
        "flags": list(result.step_log.flags),
        "peak_rss_mib": peak_rss_mib(),
        "peak_rss_before_pipeline_mib": rss_before,
    }


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("image", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--preset", default="amazon-main")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(run(args.image, args.repeats, args.preset), indent=1))


if __name__ == "__main__":
    main()
