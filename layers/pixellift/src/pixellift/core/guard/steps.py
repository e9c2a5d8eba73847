"""Straight steps in a photo and the axis-aligned rectangles they close, for the inset detector.

A pixel is marked where the colour jumps across a row (or column) boundary more than just
before and after it; long straight runs of marks are the candidate sides of pasted pictures,
and pairs of vertical runs closed by horizontal runs that cross both are candidate rectangles.
Lengths and positions are in the pixels of the copy the maps were made from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.guard.findings import Box
from pixellift.core.types import RgbImage

_STEP: Final = 14  # levels the colour must jump across a side (largest channel)
_GAP: Final = 3  # pixels of a side that may be missing in one stretch
SIDE: Final = 0.8
"""Share of each side where the step must be found."""
_TOLERANCE: Final = 3  # pixels a run may stop short of a side it should cross
_CORNER: Final = 3  # pixels past a corner skipped before a side's continuation is read
_CARRIED: Final = 2  # sides carrying on past a corner that make a box part of longer lines

I16 = npt.NDArray[np.int16]
U8 = npt.NDArray[np.uint8]
Counts = npt.NDArray[np.int32]


def step_maps(small: RgbImage) -> tuple[U8, U8]:
    """Where the colour steps across a row boundary (``across_rows``) or a column boundary.

    A pixel is marked when the jump between its neighbours (two pixels apart, so a boundary
    that a resize left straddling two pixels still counts) exceeds :data:`_STEP` and is the
    largest jump within two pixels across the boundary.

    Examples
    --------
    >>> rgb = np.full((40, 40, 3), 200, np.uint8)
    >>> rgb[10:30, 10:30] = (20, 90, 160)
    >>> rows, cols = step_maps(rgb)
    >>> int(rows[9:11, 15].max()), int(cols[15, 9:11].max()), int(rows[20, 20])
    (1, 1, 0)
    """
    img = small.astype(np.int16)
    across_rows = np.zeros(img.shape[:2], np.int16)
    across_rows[1:-1] = np.abs(img[2:] - img[:-2]).max(axis=2)
    across_cols = np.zeros(img.shape[:2], np.int16)
    across_cols[:, 1:-1] = np.abs(img[:, 2:] - img[:, :-2]).max(axis=2)
    return _peaks(across_rows, axis=0), _peaks(across_cols, axis=1)


def _peaks(jump: I16, axis: int) -> U8:
    """``jump`` above the threshold and maximal within two pixels along ``axis``."""
    kernel = np.ones((5, 1) if axis == 0 else (1, 5), np.uint8)
    peak = jump >= cv2.dilate(jump, kernel)
    out: U8 = ((jump >= _STEP) & peak).astype(np.uint8)
    return out


@dataclass(frozen=True)
class Run:
    """A straight run of marks along line ``at``, from ``start`` to ``end`` (exclusive)."""

    at: int  # row (horizontal run) or column (vertical run)
    start: int
    end: int


def runs(marks: U8, length: int, horizontal: bool) -> list[Run]:
    """Straight runs at least ``length`` long along single rows (or columns), gaps bridged.

    Runs on neighbouring lines that overlap are one side seen twice; the longer is kept.
    """
    bridge = (1, _GAP * 2 + 1) if horizontal else (_GAP * 2 + 1, 1)
    # A side's step peaks on one line or its neighbour, pixel by pixel: fold the two in.
    thick = cv2.dilate(marks, np.ones((3, 1) if horizontal else (1, 3), np.uint8))
    bridged = cv2.morphologyEx(thick, cv2.MORPH_CLOSE, np.ones(bridge, np.uint8))
    kept = cv2.morphologyEx(
        bridged, cv2.MORPH_OPEN, np.ones((1, length) if horizontal else (length, 1), np.uint8)
    )
    lines = kept if horizontal else kept.T
    edges = np.diff(np.pad(lines.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    starts, ends = np.nonzero(edges == 1), np.nonzero(edges == -1)
    runs = sorted(
        (
            Run(int(at), int(a), int(b))
            for at, a, b in zip(starts[0], starts[1], ends[1], strict=True)
        ),
        key=lambda r: r.start - r.end,
    )
    kept_runs: list[Run] = []
    for run in runs:
        twin = any(
            abs(other.at - run.at) <= 1
            and min(other.end, run.end) - max(other.start, run.start) > 0
            for other in kept_runs
        )
        if not twin:
            kept_runs.append(run)
    return kept_runs


def along(marks: U8, horizontal: bool) -> Counts:
    """Running count of marks along each line, a pixel either side folded in (for O(1) sides)."""
    thick = cv2.dilate(marks, np.ones((3, 1) if horizontal else (1, 3), np.uint8))
    lines = thick if horizontal else thick.T
    out = np.zeros((lines.shape[0], lines.shape[1] + 1), np.int32)
    np.cumsum(lines, axis=1, out=out[:, 1:])
    return out


def rectangles(
    rows_marks: U8,
    cols_marks: U8,
    length: int,
    across_rows: Counts,
    across_cols: Counts,
) -> list[tuple[tuple[int, int, int, int], float]]:
    """Boxes ``(x0, y0, x1, y1)`` whose four sides are nearly unbroken steps, with their support.

    Every horizontal run proposes the pairs of vertical runs it crosses as a picture's left and
    right sides; a pair proposed by two runs far enough apart is a candidate, kept when all four
    sides (not just the runs, which may carry on past a corner) are marked along most of their
    length.
    """
    horizontal = runs(rows_marks, length, horizontal=True)
    vertical = runs(cols_marks, length, horizontal=False)
    if len(horizontal) < 2 or len(vertical) < 2:  # noqa: PLR2004
        return []
    v_at = np.array([v.at for v in vertical])
    v_start = np.array([v.start for v in vertical])
    v_end = np.array([v.end for v in vertical])
    pairs: dict[tuple[int, int], set[int]] = {}
    # A side may fade for a stretch near a corner, so its run stops short of the other side.
    reach = max(_TOLERANCE, length // 3)
    for h in horizontal:
        crossed = np.flatnonzero(
            (v_at >= h.start - reach)
            & (v_at <= h.end + reach)
            & (v_start <= h.at + length)
            & (v_end >= h.at - length)
        )
        xs = sorted({int(v_at[i]) for i in crossed})
        for i, left in enumerate(xs):
            for right in xs[i + 1 :]:
                if right - left >= length:
                    pairs.setdefault((left, right), set()).add(h.at)
    found = []
    for (left, right), tops in pairs.items():
        if len(tops) < 2:  # noqa: PLR2004
            continue
        ys = np.array(sorted(tops))
        width = right - left
        ys = ys[(across_rows[ys, right] - across_rows[ys, left]) / width >= SIDE]
        if len(ys) < 2:  # noqa: PLR2004
            continue
        top, bottom = ys[:, None], ys[None, :]
        height = np.maximum(bottom - top, 1)
        sides = np.minimum(
            (across_cols[left][bottom] - across_cols[left][top]) / height,
            (across_cols[right][bottom] - across_cols[right][top]) / height,
        )
        horizontal_sides = np.minimum(
            (across_rows[top, right] - across_rows[top, left]) / width,
            (across_rows[bottom, right] - across_rows[bottom, left]) / width,
        )
        support = np.minimum(sides, horizontal_sides)
        for i, j in zip(*np.nonzero((bottom - top >= length) & (support >= SIDE)), strict=True):
            box = (left, int(ys[i]), right + 1, int(ys[j]) + 1)
            found.append((box, float(support[i, j])))
    return found


def _share(across: Counts, at: int, start: int, end: int) -> float:
    """Share of ``start``..``end`` along line ``at`` marked; 0 when less than half of it fits."""
    lo, hi = max(0, start), min(int(across.shape[1]) - 1, end)
    if hi <= lo or 2 * (hi - lo) < end - start:
        return 0.0
    marked = int(across[at, hi]) - int(across[at, lo])
    return marked / (hi - lo)


def open_ended(across_rows: Counts, across_cols: Counts, box: Box, reach: int) -> bool:
    """Whether two sides of ``box`` carry on as straight steps past a corner.

    A pasted picture's sides stop at its corners (one may happen to meet a line of the photo,
    a joint between bricks); a rectangle that a frame, a horizon or a product's edge closes is
    cut out of longer lines.
    """
    x0, y0, x1, y1 = box
    gap = _CORNER
    lines = (
        (across_rows, y0, x0, x1 - 1),
        (across_rows, y1 - 1, x0, x1 - 1),
        (across_cols, x0, y0, y1 - 1),
        (across_cols, x1 - 1, y0, y1 - 1),
    )
    carried = sum(
        _share(across, at, lo - gap - reach, lo - gap) >= SIDE
        or _share(across, at, hi + gap, hi + gap + reach) >= SIDE
        for across, at, lo, hi in lines
    )
    return carried >= _CARRIED
