"""Rules engine and measurement speed.

Usage::

    python -m bench.policy_bench            # 2,000 measured images x 9 marketplaces; 4 and 12 MP
    python -m bench.policy_bench --quick    # fewer repeats
    python -m bench.policy_bench --json bench/results/policy.json

Two figures, each against a baseline timed in the same run:

1. Evaluations per second given measured properties (target: 10,000 image x marketplace
   evaluations per second). Baseline: the same rules evaluated one by one without compiling
   (``rule_outcome``, predicates prepared per call) and findings built as validated models,
   which is how a straightforward engine would do it.
2. Measuring a real JPEG (decode once + purity, fill, margins, format, size, ICC, DPI) against
   decoding it twice with Pillow (target: measure < 2 decodes), at 2000 x 2000 and 4000 x 3000.
   Peak memory is Python-visible allocations (tracemalloc: numpy arrays, not Pillow's buffers).
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image
from pixellift.core.policy.engine import CompiledRuleSet, Measurement, rule_outcome
from pixellift.core.policy.findings import Finding, describe_check, human_reason, reason_code
from pixellift.core.policy.fixes import fix_step
from pixellift.core.policy.loader import available_packs, load_pack
from pixellift.core.policy.measure import measure_image
from pixellift.core.policy.resolution import ResolvedRuleSet, resolve
from pixellift.core.policy.schema import Role, Rule

ON = date(2026, 11, 26)
SEED = 20261126  # fixed: the synthetic measurements (and so the work per evaluation) repeat


def rule_sets() -> list[ResolvedRuleSet]:
    return [resolve(load_pack(m), role=Role.MAIN, on=ON) for m in available_packs()]


def measurements(count: int, keys: list[str]) -> list[Measurement]:
    """Plausible measured properties, about a third of them failing something."""
    rng = np.random.default_rng(SEED)
    out = []
    for i in range(count):
        side = int(rng.choice([480, 800, 1200, 2000, 2600, 4000, 11000]))
        rows = int(side * rng.choice([1.0, 1.0, 1.44, 0.75]))
        fmt = str(rng.choice(["JPEG", "JPEG", "PNG", "WEBP", "GIF"]))
        longest, shortest = max(side, rows), min(side, rows)
        quality = int(rng.integers(70, 98)) if fmt == "JPEG" else None
        dpi = float(rng.choice([72.0, 300.0])) if rng.random() < 0.9 else None
        values: dict[str, Any] = {
            "width": side, "height": rows, "longest_side": longest, "shortest_side": shortest,
            "sum_of_sides": side + rows, "megapixels": side * rows / 1e6,
            "aspect_ratio": side / rows, "format": fmt, "animated": bool(rng.random() < 0.02),
            "extension_matches_format": True, "file_name": f"B0{i:08d}.MAIN.jpg",
            "file_bytes": int(rng.integers(200_000, 14_000_000)), "dpi": dpi,
            "colour_mode": "RGB" if rng.random() < 0.95 else "CMYK", "bit_depth": 8,
            "colour_space": str(rng.choice(["sRGB", "untagged", "Display P3"])),
            "icc_profile": None, "jpeg_quality": quality,
            "has_transparency": bool(rng.random() < 0.05),
            "longest_side_fill": float(rng.uniform(0.6, 0.97)),
            "area_fill": float(rng.uniform(0.4, 0.9)),
            "product_coverage": float(rng.uniform(0.3, 0.8)),
            "min_margin": float(rng.uniform(0.0, 0.2)), "min_margin_px": int(rng.integers(0, 200)),
        }  # fmt: skip
        for key in keys:
            values[key] = float(rng.choice([1.0, 0.999, 0.97, 0.2]))
        out.append(Measurement(f"img{i}.jpg", values))
    return out


def _median_seconds(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _validated_finding(rules: ResolvedRuleSet, rule: Rule, m: Measurement) -> Finding:
    measured = m.values.get(rule.check.key)
    required = describe_check(rule.check)
    return Finding(
        rule_id=rule.id, marketplace=rules.marketplace, severity=rule.severity,
        overridable=rule.overridable, title=rule.title, metric=rule.check.key, measured=measured,
        required=required, reason=human_reason(rule, measured, required),
        reason_code=reason_code(rule.check, measured, rule.reason_code), fix=fix_step(rule),
        source_url=rule.source.url,
    )  # fmt: skip


def bench_engine(count: int, repeats: int) -> dict[str, Any]:
    sets = rule_sets()
    keys = sorted({f"background_purity[{s.key}]" for r in sets for s in r.background_specs()})
    items = measurements(count, keys)
    compiled = [CompiledRuleSet(r) for r in sets]

    def engine() -> int:
        return sum(len(c.evaluate(m).findings) for m in items for c in compiled)

    def naive() -> int:
        return sum(
            rule_outcome(r.rule, m.values) == "fail" for m in items for rs in sets for r in rs.rules
        )

    findings = engine()
    evaluations = count * len(compiled)
    fast = _median_seconds(engine, repeats)
    slow = _median_seconds(naive, max(1, repeats // 2))
    return {
        "marketplaces": len(compiled),
        "rules_per_marketplace": round(statistics.mean(len(r.rules) for r in sets), 1),
        "evaluations": evaluations,
        "findings": findings,
        "evaluations_per_second": round(evaluations / fast),
        "baseline_per_second": round(evaluations / slow),
        "speedup_vs_uncompiled": round(slow / fast, 2),
        "target_per_second": 10_000,
    }


def product_jpeg(rows: int, cols: int) -> bytes:
    """A textured product on pure white, framed at about 87%, as Auto-Fix would output."""
    rng = np.random.default_rng(SEED)
    rgb = np.full((rows, cols, 3), 255, np.uint8)
    yy, xx = np.mgrid[0:rows, 0:cols]
    inside = ((yy - rows / 2) / (0.435 * rows)) ** 2 + ((xx - cols / 2) / (0.3 * cols)) ** 2 <= 1
    texture = np.clip(rng.normal(0, 18, (rows, cols, 1)) + (130, 80, 40), 0, 255).astype(np.uint8)
    rgb[inside] = np.broadcast_to(texture, rgb.shape)[inside]
    edge = cv2.GaussianBlur(inside.astype(np.float32), (5, 5), 1.0)[..., None]
    rgb = (edge * rgb + (1 - edge) * 255).round().astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=92, dpi=(72, 72))
    return buf.getvalue()


def decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


def bench_measure(rows: int, cols: int, repeats: int) -> dict[str, Any]:
    data = product_jpeg(rows, cols)
    decode(data), measure_image(data, "p.jpg")  # warm caches and lazy imports
    one_decode = _median_seconds(lambda: decode(data), repeats)
    measured = _median_seconds(lambda: measure_image(data, "p.jpg"), repeats)
    tracemalloc.start()
    measure_image(data, "p.jpg")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "size": f"{cols}x{rows}",
        "file_bytes": len(data),
        "decode_ms": round(one_decode * 1000, 1),
        "measure_ms": round(measured * 1000, 1),
        "measure_over_two_decodes": round(measured / (2 * one_decode), 3),
        "measure_peak_mib": round(peak / 2**20, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.policy_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="fewer images and repeats")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    count, repeats = (500, 3) if args.quick else (2000, 7)
    results = {
        "machine": {
            "python": platform.python_version(),
            "processor": platform.machine(),
            "system": platform.system(),
        },
        "engine": bench_engine(count, repeats),
        "measure": [bench_measure(2000, 2000, repeats * 2), bench_measure(3000, 4000, repeats)],
    }
    e = results["engine"]
    print(
        f"engine: {e['evaluations_per_second']:,} evaluations/s over {e['marketplaces']} "
        f"marketplaces ({e['rules_per_marketplace']} rules each), target "
        f"{e['target_per_second']:,}/s; uncompiled baseline {e['baseline_per_second']:,}/s "
        f"(x{e['speedup_vs_uncompiled']})"
    )
    for m in results["measure"]:
        print(
            f"measure {m['size']} JPEG: {m['measure_ms']} ms, decode {m['decode_ms']} ms; "
            f"measure / (2 x decode) = {m['measure_over_two_decodes']} (target < 1); "
            f"peak {m['measure_peak_mib']} MiB"
        )
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
