"""OCR engine bench: RapidOCR against Tesseract on product photos with text.

Twelve images are rendered: text printed on products (labels, cartons, a mug, a shoe tag) and
text overlaid on photos (sale banners, badges, a watermark, small captions, text turned 90 and
180 degrees), on the repository's sample photos and scikit-image's photographs. Each engine reads
each image; the score is the share of the true words it finds (upper-cased, punctuation kept
only in numbers and prices), the number of words it invents, and the median time per image.

Engines: ``rapidocr`` (``RapidOcrReader``, the adapter PixelLift ships), ``tesseract psm 3``
and ``tesseract psm 11`` (pytesseract over Debian's tesseract-ocr 5, automatic and sparse-text
page segmentation). Tesseract is skipped when pytesseract or the binary is missing.

Run: ``python -m bench.ocr_engines [--json OUT]``. The result is recorded in
``docs/adr/0004-ocr-engine.md``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import skimage.data
from PIL import Image, ImageDraw, ImageFont
from pixellift.adapters.local.rapid_ocr import RapidOcrReader
from pixellift.core.imaging.decode import decode_image

REPO = Path(__file__).resolve().parents[1]
FONTS = Path("/usr/share/fonts/truetype/dejavu")
DARK, WHITE = (30, 30, 30, 255), (255, 255, 255, 255)

# (name, background, kind, [(text, font, size, fill, stroke, band, angle, (row, col) fraction)])
CASES: list[tuple[str, str, str, list[tuple[Any, ...]]]] = [
    (
        "bottle_label",
        "bottle",
        "product",
        [
            (
                "ORGANIC OLIVE OIL",
                "DejaVuSans-Bold",
                44,
                DARK,
                0,
                (245, 240, 225, 255),
                0,
                (0.45, 0.5),
            ),
            (
                "500 ml  Cold pressed",
                "DejaVuSans",
                30,
                DARK,
                0,
                (245, 240, 225, 255),
                0,
                (0.53, 0.5),
            ),
        ],
    ),
    (
        "carton_print",
        "carton",
        "product",
        [
            ("SMART PHONE X2", "DejaVuSans-Bold", 52, WHITE, 0, (20, 60, 140, 235), 0, (0.4, 0.5)),
            ("128 GB Dual SIM", "pillow", 36, WHITE, 0, (20, 60, 140, 235), 0, (0.48, 0.5)),
        ],
    ),
    (
        "mug_print",
        "mug",
        "product",
        [
            ("Best Dad Ever", "DejaVuSerif-Bold", 40, DARK, 0, None, -4, (0.5, 0.45)),
        ],
    ),
    (
        "shoe_tag",
        "sneaker",
        "product",
        [
            (
                "RUNNER PRO 42",
                "DejaVuSansCondensed-Bold",
                34,
                DARK,
                0,
                (255, 255, 255, 230),
                6,
                (0.55, 0.5),
            ),
        ],
    ),
    (
        "coffee_label",
        "skimage:coffee",
        "product",
        [
            ("ESPRESSO", "DejaVuSans-Bold", 36, WHITE, 0, (90, 50, 30, 220), 0, (0.3, 0.5)),
            ("Single origin", "DejaVuSerif", 26, WHITE, 0, (90, 50, 30, 220), 0, (0.4, 0.5)),
        ],
    ),
    (
        "sale_banner",
        "mug",
        "overlay",
        [
            ("SALE 50% OFF", "DejaVuSans-Bold", 72, (230, 20, 20, 255), 4, None, 0, (0.12, 0.5)),
            ("FREE SHIPPING", "DejaVuSans-Bold", 48, WHITE, 3, None, 0, (0.9, 0.5)),
        ],
    ),
    (
        "badges",
        "bottle",
        "overlay",
        [
            ("BEST SELLER", "DejaVuSans-Bold", 40, WHITE, 0, (200, 30, 30, 255), 0, (0.08, 0.2)),
            ("NEW", "DejaVuSans-Bold", 56, (255, 220, 0, 255), 3, None, 0, (0.08, 0.85)),
        ],
    ),
    (
        "watermark",
        "skimage:chelsea",
        "overlay",
        [
            ("shop.example.com", "pillow", 34, (255, 255, 255, 150), 0, None, 0, (0.85, 0.5)),
        ],
    ),
    (
        "vertical",
        "sneaker",
        "overlay",
        [
            ("LIMITED EDITION", "DejaVuSans-Bold", 48, WHITE, 3, None, 90, (0.5, 0.08)),
        ],
    ),
    (
        "upside_down",
        "skimage:astronaut",
        "overlay",
        [
            ("SUMMER DEAL", "DejaVuSans-Bold", 48, (255, 255, 0, 255), 3, None, 180, (0.85, 0.5)),
        ],
    ),
    (
        "small_captions",
        "necklace",
        "overlay",
        [
            ("Gift box included", "pillow", 22, WHITE, 0, (0, 0, 0, 160), 0, (0.93, 0.3)),
            ("2 YEAR WARRANTY", "DejaVuSans-Bold", 26, WHITE, 0, (0, 0, 0, 160), 0, (0.06, 0.7)),
        ],
    ),
    (
        "busy_background",
        "skimage:rocket",
        "overlay",
        [
            ("LAUNCH PRICE $19.99", "DejaVuSans-Bold", 44, WHITE, 2, None, 0, (0.2, 0.5)),
        ],
    ),
]


def _font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if name == "pillow" or not (FONTS / f"{name}.ttf").is_file():
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(str(FONTS / f"{name}.ttf"), size)


def _background(name: str) -> np.ndarray:
    """A scikit-image photo, or the sample photo whose file name starts with ``name``."""
    if name.startswith("skimage:"):
        return np.asarray(getattr(skimage.data, name.split(":", 1)[1])())
    path = sorted((REPO / "samples").glob(f"{name}-*"))[0]
    return decode_image(path.read_bytes(), path.name).rgb


def _text_layer(
    text: str, font: Any, fill: Any, stroke: int, band: Any, *, angle: int
) -> Image.Image:
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font, stroke_width=stroke)
    pad = 8
    layer = Image.new(
        "RGBA", (right - left + 2 * pad, bottom - top + 2 * pad), band or (0, 0, 0, 0)
    )
    ImageDraw.Draw(layer).text(
        (pad - left, pad - top),
        text,
        font=font,
        fill=fill,
        stroke_width=stroke,
        stroke_fill=(0, 0, 0, 255),
    )
    return layer.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC) if angle else layer


def render_cases() -> list[tuple[str, str, np.ndarray, list[str]]]:
    """The test images with their kind and true lines."""
    cases = []
    for name, background, kind, texts in CASES:
        image = Image.fromarray(_background(background)).convert("RGBA")
        for text, font, size, fill, stroke, band, angle, (row, col) in texts:
            layer = _text_layer(text, _font(font, size), fill, stroke, band, angle=angle)
            left = min(max(0, int(col * image.width - layer.width / 2)), image.width - layer.width)
            top = min(
                max(0, int(row * image.height - layer.height / 2)), image.height - layer.height
            )
            image.alpha_composite(layer, (left, top))
        cases.append((name, kind, np.asarray(image.convert("RGB")), [t[0] for t in texts]))
    return cases


def words(text: str) -> list[str]:
    return [w for w in re.split(r"[^A-Z0-9%$.]+", text.upper()) if w.strip(".")]


def _tesseract(psm: int) -> Callable[[np.ndarray], list[str]] | None:
    try:
        import pytesseract

        pytesseract.get_tesseract_version()
    except Exception:  # noqa: BLE001 - missing module or binary: the engine is skipped
        return None

    def read(rgb: np.ndarray) -> list[str]:
        data = pytesseract.image_to_data(
            Image.fromarray(rgb), config=f"--psm {psm}", output_type=pytesseract.Output.DICT
        )
        lines: dict[tuple[int, int, int], list[str]] = {}
        for index, text in enumerate(data["text"]):
            if text.strip() and float(data["conf"][index]) >= 0:
                key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
                lines.setdefault(key, []).append(text)
        return [" ".join(parts) for parts in lines.values()]

    return read


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    rapid = RapidOcrReader()
    engines: dict[str, Callable[[np.ndarray], list[str]]] = {
        "rapidocr": lambda rgb: [line.text for line in rapid.read(rgb).lines]
    }
    for psm in (3, 11):
        reader = _tesseract(psm)
        if reader is not None:
            engines[f"tesseract psm {psm}"] = reader
    cases = render_cases()
    results: dict[str, dict[str, Any]] = {}
    for engine, read in engines.items():
        found = total = invented = 0
        times, per_kind = [], {"product": [0, 0], "overlay": [0, 0]}
        for _name, kind, rgb, truth in cases:
            read(rgb)
            runs = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                lines = read(rgb)
                runs.append(time.perf_counter() - start)
            times.append(statistics.median(runs))
            expected = [w for line in truth for w in words(line)]
            got = [w for line in lines for w in words(line)]
            hits = sum(1 for w in expected if w in got)
            found, total = found + hits, total + len(expected)
            invented += sum(1 for w in got if w not in expected)
            per_kind[kind][0] += hits
            per_kind[kind][1] += len(expected)
        results[engine] = {
            "word_recall": round(found / total, 3),
            "product_recall": round(per_kind["product"][0] / per_kind["product"][1], 3),
            "overlay_recall": round(per_kind["overlay"][0] / per_kind["overlay"][1], 3),
            "invented_words": invented,
            "median_s_per_image": round(statistics.median(times), 3),
        }
    print(
        f"{'engine':18} {'recall':>7} {'product':>8} {'overlay':>8} {'invented':>9} {'s/image':>8}"
    )
    for engine, row in results.items():
        print(
            f"{engine:18} {row['word_recall']:>7.2f} {row['product_recall']:>8.2f} "
            f"{row['overlay_recall']:>8.2f} {row['invented_words']:>9} "
            f"{row['median_s_per_image']:>8.2f}"
        )
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
