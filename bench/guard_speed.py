"""Text Guard speed: the whole guard against the OCR call alone on the same image.

For each image of the accuracy set (2000 px on the long side) the same process times, in
alternating order, ``RapidOcrReader.read`` alone and ``inspect_photo`` (which makes that same
OCR call and runs every other detector), then ``clean_overlays`` on what the guard found. The
figure is the ratio of medians, guard over OCR, per image and over all images; the target is
under 2x. Both share one warmed-up OCR session, so model loading is not timed.

Run: ``python -m bench.guard_speed [--images 6] [--repeats 3] [--json OUT]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pixellift.adapters.local.rapid_ocr import RapidOcrReader
from pixellift.core.guard.cleanup import clean_overlays
from pixellift.core.guard.inspect import GuardServices, inspect_photo

from bench.guard_accuracy import generate, load_photos
from bench.report import emit, table


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def run(images: int = 6, repeats: int = 3, seed: int = 6, side: int = 2000) -> dict[str, Any]:
    """Time OCR alone, the whole guard and the cleanup on ``images`` generated images."""
    reader = RapidOcrReader()
    services = GuardServices(ocr=reader)
    photos = load_photos(side)
    rows = []
    for photo, image in generate(images, seed, photos):
        reader.read(image.rgb)  # warm-up: first calls pay for session set-up and allocation
        ocr, guard = [], []
        for repeat in range(repeats):
            pair = [
                ("ocr", lambda img=image.rgb: reader.read(img)),
                ("guard", lambda img=image.rgb, a=photo.alpha: inspect_photo(img, a, services)),
            ]
            for name, call in pair if repeat % 2 == 0 else pair[::-1]:
                (ocr if name == "ocr" else guard).append(_timed(call))
        findings = inspect_photo(image.rgb, photo.alpha, services).findings
        cleanup = _timed(lambda img=image.rgb, a=photo.alpha, f=findings: clean_overlays(img, a, f))
        ocr_s, guard_s = statistics.median(ocr), statistics.median(guard)
        rows.append(
            {
                "photo": photo.name,
                "marks": [m.finding.cls.value for m in image.marks],
                "ocr_s": round(ocr_s, 3),
                "guard_s": round(guard_s, 3),
                "guard_over_ocr": round(guard_s / ocr_s, 3),
                "cleanup_s": round(cleanup, 3),
                "findings": len(findings),
            }
        )
        print(f"[guard_speed] {len(rows)}/{images} images", flush=True)
    ratios = [r["guard_over_ocr"] for r in rows]
    return {
        "images": rows,
        "repeats": repeats,
        "guard_over_ocr_median": round(statistics.median(ratios), 3),
        "guard_over_ocr_max": round(max(ratios), 3),
    }


def print_summary(result: dict[str, Any]) -> None:
    """Print per-image timings and the overall ratio."""
    headers = ["photo", "marks", "findings", "ocr s", "guard s", "guard / ocr", "cleanup s"]
    rows = [
        [
            r["photo"],
            ",".join(r["marks"]) or "-",
            r["findings"],
            r["ocr_s"],
            r["guard_s"],
            r["guard_over_ocr"],
            r["cleanup_s"],
        ]
        for r in result["images"]
    ]
    print(table(headers, rows))
    print(
        f"\nguard / OCR alone: median {result['guard_over_ocr_median']}x, "
        f"worst {result['guard_over_ocr_max']}x (target < 2x)"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the speed bench and print (and optionally write) its results."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.guard_speed", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--images", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)
    result = run(args.images, args.repeats, args.seed)
    return emit(result, print_summary, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
