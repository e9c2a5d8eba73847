"""QuickSet and AutoMap speed.

Usage::

    python -m bench.exports                     # 10 SKUs x amazon, tiktok-shop, etsy; 20,000 paths
    python -m bench.exports --skus 4 --repeats 1
    python -m bench.exports --variants 3        # A/B/C main images as well
    python -m bench.exports --json bench/results/exports.json

Two figures, each against a baseline timed in the same process:

1. A QuickSet pack (decode and cut out once, then every channel's main, 1:1, 4:5 and 9:16 image,
   each gated, XMP-tagged, named and written, plus the manifests) against running Auto-Fix
   (``fix_photo``) for every one of those images with the same fitted presets. Target: at most
   1.2x. Also reported: the pack against one Auto-Fix run per source photo (the cost floor of
   any pack), so the price of each extra output is visible.
2. AutoMap parsing 20,000 paths (target: under one second), against splitting the same paths
   into folder, stem and words with no classification (the floor of any parser).

The photos are the repository's samples, cycled to the number of SKUs; the segmenter is the one
the CLI uses (U2-Net-p from the model cache, else the classical path).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pixellift.adapters.bootstrap import build_fix_services
from pixellift.adapters.clock import SystemClock
from pixellift.adapters.local.export_sink import FolderExportSink
from pixellift.adapters.settings import Settings
from pixellift.core.exports.automap import map_paths
from pixellift.core.exports.pack import PackServices, QuickSetOptions, SkuJob, build_quickset
from pixellift.core.exports.quickset import plan_outputs
from pixellift.core.exports.variants import VariantLimits, plan_variants, variant_preset
from pixellift.core.pipeline.autofix import FixServices, fix_photo
from pixellift.core.pipeline.presets import load_preset

SAMPLES = Path(__file__).parents[1] / "samples"
ON = date(2026, 11, 26)
CHANNELS = ("amazon", "tiktok-shop", "etsy")
# The busy-background samples need the model; all eight are used when it is installed.
PHOTOS = sorted(p for p in SAMPLES.iterdir() if p.suffix != ".md")


def _services() -> FixServices:
    try:
        return build_fix_services(Settings.from_env(os.environ))
    except Exception as exc:  # noqa: BLE001 - any model problem: fall back to the classical path
        print(f"(no model: {exc}; classical segmentation only)")
        return FixServices(segmenter=None, clock=SystemClock())


def jobs(count: int) -> list[SkuJob]:
    out = []
    for i in range(count):
        photo = PHOTOS[i % len(PHOTOS)]
        out.append(SkuJob(f"SKU-{i:04d}", photo.name, photo.read_bytes))
    return out


def quickset_once(skus: list[SkuJob], services: FixServices, variants: int) -> tuple[float, int]:
    weights = (
        None
        if variants == 1
        else tuple([100 // variants + (i < 100 % variants) for i in range(variants)])
    )
    options = QuickSetOptions(
        run_id="bench",
        created=datetime(2026, 11, 26, tzinfo=UTC),
        today=ON,
        channels=CHANNELS,
        variants=variants,
        weights=weights,
    )
    with tempfile.TemporaryDirectory() as tmp:
        sink = FolderExportSink(Path(tmp))
        start = time.perf_counter()
        manifest = build_quickset(
            skus, options, PackServices(services.segmenter, services.max_pixels), sink
        )
        sink.close()
        elapsed = time.perf_counter() - start
    return elapsed, len(manifest.exported)


def autofix_outputs_once(
    skus: list[SkuJob], services: FixServices, variants: int
) -> tuple[float, int]:
    """Auto-Fix for every image the pack holds: one full pipeline run per output."""
    specs, _ = plan_outputs(CHANNELS, ON)
    presets = []
    for spec in specs:
        if spec.slot == "main" and variants > 1:
            limits = VariantLimits.derive(spec.preset, spec.rules.rules)
            presets += [
                variant_preset(spec.preset, v)
                for v in plan_variants(spec.preset, limits, variants, 0, None)
            ]
        else:
            presets.append(spec.preset)
    start = time.perf_counter()
    for job in skus:
        data = job.load()
        for preset in presets:
            fix_photo(data, job.source, preset, services)
    return time.perf_counter() - start, len(skus) * len(presets)


def autofix_sources_once(skus: list[SkuJob], services: FixServices) -> float:
    preset = load_preset("amazon-main")
    start = time.perf_counter()
    for job in skus:
        fix_photo(job.load(), job.source, preset, services)
    return time.perf_counter() - start


def paths(count: int) -> list[str]:
    words = [
        ("red", "L", "main"),
        ("blue", "M", "2"),
        ("black", "XL", "swatch"),
        ("grey", "S", "lifestyle"),
    ]
    return [
        f"shoot{i % 37}/SKU-{i // 4:05d}_{c}_{s}_{r}.jpg"
        for i, (c, s, r) in ((i, words[i % 4]) for i in range(count))
    ]


def naive_split(items: list[str]) -> int:
    splitter = re.compile(r"[_\-. ]+")
    return sum(len(splitter.split(p.rsplit("/", 1)[-1].rsplit(".", 1)[0])) for p in items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skus", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--variants", type=int, default=1)
    parser.add_argument("--paths", type=int, default=20_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    services = _services()
    skus = jobs(args.skus)
    quickset_once(skus[:1], services, args.variants)  # warm the model and the caches
    qs, fx, src = [], [], []
    outputs = 0
    for _ in range(args.repeats):
        t, outputs = quickset_once(skus, services, args.variants)
        qs.append(t)
        t, fixed = autofix_outputs_once(skus, services, args.variants)
        fx.append(t)
        src.append(autofix_sources_once(skus, services))
    q, f, s = statistics.median(qs), statistics.median(fx), statistics.median(src)
    items = paths(args.paths)
    parse, floor = [], []
    for _ in range(5):
        start = time.perf_counter()
        result = map_paths(items)
        parse.append(time.perf_counter() - start)
        start = time.perf_counter()
        naive_split(items)
        floor.append(time.perf_counter() - start)
    p, n = min(parse), min(floor)
    report: dict[str, Any] = {
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "load": os.getloadavg(),
        "skus": args.skus,
        "channels": CHANNELS,
        "variants": args.variants,
        "outputs": outputs,
        "autofix_outputs": fixed,
        "segmenter": None if services.segmenter is None else services.segmenter.name,
        "quickset_s": round(q, 3),
        "autofix_per_output_s": round(f, 3),
        "autofix_per_source_s": round(s, 3),
        "ratio_vs_autofix_of_outputs": round(q / f, 3),
        "ratio_vs_one_autofix_per_source": round(q / s, 3),
        "automap_paths": args.paths,
        "automap_s": round(p, 4),
        "automap_mapped": len(result.images),
        "split_floor_s": round(n, 4),
        "automap_ratio_vs_split": round(p / n, 2),
    }
    print(f"QuickSet, {args.skus} SKUs x {len(CHANNELS)} channels, {outputs} images: {q:.2f} s")
    print(
        f"  Auto-Fix of the same {fixed} images:  {f:.2f} s  -> ratio {q / f:.3f} (target <= 1.2)"
    )
    print(f"  Auto-Fix once per source photo:   {s:.2f} s  -> ratio {q / s:.3f}")
    print(f"AutoMap, {args.paths} paths: {p:.3f} s (target < 1 s)")
    print(f"  bare split of the same paths: {n:.3f} s ({p / n:.1f}x)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
