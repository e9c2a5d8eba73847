"""Speed bench: a 12-megapixel phone photo through rembg and through PixelLift's Auto-Fix.

Each contender runs in its own fresh process, with its model session loaded before the clock
starts, and reports the median of its runs and its own peak RSS:

``rembg plain``
    ``rembg.remove(bytes, session=new_session("u2netp"))`` to RGBA PNG bytes: the baseline.
``rembg matting``
    the same with ``alpha_matting=True`` (defaults 240/10/erode 10).
``pixellift fix_photo``
    ``fix_photo`` with the preset (amazon-main: segmentation, framing, edge refinement, white
    background, 2000x2000 JPEG under the size cap), with per-step medians from its step log.

Times are reported as ratios against rembg plain measured in the same run, since the machines
these run on are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import datasets
from bench.baseline import REPO_ROOT, run_baseline
from bench.report import table

PHOTO_12MP = datasets.DATA_DIR / "speed" / "photo-4000x3000.jpg"


def run_worker(
    image: Path, repeats: int, preset: str, timeout_s: float | None = None
) -> dict[str, Any]:
    """``python -m bench.worker`` in a fresh process; returns its report."""
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as tmp:
        out = Path(tmp) / "worker.json"
        command = [
            sys.executable,
            "-m",
            "bench.worker",
            str(image),
            "--repeats",
            str(repeats),
            "--preset",
            preset,
            "--out",
            str(out),
        ]
        done = subprocess.run(
            command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout_s, check=False
        )
        if done.returncode != 0:
            msg = f"bench.worker failed ({done.returncode}): {done.stderr[-2000:]}"
            raise RuntimeError(msg)
        report: dict[str, Any] = json.loads(out.read_text())
    return report


def run_rembg(
    image: Path, mode: str, repeats: int, timeout_s: float | None = None
) -> dict[str, Any]:
    """One rembg mode on ``image`` in a fresh baseline process; returns timing and peak RSS."""
    with tempfile.TemporaryDirectory(prefix="bench-rembg-") as tmp:
        report = run_baseline(
            [image], Path(tmp), modes=(mode,), repeats=repeats, save=False, timeout_s=timeout_s
        )
    entry = report["images"][image.stem][mode]
    return {
        "seconds": entry["seconds"],
        "median_s": entry["median_s"],
        "session_load_s": report["session_load_s"],
        "peak_rss_mib": report["peak_rss_mib"],
        "fell_back": entry.get("fell_back", False),
        "rembg": report["rembg"],
    }


def _pooled(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds of one contender as one result: all run times, their median, the largest peak RSS."""
    pooled = dict(rounds[-1])
    pooled["seconds"] = [t for r in rounds for t in r["seconds"]]
    pooled["median_s"] = statistics.median(pooled["seconds"])
    pooled["peak_rss_mib"] = max(r["peak_rss_mib"] for r in rounds)
    pooled["session_load_s"] = statistics.median(r["session_load_s"] for r in rounds)
    pooled["processes"] = len(rounds)
    if "steps_s" in pooled:
        names = pooled["steps_s"]
        steps = {n: [t for r in rounds for t in r["steps_s"][n]] for n in names}
        pooled["steps_s"] = steps
        pooled["steps_median_s"] = {n: statistics.median(v) for n, v in steps.items()}
    return pooled


def run(
    repeats: int = 3,
    rounds: int = 2,
    matting_repeats: int = 1,
    preset: str = "amazon-main",
    matting_timeout_s: float = 900.0,
) -> dict[str, Any]:
    """Run the contenders on the 12 MP photo and compute ratios against rembg plain.

    rembg plain and ``fix_photo`` alternate for ``rounds`` rounds of ``repeats`` runs each, every
    round in fresh processes, so a change in the machine's load touches both sides alike.
    """
    photo = datasets.large_photo(PHOTO_12MP, 3000, 4000)
    plain_rounds, our_rounds = [], []
    for _ in range(rounds):
        plain_rounds.append(run_rembg(photo, "plain", repeats))
        our_rounds.append(run_worker(photo, repeats, preset))
    plain, ours = _pooled(plain_rounds), _pooled(our_rounds)
    matting: dict[str, Any] = {"skipped": True}
    if matting_repeats > 0:
        try:
            matting = run_rembg(photo, "matting", matting_repeats, matting_timeout_s)
        except subprocess.TimeoutExpired:
            matting = {"timed_out_after_s": matting_timeout_s}
    base = plain["median_s"]
    result: dict[str, Any] = {
        "photo": {
            "path": str(photo.relative_to(REPO_ROOT)),
            "rows": 3000,
            "cols": 4000,
            "bytes": photo.stat().st_size,
        },
        "preset": preset,
        "rembg_plain": plain,
        "rembg_matting": matting,
        "pixellift": ours,
        "ratios": {
            "pixellift_time_over_rembg_plain": ours["median_s"] / base,
            "pixellift_rss_over_rembg_plain": ours["peak_rss_mib"] / plain["peak_rss_mib"],
        },
    }
    if "median_s" in matting:
        ratios = result["ratios"]
        ratios["rembg_matting_time_over_rembg_plain"] = matting["median_s"] / base
        ratios["pixellift_time_over_rembg_matting"] = ours["median_s"] / matting["median_s"]
        ratios["pixellift_rss_over_rembg_matting"] = ours["peak_rss_mib"] / matting["peak_rss_mib"]
    return result


def print_summary(result: dict[str, Any]) -> None:
    """The contenders' medians and peak RSS, then PixelLift's per-step medians."""
    base = result["rembg_plain"]["median_s"]
    rows: list[list[object]] = []
    for label, key in (
        ("rembg plain", "rembg_plain"),
        ("rembg alpha matting", "rembg_matting"),
        ("pixellift fix_photo", "pixellift"),
    ):
        entry = result[key]
        if "median_s" not in entry:
            rows.append([label, "skipped" if entry.get("skipped") else "timed out", "-", "-", "-"])
            continue
        rows.append(
            [
                label,
                len(entry["seconds"]),
                entry["median_s"],
                entry["median_s"] / base,
                entry["peak_rss_mib"],
            ]
        )
    photo = result["photo"]
    size = f"{photo['cols']}x{photo['rows']} JPEG ({photo['bytes'] / 1e6:.1f} MB)"
    print(f"\nspeed: {size}, preset {result['preset']}")
    print(table(["contender", "runs", "median s", "x rembg plain", "peak RSS MiB"], rows))
    steps = result["pixellift"]["steps_median_s"]
    print("\npixellift per-step medians (s)")
    print(
        table(
            ["step", "median s", "share"],
            [[k, v, v / sum(steps.values())] for k, v in steps.items()],
        )
    )


def main(argv: list[str] | None = None) -> None:
    """Run the speed bench and write its JSON."""
    parser = argparse.ArgumentParser(description="12 MP speed: PixelLift against rembg")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per process")
    parser.add_argument("--rounds", type=int, default=2, help="alternating process rounds")
    parser.add_argument("--matting-repeats", type=int, default=1)
    parser.add_argument("--preset", default="amazon-main")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(args.repeats, args.rounds, args.matting_repeats, args.preset)
    print_summary(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
