"""Text Guard accuracy: precision and recall per class on generated, marked-up product photos.

The set is generated (``pixellift.core.guard.synth``), seeded and deterministic: the eight
sample photos, scaled to 2000 px on the long side, each with its exact product alpha (re-rendered
from the sample's seed), carry one kind of mark per image: overlay text (cap height 16-120 px),
a promo badge, a border (one truth band per side), a watermark (single, tiled or a logo,
opacity 0.15-0.6), an inset picture cut from another sample, packaging text printed on the
product, or nothing at all.

Matching, per class: a finding matches a truth of the same class when their IoU is at least 0.3
or, for text classes, when the finding's box centre lies inside the truth box. A truth is
recalled when some finding matches it; a finding is a true positive when it matches some truth
(several OCR lines may share one caption). A finding whose centre lies inside a truth mark of
another class (a badge's word read as overlay text, a watermark read as text) is left out of
that class's precision; packaging text is never such an excuse, so overlay text reported on a
label counts against precision and as a false alarm.

Run: ``python -m bench.guard_accuracy [--count 300] [--seed 6] [--json OUT]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import ImageFont
from pixellift.core.guard.findings import Box, GuardClass, GuardFinding
from pixellift.core.guard.synth import SynthImage, SynthKind, synthesize
from pixellift.core.imaging.decode import decode_image
from pixellift.core.types import Alpha, RgbImage

from bench.baseline import BENCH_DIR, REPO_ROOT
from bench.make_samples import SAMPLES
from bench.report import emit, table

Detector = Callable[[RgbImage, Alpha], Sequence[GuardFinding]]

CACHE = BENCH_DIR / ".data" / "guard"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = (
    "DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
    "DejaVuSansCondensed-Bold.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSans-Oblique.ttf",
)  # fmt: skip
PLAN = {
    SynthKind.OVERLAY_TEXT: 0.30,
    SynthKind.PACKAGING_TEXT: 0.15,
    SynthKind.CLEAN: 0.07,
    SynthKind.BADGE: 0.12,
    SynthKind.BORDER: 0.12,
    SynthKind.WATERMARK: 0.14,
    SynthKind.INSET: 0.10,
}
CLASSES = ("overlay_text", "packaging_text", "watermark", "badge", "border", "inset")
TEXT = {"overlay_text", "packaging_text", "watermark", "phone_number", "url", "email"}
ALLOWED = {"packaging_text", "person", "face"}  # what a clean or labelled photo may show
CAP_BANDS = ((0.0, 24.0, "< 24 px"), (24.0, 48.0, "24-48 px"), (48.0, 1e9, ">= 48 px"))
MIN_IOU = 0.3
OPACITY_SPLIT = 0.3  # borders and watermarks: recall is reported below and from this opacity
TARGET_CAP = 24.0  # the target band: cap height at least 24 px on a 2000 px photo


@dataclass(frozen=True)
class Photo:
    """A sample photo at the bench's size with its exact product alpha."""

    name: str
    rgb: RgbImage
    alpha: Alpha


def load_fonts(size: int = 160) -> list[ImageFont.FreeTypeFont]:
    """The DejaVu fonts the set is drawn with (Debian's fonts-dejavu-core)."""
    return [ImageFont.truetype(str(FONT_DIR / name), size) for name in FONT_FILES]


def _alpha(sample: Any) -> Alpha:
    """The sample's exact alpha, re-rendered from its seed once and cached."""
    path = CACHE / f"alpha-{Path(sample.name).stem}.npy"
    if path.exists():
        return np.load(path).astype(np.float32)
    from bench.scenes import compose

    rng = np.random.default_rng(sample.seed)
    scene = compose(rng, sample.obj, sample.setting, sample.rows, sample.cols, style=sample.style)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, scene.alpha.astype(np.float16))
    return scene.alpha


def load_photos(side: int = 2000) -> list[Photo]:
    """Every sample, decoded and scaled so its long side is ``side`` px, with its alpha."""
    photos = []
    for sample in SAMPLES:
        decoded = decode_image((REPO_ROOT / "samples" / sample.name).read_bytes(), sample.name)
        alpha = _alpha(sample)
        rgb = decoded.rgb
        if decoded.alpha is not None:  # the cut-out sample: put it on white as a seller would
            a = decoded.alpha[..., None].astype(np.float32)
            rgb = np.rint(rgb * a + 255.0 * (1.0 - a)).astype(np.uint8)
        scale = side / max(rgb.shape[:2])
        size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC)
        alpha = np.clip(cv2.resize(alpha, size, interpolation=cv2.INTER_LINEAR), 0.0, 1.0)
        photos.append(
            Photo(sample.name, rgb, np.where(alpha < 1e-3, 0.0, alpha).astype(np.float32))
        )
    return photos


def generate(count: int, seed: int, photos: Sequence[Photo]) -> Iterator[tuple[Photo, SynthImage]]:
    """``count`` marked-up images, kinds drawn by :data:`PLAN`; image ``i`` uses seed ``seed+i``."""
    fonts = load_fonts()
    kinds, weights = list(PLAN), np.array(list(PLAN.values()))
    for i in range(count):
        rng = np.random.default_rng(seed + i)
        kind = kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]
        photo = photos[int(rng.integers(len(photos)))]
        other = photos[(photos.index(photo) + 1 + int(rng.integers(len(photos) - 1))) % len(photos)]
        yield photo, synthesize(kind, photo.rgb, photo.alpha, rng, fonts, inset_source=other.rgb)


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union if union > 0 else 0.0


def _centre_in(found: Box, truth: Box) -> bool:
    cx, cy = (found[0] + found[2]) / 2, (found[1] + found[3]) / 2
    return truth[0] <= cx < truth[2] and truth[1] <= cy < truth[3]


def matches(found: GuardFinding, truth: GuardFinding) -> bool:
    """Whether a finding counts as detecting a truth (same class, IoU or centre rule)."""
    if found.cls is not truth.cls:
        return False
    return iou(found.box, truth.box) >= MIN_IOU or (
        truth.cls.value in TEXT and _centre_in(found.box, truth.box)
    )


def score_image(truth: Sequence[GuardFinding], found: Sequence[GuardFinding]) -> dict[str, Any]:
    """Per class: truths recalled, findings matched, findings excused (inside another mark)."""
    out: dict[str, Any] = {}
    for cls in {*(t.cls.value for t in truth), *(f.cls.value for f in found)}:
        mine = [f for f in found if f.cls.value == cls]
        truths = [t for t in truth if t.cls.value == cls]
        others = [t for t in truth if t.cls.value not in (cls, "packaging_text")]
        hits = [any(matches(f, t) for t in truths) for f in mine]
        excused = [
            not hit and any(_centre_in(f.box, t.box) for t in others)
            for f, hit in zip(mine, hits, strict=True)
        ]
        out[cls] = {
            "recalled": [any(matches(f, t) for f in mine) for t in truths],
            "tp": sum(hits),
            "fp": sum(not h and not e for h, e in zip(hits, excused, strict=True)),
        }
    return out


def rapid_detector() -> Detector:
    """The real guard: ``inspect_photo`` with in-process RapidOCR (no code or scene ports)."""
    from pixellift.adapters.local.rapid_ocr import RapidOcrReader
    from pixellift.core.guard.inspect import GuardServices, inspect_photo

    services = GuardServices(ocr=RapidOcrReader())
    return lambda rgb, alpha: inspect_photo(rgb, alpha, services).findings


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def run(
    count: int = 300,
    seed: int = 6,
    side: int = 2000,
    detector: Detector | None = None,
    photos: Sequence[Photo] | None = None,
) -> dict[str, Any]:
    """Generate the set, run the detector on every image, and score it."""
    detect = detector or rapid_detector()
    photos = photos if photos is not None else load_photos(side)
    per_class: dict[str, Counter[str]] = defaultdict(Counter)
    bands: dict[str, Counter[str]] = {f"overlay_text {n}": Counter() for _, _, n in CAP_BANDS}
    bands[f"overlay_text >= {TARGET_CAP:.0f} px (target)"] = Counter()
    for cls in ("border", "watermark"):
        bands.update({f"{cls} opacity {op} 0.3": Counter() for op in ("<", ">=")})
    alarms: Counter[str] = Counter()
    styles: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    misses: list[dict[str, Any]] = []
    seconds = []
    for i, (photo, image) in enumerate(generate(count, seed, photos)):
        start = time.perf_counter()
        found = list(detect(image.rgb, photo.alpha))
        seconds.append(time.perf_counter() - start)
        scored = score_image(image.truth, found)
        for cls, s in scored.items():
            per_class[cls].update(
                truths=len(s["recalled"]), recalled=sum(s["recalled"]), tp=s["tp"], fp=s["fp"]
            )
        for mark in image.marks:
            cls = mark.finding.cls.value
            hit = any(matches(f, mark.finding) for f in found)
            if cls == "overlay_text" and mark.cap_height is not None:
                label = next(n for lo, hi, n in CAP_BANDS if lo <= mark.cap_height < hi)
                bands[f"overlay_text {label}"].update(truths=1, recalled=int(hit))
                if mark.cap_height >= TARGET_CAP:
                    bands[f"overlay_text >= {TARGET_CAP:.0f} px (target)"].update(
                        truths=1, recalled=int(hit)
                    )
            if cls in ("border", "watermark"):
                label = f"{cls} opacity {'>=' if mark.opacity >= OPACITY_SPLIT else '<'} 0.3"
                bands[label].update(truths=1, recalled=int(hit))
            style = mark.style.split("-")[0]  # a border's style carries its width
            styles[(cls, style)].update(truths=1, recalled=int(hit))
            if not hit:
                misses.append(
                    {"seed": seed + i, "photo": photo.name, "class": cls, "style": mark.style,
                     "box": list(mark.finding.box)}
                )  # fmt: skip
        kind = "packaging" if any(t.cls is GuardClass.PACKAGING_TEXT for t in image.truth) else ""
        if kind or not image.truth:
            kind = kind or "clean"
            alarms[f"{kind} images"] += 1
            alarms[f"{kind} false alarms"] += any(f.cls.value not in ALLOWED for f in found)
        if (i + 1) % 25 == 0:
            print(f"[guard_accuracy] {i + 1}/{count} images", flush=True)
    classes = {
        cls: {
            **dict(c),
            "precision": _ratio(c["tp"], c["tp"] + c["fp"]),
            "recall": _ratio(c["recalled"], c["truths"]),
        }
        for cls, c in sorted(per_class.items())
    }
    return {
        "count": count,
        "seed": seed,
        "side": side,
        "classes": classes,
        "bands": {
            k: {
                "truths": v["truths"],
                "recalled": v["recalled"],
                "recall": _ratio(v["recalled"], v["truths"]),
            }
            for k, v in bands.items()
        },
        "false_alarms": {
            kind: {
                "images": alarms[f"{kind} images"],
                "with_alarm": alarms[f"{kind} false alarms"],
                "rate": _ratio(alarms[f"{kind} false alarms"], alarms[f"{kind} images"]),
            }
            for kind in ("packaging", "clean")
        },
        "styles": {
            f"{cls} {style}": {
                "truths": c["truths"],
                "recalled": c["recalled"],
                "recall": _ratio(c["recalled"], c["truths"]),
            }
            for (cls, style), c in sorted(styles.items())
        },
        "misses": misses,
        "seconds_per_image_median": round(statistics.median(seconds), 3) if seconds else None,
    }


def print_summary(result: dict[str, Any]) -> None:
    """Print the per-class table, the recall bands and the false-alarm rates."""
    rows = [
        [cls, c.get("truths", 0), c.get("tp", 0), c.get("fp", 0), c["precision"], c["recall"]]
        for cls, c in result["classes"].items()
        if cls in CLASSES or c.get("fp", 0)
    ]
    print(table(["class", "truths", "tp", "fp", "precision", "recall"], rows))
    print()
    print(
        table(
            ["band", "truths", "recall"],
            [[k, v["truths"], v["recall"]] for k, v in result["bands"].items()],
        )
    )
    print()
    alarm_rows = [
        [k, v["images"], v["with_alarm"], v["rate"]] for k, v in result["false_alarms"].items()
    ]
    print(table(["photos", "images", "with a false alarm", "rate"], alarm_rows))
    print()
    style_rows = [[k, v["truths"], v["recalled"], v["recall"]] for k, v in result["styles"].items()]
    print(table(["class and style", "truths", "recalled", "recall"], style_rows))
    if result["misses"]:
        print("\nmissed (seed, photo, class, style, box):")
        for m in result["misses"]:
            print(f"  {m['seed']} {m['photo']} {m['class']} {m['style']} {tuple(m['box'])}")
    print(f"\nmedian detector time per image: {result['seconds_per_image_median']} s")


def main(argv: list[str] | None = None) -> int:
    """Run the accuracy bench and print (and optionally write) its results."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.guard_accuracy", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--count", type=int, default=300, help="images to generate")
    parser.add_argument("--seed", type=int, default=6, help="seed of the first image")
    parser.add_argument("--side", type=int, default=2000, help="long side of the photos, px")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)
    result = run(args.count, args.seed, args.side)
    return emit(result, print_summary, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
