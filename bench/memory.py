"""Memory bench: peak RSS of ``fix_photo`` on a 50-megapixel JPEG, in a fresh process.

The same file goes through rembg's plain removal in its own fresh process as the side-by-side
baseline. Both numbers are the process's peak resident set size (Linux ``VmHWM``, which unlike
``ru_maxrss`` does not inherit the parent's peak across ``fork``/``exec``); they include the
interpreter, the libraries and the model session.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench import datasets
from bench.baseline import REPO_ROOT
from bench.report import table
from bench.speed import run_rembg, run_worker

PHOTO_50MP = datasets.DATA_DIR / "memory" / "photo-8660x5773.jpg"
ROWS, COLS = 5773, 8660


def run(preset: str = "amazon-main", timeout_s: float = 900.0) -> dict[str, Any]:
    """Peak RSS (and the time of the single run) of both contenders on the 50 MP photo."""
    photo = datasets.large_photo(PHOTO_50MP, ROWS, COLS, obj="shoe")
    ours = run_worker(photo, 1, preset, timeout_s)
    plain = run_rembg(photo, "plain", 1, timeout_s)
    return {
        "photo": {
            "path": str(photo.relative_to(REPO_ROOT)),
            "rows": ROWS,
            "cols": COLS,
            "bytes": photo.stat().st_size,
        },
        "preset": preset,
        "pixellift": ours,
        "rembg_plain": plain,
        "ratios": {
            "pixellift_rss_over_rembg_plain": ours["peak_rss_mib"] / plain["peak_rss_mib"],
            "pixellift_time_over_rembg_plain": ours["median_s"] / plain["median_s"],
        },
    }


def print_summary(result: dict[str, Any]) -> None:
    """Peak RSS and time of each contender."""
    photo = result["photo"]
    mp = photo["rows"] * photo["cols"] / 1e6
    rows = [
        ["rembg plain", result["rembg_plain"]["peak_rss_mib"], result["rembg_plain"]["median_s"]],
        [
            "pixellift fix_photo",
            result["pixellift"]["peak_rss_mib"],
            result["pixellift"]["median_s"],
        ],
    ]
    print(
        f"\nmemory: {photo['cols']}x{photo['rows']} JPEG ({mp:.0f} MP), preset {result['preset']}"
    )
    print(table(["contender", "peak RSS MiB", "seconds (1 run)"], rows))


def main(argv: list[str] | None = None) -> None:
    """Run the memory bench and write its JSON."""
    parser = argparse.ArgumentParser(description="50 MP peak memory: PixelLift against rembg")
    parser.add_argument("--preset", default="amazon-main")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(args.preset)
    print_summary(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
