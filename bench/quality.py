"""Quality bench: rembg (raw mask, alpha matting) against PixelLift on the same images.

Contenders, side by side on every image of the quality set (``bench/datasets.py``):

``rembg-mask``
    rembg 2.0.86 ``only_mask=True`` (U2-Net-p, no post-processing): the raw matte.
``rembg-matting``
    rembg 2.0.86 ``alpha_matting=True`` with its default thresholds.
``pixellift``
    ``cut_out`` in ``auto`` mode (classical fast path when it is confident, else U2-Net-p, then
    edge refinement).
``pixellift-classical``
    ``cut_out`` forced onto the classical plain-background path (no model), where it applies.

The purity of rembg's plain removal (``rembg.remove`` then its own white background) is reported
with ``rembg-mask``: its alpha is exactly that mask. The finished Auto-Fix file (``fix_photo``
with the preset) adds the purity and fill measured on the delivered JPEG.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from pixellift.core.errors import PhotoPipelineError

from bench import contender, datasets, metrics
from bench.baseline import run_baseline
from bench.report import table

ALPHA_KEYS = ("iou", "mae", "sad_band", "purity")
FIX_KEYS = ("purity_final", "fill_true", "fill_error")
CONTENDERS = {
    "rembg-mask": ALPHA_KEYS,
    "rembg-matting": ALPHA_KEYS,
    "pixellift": ALPHA_KEYS,
    "pixellift-classical": ALPHA_KEYS,
    "fix_photo": FIX_KEYS,
}


def _png_alpha(path: Path) -> metrics.FloatArray:
    with Image.open(path) as im:
        return (np.asarray(im.convert("L"), np.float32) / 255.0).astype(np.float32)


def _png_rgb(path: Path) -> metrics.Uint8Array:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def _baseline_outputs(items: Sequence[datasets.Item], root: Path, work: Path) -> dict[str, Any]:
    """rembg's masks, alphas and composites for ``items``, reused from ``work`` when complete.

    rembg's outputs for a fixed image, model and version are deterministic, so a finished run is
    kept beside the set and reused; delete the folder to force a fresh one.
    """
    cached = work / "baseline.json"
    if cached.exists():
        report: dict[str, Any] = json.loads(cached.read_text())
        if {i.id for i in items} <= set(report["images"]):
            return report
    return run_baseline([i.image_path(root) for i in items], work, repeats=1)


def rembg_scores(items: Sequence[datasets.Item], root: Path, work: Path) -> dict[str, Any]:
    """Score rembg's raw masks, matting alphas and white composites against the truth."""
    report = _baseline_outputs(items, root, work)
    rows: dict[str, dict[str, Any]] = {}
    for item in items:
        gt = datasets.load_alpha(item.alpha_path(root))
        mask = contender.alpha_scores(_png_alpha(work / f"{item.id}.mask.png"), gt)
        mask["purity"] = metrics.background_purity(
            _png_rgb(work / f"{item.id}.plain.white.png"), gt
        )
        matte = contender.alpha_scores(_png_alpha(work / f"{item.id}.matting.alpha.png"), gt)
        matte["purity"] = metrics.background_purity(
            _png_rgb(work / f"{item.id}.matting.white.png"), gt
        )
        timing = report["images"][item.id]
        matte["fell_back"] = bool(timing["matting"]["fell_back"])
        mask["seconds"] = timing["mask"]["median_s"]
        matte["seconds"] = timing["matting"]["median_s"]
        rows[item.id] = {"rembg-mask": mask, "rembg-matting": matte}
    return {"per_image": rows, "rembg": report["rembg"], "peak_rss_mib": report["peak_rss_mib"]}


def pixellift_scores(items: Sequence[datasets.Item], root: Path) -> dict[str, dict[str, Any]]:
    """Score ``cut_out`` (auto and classical) and the finished ``fix_photo`` file on each item."""
    c = contender.load()
    rows: dict[str, dict[str, Any]] = {}
    for item in items:
        rgb = datasets.load_rgb(item.image_path(root))
        gt = datasets.load_alpha(item.alpha_path(root))
        start = time.perf_counter()
        auto = contender.cutout_scores(c, rgb, gt, "auto")
        auto["seconds"] = time.perf_counter() - start
        try:
            classical: dict[str, Any] = contender.cutout_scores(c, rgb, gt, "classical")
        except PhotoPipelineError as exc:  # the classical path may refuse a busy background
            classical = {"refused": type(exc).__name__}
        try:
            data = item.image_path(root).read_bytes()
            fixed: dict[str, Any] = contender.fix_scores(c, data, item.image, gt)
        except PhotoPipelineError as exc:  # e.g. no product found: counted, not fatal
            fixed = {"refused": type(exc).__name__}
        rows[item.id] = {"pixellift": auto, "pixellift-classical": classical, "fix_photo": fixed}
    return rows


def aggregate(
    items: Sequence[datasets.Item], per_image: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Mean of each metric per contender, overall and by setting and edge class."""
    groups: dict[str, list[datasets.Item]] = {
        "all": list(items),
        "real": [i for i in items if i.setting == "real"],
        "studio": [i for i in items if i.setting == "studio"],
        "hard-edged": [i for i in items if not i.soft],
        "soft-edged": [i for i in items if i.soft],
    }
    out: dict[str, Any] = {}
    for group, members in groups.items():
        out[group] = {}
        for name, keys in CONTENDERS.items():
            rows = [per_image[i.id][name] for i in members if name in per_image[i.id]]
            scored = [r for r in rows if "refused" not in r]
            entry: dict[str, float] = {
                "images": float(len(scored)),
                "refused": float(len(rows) - len(scored)),
            }
            for key in keys:
                values = [float(r[key]) for r in scored if key in r]
                if values:
                    stats = metrics.summarise(values)
                    entry[key] = stats["mean"]
                    entry[f"{key}_median"] = stats["median"]
            entry["fell_back"] = float(sum(bool(r.get("fell_back")) for r in scored))
            out[group][name] = entry
    return out


def run(limit: int | None = None, root: Path | None = None) -> dict[str, Any]:
    """Build the set if needed, run every contender, return per-image scores and summaries."""
    data_root = root or datasets.DATA_DIR
    items = datasets.build(data_root, limit=limit)
    folder = datasets.set_dir(data_root)
    base = rembg_scores(items, folder, folder / "rembg-2.0.86")
    ours = pixellift_scores(items, folder)
    per_image = {i.id: {**base["per_image"][i.id], **ours[i.id]} for i in items}
    return {
        "images": len(items),
        "set": str(folder),
        "rembg": base["rembg"],
        "summary": aggregate(items, per_image),
        "per_image": per_image,
    }


def print_summary(result: dict[str, Any]) -> None:
    """One table of mean cut-out metrics per group, then the finished-file metrics."""
    for group, by_name in result["summary"].items():
        rows = [
            [
                name,
                int(entry["images"]),
                int(entry["refused"]),
                *(entry.get(k, float("nan")) for k in ALPHA_KEYS),
                entry.get("iou_median", float("nan")),
            ]
            for name, entry in by_name.items()
            if name != "fix_photo"
        ]
        print(f"\nquality: {group}")
        headers = [
            "contender",
            "images",
            "refused",
            "IoU",
            "MAE",
            "SAD band",
            "purity",
            "IoU median",
        ]
        print(table(headers, rows))
    rows = [
        [group, *(by_name["fix_photo"].get(k, float("nan")) for k in FIX_KEYS)]
        for group, by_name in result["summary"].items()
    ]
    print("\nfix_photo finished file (JPEG), ground truth carried through the framing")
    print(table(["group", "purity (JPEG)", "true fill", "fill error"], rows))


def main(argv: list[str] | None = None) -> None:
    """Run the quality bench and write its JSON."""
    parser = argparse.ArgumentParser(description="cut-out quality: PixelLift against rembg")
    parser.add_argument("--limit", type=int, default=None, help="only the first N images")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(args.limit)
    print_summary(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
