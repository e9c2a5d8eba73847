"""The quality set: seeded synthetic composites on real photos, cached under ``bench/.data``.

Each item is a JPEG (what a phone delivers) plus its exact alpha as a 16-bit PNG. Two settings:

* ``real``: the object on a crop of a real photograph (scikit-image's public-domain/CC0 photos),
  often with a textured table in perspective, a cast shadow and sensor noise, JPEG q=92;
* ``studio``: the same kinds of object on a white or light-grey paper sweep with a vignette, a
  contact shadow and sensor noise, JPEG q=90.

Run ``python -m bench.datasets`` to build it (it is also built on demand by the quality bench).
"""

from __future__ import annotations

import argparse
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from bench.products import RENDERERS, SOFT_OBJECTS
from bench.scenes import compose

VERSION = 2  # bump whenever the renderers or scenes change, so the cache is rebuilt
SEED = 20_240_611
DATA_DIR = Path(__file__).resolve().parent / ".data"
ASPECTS = ((4, 3), (3, 4), (1, 1), (3, 2), (2, 3))
JPEG_QUALITY = {"real": 92, "studio": 90}
PER_OBJECT = {"real": 3, "studio": 2}


@dataclass(frozen=True)
class Item:
    """One image of the quality set."""

    id: str
    object: str
    setting: str
    soft: bool
    background: str
    rows: int
    cols: int
    image: str
    alpha: str

    def image_path(self, root: Path) -> Path:
        """Where the JPEG lives under ``root``."""
        return root / self.image

    def alpha_path(self, root: Path) -> Path:
        """Where the ground-truth alpha lives under ``root``."""
        return root / self.alpha


def set_dir(root: Path = DATA_DIR) -> Path:
    """The cache folder of the current version of the set."""
    return root / f"quality-v{VERSION}"


def _size(rng: np.random.Generator) -> tuple[int, int]:
    long_side = int(rng.integers(1000, 1601))
    a, b = ASPECTS[int(rng.integers(len(ASPECTS)))]
    if a >= b:
        return int(long_side * b / a), long_side
    return long_side, int(long_side * a / b)


def _encode_jpeg(rgb: npt.NDArray[np.uint8], quality: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality, subsampling="4:2:0", optimize=True)
    return buf.getvalue()


def plan(seed: int = SEED) -> list[tuple[str, str, int]]:
    """``(object, setting, seed)`` for every item, in a fixed order."""
    items: list[tuple[str, str, int]] = []
    for obj in RENDERERS:
        for setting, count in PER_OBJECT.items():
            for k in range(count):
                items.append((obj, setting, seed + len(items) * 7919 + k))
    return items


def build(root: Path = DATA_DIR, seed: int = SEED, limit: int | None = None) -> list[Item]:
    """Build (or reuse) the set and return its manifest; identical seeds give identical files."""
    folder = set_dir(root)
    manifest = folder / "manifest.json"
    if manifest.exists():
        cached = load_manifest(folder)
        if json.loads(manifest.read_text())["seed"] == seed and (
            limit is None or len(cached) >= limit
        ):
            return cached[:limit]
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for index, (obj, setting, item_seed) in enumerate(plan(seed)[:limit]):
        rng = np.random.default_rng(item_seed)
        rows, cols = _size(rng)
        scene = compose(rng, obj, setting, rows, cols)
        name = f"{index:02d}-{setting}-{obj}"
        (folder / f"{name}.jpg").write_bytes(_encode_jpeg(scene.rgb, JPEG_QUALITY[setting]))
        gt16 = np.round(scene.alpha * 65535.0).astype(np.uint16)
        cv2.imwrite(str(folder / f"{name}.alpha.png"), gt16)
        items.append(
            Item(
                name,
                obj,
                setting,
                obj in SOFT_OBJECTS,
                str(scene.meta["background"]),
                rows,
                cols,
                f"{name}.jpg",
                f"{name}.alpha.png",
            )
        )
    manifest.write_text(
        json.dumps(
            {"version": VERSION, "seed": seed, "items": [asdict(i) for i in items]}, indent=1
        )
    )
    return items


def load_manifest(folder: Path) -> list[Item]:
    """Items listed in ``folder/manifest.json``."""
    raw = json.loads((folder / "manifest.json").read_text())
    return [Item(**entry) for entry in raw["items"]]


def load_alpha(path: Path) -> npt.NDArray[np.float32]:
    """A 16-bit PNG alpha as float32 in [0, 1]."""
    gt = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if gt is None:
        msg = f"cannot read ground truth {path}"
        raise FileNotFoundError(msg)
    return (gt.astype(np.float32) / 65535.0).astype(np.float32)


def load_rgb(path: Path) -> npt.NDArray[np.uint8]:
    """A JPEG decoded to uint8 RGB with Pillow (the decoder both contenders use)."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def large_photo(path: Path, rows: int, cols: int, *, obj: str = "mug", seed: int = SEED) -> Path:
    """A phone-sized JPEG (q=92) of ``obj`` on a real background, cached at ``path``.

    The scene is rendered at a quarter of the pixels and enlarged, as phone photos carry less
    detail than their pixel count; fresh sensor noise is added at full size, band by band, to keep
    the memory low for 50-megapixel files.
    """
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    scene = compose(rng, obj, "real", rows // 2, cols // 2)
    big = np.asarray(cv2.resize(scene.rgb, (cols, rows), interpolation=cv2.INTER_CUBIC), np.uint8)
    for top in range(0, rows, 512):
        band = big[top : top + 512].astype(np.int16)
        band += rng.integers(-3, 4, band.shape, dtype=np.int16)
        big[top : top + 512] = np.clip(band, 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_encode_jpeg(big, 92))
    return path


def main(argv: list[str] | None = None) -> None:
    """Build the quality set and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DATA_DIR)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    items = build(args.root, args.seed, args.limit)
    soft = sum(i.soft for i in items)
    print(f"{len(items)} images ({soft} with soft edges) in {set_dir(args.root)}")


if __name__ == "__main__":
    main()
