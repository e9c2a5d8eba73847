"""The rembg 2.0.86 side of the benchmark; runs in ``bench/.venv-baseline``, not the project venv.

For each image it runs up to three rembg calls with one ``u2netp`` session (the same pinned
weights PixelLift uses), times each call (median of ``--repeats`` runs, session load excluded) and
saves what the quality bench compares:

``plain``
    ``rembg.remove(bytes, session=...)``: the RGBA cut-out PNG; its time is the speed baseline.
    Also saved: that cut-out on white through rembg's own ``apply_background_color``.
``mask``
    ``only_mask=True, post_process_mask=False``: the raw U2-Net-p mask, upsampled by rembg.
``matting``
    ``alpha_matting=True`` with rembg's defaults (240 / 10 / erode 10): the alpha, and the cut-out
    on white. rembg silently falls back to a plain cut-out when its solver raises; that is recorded.

Usage (the harness in ``bench/baseline.py`` sets ``U2NET_HOME``)::

    U2NET_HOME=bench/.data/u2net bench/.venv-baseline/bin/python bench/baseline_rembg.py \
        --out OUT_DIR --modes plain,mask,matting --repeats 3 IMAGE [IMAGE ...]

Every socket connection is refused before rembg is imported, so a download attempt fails loudly
instead of going unnoticed; the attempts are listed in the JSON report.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import socket
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

NETWORK_ATTEMPTS: list[str] = []
_MATTING_FAILURES: list[str] = []
MODES = ("plain", "mask", "matting")
WHITE = (255, 255, 255, 255)


def _peak_rss_mib() -> float:
    """Peak RSS of this process image (``VmHWM``: ``ru_maxrss`` would include the parent's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _refuse_network() -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        NETWORK_ATTEMPTS.append(repr(args[:2]))
        msg = "network access attempted by the baseline"
        raise OSError(msg)

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.getaddrinfo = refuse
    socket.create_connection = refuse


def _timed(call: Any, repeats: int) -> tuple[Any, list[float]]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return result, times


def _run_image(
    path: Path, out: Path | None, modes: list[str], repeats: int, session: Any
) -> dict[str, Any]:
    import rembg.bg  # type: ignore[import-not-found, unused-ignore]
    from PIL import Image

    data = path.read_bytes()
    stem = path.stem
    report: dict[str, Any] = {}
    for mode in modes:
        kwargs: dict[str, Any] = {"session": session}
        if mode == "mask":
            kwargs.update(only_mask=True, post_process_mask=False)
        elif mode == "matting":
            kwargs.update(alpha_matting=True)
        failures_before = len(_MATTING_FAILURES)
        png, times = _timed(lambda kw=kwargs: rembg.bg.remove(data, **kw), repeats)
        entry: dict[str, Any] = {"seconds": times, "median_s": statistics.median(times)}
        if mode == "matting":
            entry["fell_back"] = len(_MATTING_FAILURES) > failures_before
        if out is not None:
            with Image.open(io.BytesIO(png)) as im:
                im.load()
                if mode == "mask":
                    im.convert("L").save(out / f"{stem}.mask.png")
                else:
                    if mode == "matting":
                        im.getchannel("A").save(out / f"{stem}.matting.alpha.png")
                    white = rembg.bg.apply_background_color(im.convert("RGBA"), WHITE)
                    white.convert("RGB").save(out / f"{stem}.{mode}.white.png")
        report[mode] = entry
    return report


def _watch_matting() -> None:
    """Record when rembg's closed-form matting raises (rembg then falls back without a word)."""
    import rembg.bg

    original = rembg.bg.alpha_matting_cutout

    def watched(*args: Any, **kwargs: Any) -> Any:
        try:
            return original(*args, **kwargs)
        except ValueError as exc:
            _MATTING_FAILURES.append(str(exc))
            raise

    rembg.bg.alpha_matting_cutout = watched


def main(argv: list[str] | None = None) -> int:
    """Run the baseline on the given images and write ``baseline.json`` into ``--out``."""
    parser = argparse.ArgumentParser(description="rembg 2.0.86 baseline")
    parser.add_argument("images", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--modes", default="plain,mask,matting")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-save", action="store_true", help="time only; write no images")
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]
    if unknown := set(modes) - set(MODES):
        parser.error(f"unknown modes {sorted(unknown)}")
    home = Path(os.environ.get("U2NET_HOME", ""))
    if not (home / "u2netp.onnx").is_file():
        print("U2NET_HOME must point at a folder holding the pinned u2netp.onnx", file=sys.stderr)
        return 2
    _refuse_network()
    import onnxruntime
    import rembg

    _watch_matting()
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    session = rembg.new_session("u2netp")
    load_s = time.perf_counter() - start
    images = {
        p.stem: _run_image(p, None if args.no_save else args.out, modes, args.repeats, session)
        for p in args.images
    }
    report = {
        "rembg": metadata.version("rembg"),
        "onnxruntime": onnxruntime.__version__,
        "providers": session.inner_session.get_providers(),
        "model_path": str(type(session).download_models()),
        "session_load_s": load_s,
        "repeats": args.repeats,
        "modes": modes,
        "network_attempts": NETWORK_ATTEMPTS,
        "matting_failures": _MATTING_FAILURES,
        "peak_rss_mib": _peak_rss_mib(),
        "images": images,
    }
    (args.out / "baseline.json").write_text(json.dumps(report, indent=1))
    print(json.dumps({k: v for k, v in report.items() if k != "images"}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
