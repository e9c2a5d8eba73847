"""Endpoint bench: what serving U2-Net-p over HTTP costs, and what batching gains.

Two measurements, each a ratio of runs interleaved in the same process (the machines are
shared and noisy, so only ratios measured side by side mean anything):

``overhead``
    per photo, ``RemoteSegmenter.predict`` through a local server on loopback (``arrays``
    profile: the photo and its mask as ``.npy``) against ``OnnxSegmenter.predict`` in process.
    Target: < 10 %. The ``tensor`` profile (``TensorSegmenter``: the core prepares the model's
    input here, only the model runs on the endpoint) and the ``files`` profile (JSON with PNG)
    are measured beside it.
``round trip``
    the same HTTP call to a server whose model answers an empty mask at once: the endpoint's
    own cost in milliseconds (HTTP, ``.npz`` packing, copies), and its share of the in-process
    inference time. On a shared machine this is the steadier estimate of the overhead.
``batching``
    per-photo throughput of one request of 8 photos against 8 single requests in a row, both
    through the same server. Target: >= 1.5x.

The server and the in-process segmenter each have their own onnxruntime session with the same
settings. Run: ``python -m bench.endpoints [--repeats N] [--json OUT]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from pixellift.adapters.clock import SystemClock
from pixellift.adapters.endpoint.app import EndpointApp
from pixellift.adapters.endpoint.clients import RemoteSegmenter, WireProfile
from pixellift.adapters.endpoint.http_transport import HttpTransport
from pixellift.adapters.endpoint.inference import SegmentationModel
from pixellift.adapters.endpoint.jobs import Limits
from pixellift.adapters.endpoint.resilience import CircuitBreaker, ResilientInvoker
from pixellift.adapters.endpoint.server import EndpointServer
from pixellift.adapters.endpoint.tensor_client import TensorSegmenter
from pixellift.adapters.local.model_cache import ModelCache
from pixellift.adapters.local.onnx_models import OnnxSegmenter, load_segmenter
from pixellift.adapters.settings import Settings
from pixellift.core.imaging.decode import decode_image

REPO = Path(__file__).resolve().parents[1]
SAMPLES = ("mug", "sneaker", "bottle")


def _photos() -> dict[str, np.ndarray]:
    """Three sample photos at their size (about 1.9 MP) and one scaled to 2000 x 2000."""
    paths = [sorted((REPO / "samples").glob(f"{prefix}-*"))[0] for prefix in SAMPLES]
    photos = {path.name: decode_image(path.read_bytes(), path.name).rgb for path in paths}
    mug = Image.fromarray(photos[paths[0].name]).resize((2000, 2000), Image.Resampling.LANCZOS)
    photos["mug-2000x2000"] = np.asarray(mug)
    return photos


def _segmenter(threads: int) -> OnnxSegmenter:
    segmenter = load_segmenter(
        "u2netp", ModelCache(Settings.from_env(os.environ).model_dir), threads
    )
    segmenter.session()
    return segmenter


def _invoker(url: str) -> tuple[ResilientInvoker, HttpTransport]:
    transport = HttpTransport(url)
    return ResilientInvoker(transport, breaker=CircuitBreaker(url, clock=SystemClock())), transport


def _remote(url: str, profile: WireProfile) -> tuple[RemoteSegmenter, HttpTransport]:
    invoker, transport = _invoker(url)
    return RemoteSegmenter(invoker, profile=profile, batch_size=8), transport


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


class NullSegmenter:
    """Answers an empty mask at once: what is left of a request is the endpoint's own cost."""

    name = "null"

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        return np.zeros(rgb.shape[:2], np.float32)


def transport_cost(url: str, photos: dict[str, np.ndarray], repeats: int) -> dict[str, float]:
    """Median seconds of a full HTTP round trip per photo with a model that does nothing."""
    remote, transport = _remote(url, "arrays")
    costs = {}
    try:
        for name, rgb in photos.items():
            remote.predict(rgb)
            costs[name] = statistics.median(
                _timed(lambda rgb=rgb: remote.predict(rgb)) for _ in range(repeats)
            )
    finally:
        transport.close()
    return costs


def overhead(
    local: OnnxSegmenter, url: str, photos: dict[str, np.ndarray], repeats: int
) -> list[dict[str, Any]]:
    """Median seconds per photo in process and through HTTP, interleaved run by run."""
    arrays, arrays_transport = _remote(url, "arrays")
    files, files_transport = _remote(url, "files")
    invoker, tensor_transport = _invoker(url)
    tensor = TensorSegmenter(invoker, local.name, local.spec)
    rows = []
    try:
        for name, rgb in photos.items():
            local.predict(rgb)
            arrays.predict(rgb)
            files.predict(rgb)
            tensor.predict(rgb)
            times: dict[str, list[float]] = {"local": [], "arrays": [], "files": [], "tensor": []}
            for _ in range(repeats):
                times["local"].append(_timed(lambda rgb=rgb: local.predict(rgb)))
                times["arrays"].append(_timed(lambda rgb=rgb: arrays.predict(rgb)))
                times["files"].append(_timed(lambda rgb=rgb: files.predict(rgb)))
                times["tensor"].append(_timed(lambda rgb=rgb: tensor.predict(rgb)))
            median = {key: statistics.median(values) for key, values in times.items()}
            rows.append(
                {
                    "photo": name,
                    "shape": list(rgb.shape[:2]),
                    "in_process_s": round(median["local"], 4),
                    "http_arrays_s": round(median["arrays"], 4),
                    "http_files_s": round(median["files"], 4),
                    "http_tensor_s": round(median["tensor"], 4),
                    "overhead_arrays": round(median["arrays"] / median["local"] - 1.0, 4),
                    "overhead_files": round(median["files"] / median["local"] - 1.0, 4),
                    "overhead_tensor": round(median["tensor"] / median["local"] - 1.0, 4),
                }
            )
    finally:
        arrays_transport.close()
        files_transport.close()
        tensor_transport.close()
    return rows


def batching(url: str, photos: list[np.ndarray], repeats: int) -> dict[str, Any]:
    """Per-photo seconds: 8 single requests in a row against one request of 8."""
    remote, transport = _remote(url, "arrays")
    try:
        remote.predict_batch(photos)
        singles, batches = [], []
        for _ in range(repeats):
            singles.append(_timed(lambda: [remote.predict(rgb) for rgb in photos]))
            batches.append(_timed(lambda: remote.predict_batch(photos)))
    finally:
        transport.close()
    single = statistics.median(singles) / len(photos)
    batch = statistics.median(batches) / len(photos)
    return {
        "photos_per_request": len(photos),
        "single_request_s_per_photo": round(single, 4),
        "batched_s_per_photo": round(batch, 4),
        "throughput_gain": round(single / batch, 3),
    }


def _null_model() -> SegmentationModel:  # noqa: N802
    return SegmentationModel(NullSegmenter())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="onnxruntime intra-op threads")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument(
        "--url",
        help="measure against this running server (e.g. `pixellift endpoint serve segmentation`"
        " in another process, as a container would run it) instead of one in this process",
    )
    args = parser.parse_args(argv)

    photos = _photos()
    local = _segmenter(args.threads)
    app = EndpointApp(
        SegmentationModel(_segmenter(args.threads)),
        limits=Limits(max_request_bytes=256 * 2**20),
        workers=args.workers,
    )
    samples = list(photos.values())[: len(SAMPLES)]
    eight = [samples[i % len(samples)] for i in range(8)]
    if args.url:
        rows = overhead(local, args.url, photos, args.repeats)
        batch = batching(args.url, eight, max(2, args.repeats // 2))
    else:
        with EndpointServer(app, "127.0.0.1", 0) as server:
            rows = overhead(local, server.url, photos, args.repeats)
            batch = batching(server.url, eight, max(2, args.repeats // 2))
    null_app = EndpointApp(_null_model(), limits=app.limits, workers=1)
    with EndpointServer(null_app, "127.0.0.1", 0) as server:
        costs = transport_cost(server.url, photos, 3 * args.repeats)
    for row in rows:
        row["transport_s"] = round(costs[row["photo"]], 4)
        row["transport_share"] = round(costs[row["photo"]] / row["in_process_s"], 4)

    report = {
        "cpus": os.cpu_count(),
        "workers": args.workers,
        "threads": args.threads,
        "server": args.url or "in process",
        "providers": local.session().get_providers(),
        "repeats": args.repeats,
        "overhead": rows,
        "batching": batch,
    }
    print(f"{report['cpus']} CPUs, {args.workers} workers, providers {report['providers']}")
    print(
        f"{'photo':28} {'in-process':>10} {'http npy':>9} {'overhead':>9} {'json/png':>9}"
        f" {'tensor':>9} {'round trip':>10} {'share':>6}"
    )
    for row in rows:
        print(
            f"{row['photo']:28} {row['in_process_s']:>9.3f}s {row['http_arrays_s']:>8.3f}s "
            f"{row['overhead_arrays']:>+8.1%} {row['overhead_files']:>+8.1%}"
            f" {row['overhead_tensor']:>+8.1%}"
            f" {row['transport_s'] * 1000:>8.1f}ms {row['transport_share']:>6.1%}"
        )
    print(
        f"batching: {batch['single_request_s_per_photo']:.3f} s/photo single, "
        f"{batch['batched_s_per_photo']:.3f} s/photo in requests of 8: "
        f"{batch['throughput_gain']:.2f}x"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
