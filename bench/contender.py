"""The PixelLift side of the benchmark, run in the project venv.

Quality is measured at two points:

* the cut-out (``cut_out``: alpha and decontaminated foreground at the photo's own size), composited
  on white with PixelLift's own ``composite``, so it lines up pixel for pixel with rembg's outputs;
* the finished Auto-Fix file (``fix_photo`` with a preset): the ground truth is carried through the
  same crop/scale/pad the pipeline recorded in its step log (with PixelLift's ``reframe``), so the
  background purity and the product's true fill are measured on the delivered JPEG.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image
from pixellift.adapters.bootstrap import build_fix_services
from pixellift.adapters.settings import Settings
from pixellift.core.imaging.background import composite, parse_hex_colour
from pixellift.core.imaging.geometry import Box
from pixellift.core.imaging.reframe import reframe
from pixellift.core.pipeline.autofix import FixResult, FixServices, fix_photo
from pixellift.core.pipeline.cutout import cut_out
from pixellift.core.pipeline.preset_schema import Preset
from pixellift.core.pipeline.presets import load_preset
from pixellift.core.pipeline.segment import SegmentationMode
from pixellift.core.types import Alpha, RgbImage

from bench import metrics

WHITE = (255, 255, 255)


@dataclass(frozen=True)
class Contender:
    """The loaded pipeline: its services (model session) and the preset under test."""

    services: FixServices
    preset: Preset


def load(preset_name: str = "amazon-main") -> Contender:
    """Build the services, open the model session now (like rembg's ``new_session``), load a preset.

    The in-process segmenter opens its ONNX session on first use; opening it here keeps the
    session load out of the timed runs, as it is kept out of rembg's.
    """
    services = build_fix_services(Settings.from_env(os.environ))
    open_session = getattr(services.segmenter, "session", None)
    if callable(open_session):
        open_session()
    return Contender(services, load_preset(preset_name))


def alpha_scores(alpha: Alpha, gt: Alpha) -> dict[str, Any]:
    """IoU, MAE and SAD in the unknown band of one alpha against the truth."""
    return {
        "iou": metrics.iou(alpha, gt),
        "mae": metrics.mae(alpha, gt),
        "sad_band": metrics.sad_in_band(alpha, gt),
    }


def cutout_scores(
    c: Contender, rgb: RgbImage, gt: Alpha, mode: SegmentationMode = "auto"
) -> dict[str, Any]:
    """Alpha metrics and white-composite purity of ``cut_out`` in ``mode``."""
    segmenter = None if mode == "classical" else c.services.segmenter
    cut = cut_out(rgb, segmenter, mode=mode)
    white = composite(cut.foreground, cut.alpha, WHITE)
    scores = alpha_scores(cut.alpha, gt)
    scores["purity"] = metrics.background_purity(white, gt)
    scores["method"] = cut.segmentation.method
    return scores


def _step(result: FixResult, name: str) -> dict[str, Any]:
    for record in result.step_log.steps:
        if record.name == name:
            return dict(record.results)
    msg = f"the step log has no {name!r} step"
    raise KeyError(msg)


def gt_in_output(result: FixResult, gt: Alpha) -> Alpha:
    """The ground truth carried through the crop/scale/pad recorded in ``result``'s step log."""
    frame, size = _step(result, "frame"), _step(result, "size")
    top, left = int(frame["canvas_top"]), int(frame["canvas_left"])
    canvas = Box(top, left, top + int(frame["canvas_rows"]), left + int(frame["canvas_cols"]))
    blank = np.zeros((*gt.shape, 3), np.uint8)
    _, out = reframe(blank, gt, canvas, int(size["rows"]), int(size["cols"]))
    return out


def fix_scores(c: Contender, data: bytes, name: str, gt: Alpha) -> dict[str, Any]:
    """Purity and fill of the finished file, measured against the carried-through truth."""
    result = fix_photo(data, name, c.preset, c.services)
    with Image.open(io.BytesIO(result.output.data)) as im:
        out = np.asarray(im.convert("RGB"))
    gt_out = gt_in_output(result, gt)
    true_fill = metrics.longest_side_fill(gt_out > 0.5)
    target = c.preset.framing.fill
    return {
        "purity_final": metrics.background_purity(
            out, gt_out, parse_hex_colour(c.preset.background.colour)
        ),
        "fill_true": true_fill,
        "fill_claimed": float(_step(result, "reframe").get("fill_achieved", float("nan"))),
        "fill_error": float("nan") if target is None else metrics.fill_error(true_fill, target),
        "seconds": result.step_log.total_seconds,
        "segment_method": _step(result, "segment").get("method"),
    }
