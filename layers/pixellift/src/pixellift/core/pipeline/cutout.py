"""Cut-out use case: the product's alpha matte and clean foreground at the photo's own size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pixellift.core.imaging.edges import EdgeParams, EdgeResult, refine_edges
from pixellift.core.imaging.resize import resize_alpha, resize_image
from pixellift.core.pipeline.segment import SegmentationOutcome, segment_subject
from pixellift.core.ports import Segmenter
from pixellift.core.types import Alpha, RgbImage

DEFAULT_WORKING_SIDE = 2048


@dataclass(frozen=True)
class Cutout:
    """Alpha matte and decontaminated foreground, both at the input's size."""

    alpha: Alpha
    foreground: RgbImage
    segmentation: SegmentationOutcome
    edges: EdgeResult
    working_scale: float


def cut_out(
    rgb: RgbImage,
    segmenter: Segmenter | None,
    *,
    mode: Literal["auto", "model", "classical"] = "auto",
    params: EdgeParams | None = None,
    working_side: int = DEFAULT_WORKING_SIDE,
) -> Cutout:
    """Segment the product and refine its edges.

    Edges are refined at most at ``working_side`` pixels on the long side (the scale at which
    marketplace outputs are made); larger photos get the refined matte resampled back up.
    """
    outcome = segment_subject(rgb, segmenter, mode=mode)
    rows, cols = outcome.alpha.shape
    scale = min(1.0, working_side / max(rows, cols))
    if scale < 1.0:
        w_rows, w_cols = max(1, round(rows * scale)), max(1, round(cols * scale))
        work_rgb = resize_image(rgb, w_rows, w_cols)
        work_alpha = resize_alpha(outcome.alpha, w_rows, w_cols)
    else:
        work_rgb, work_alpha = rgb, outcome.alpha
    edges = refine_edges(work_rgb, work_alpha, params or EdgeParams())
    if scale < 1.0:
        alpha = resize_alpha(edges.alpha, rows, cols)
        foreground = resize_image(edges.foreground, rows, cols)
    else:
        alpha, foreground = edges.alpha, edges.foreground
    return Cutout(alpha, foreground, outcome, edges, scale)
