"""The ``SceneDetector`` port on the frontal-face LBP cascade that scikit-image ships.

OpenCV 5's Python wheels carry neither the Haar cascade files nor the HOG people detector, so
the cascade comes from scikit-image (``skimage.data.lbp_frontal_face_cascade_filename``, the
OpenCV-trained LBP cascade) and runs through ``skimage.feature.Cascade``. Faces are searched on
a copy at most ``working_side`` pixels long (the cascade's own grouping asks four neighbouring
windows to agree; faces found at several sizes count as one, and raise its confidence). Each
face also yields a ``person`` finding whose box extends below it (head, torso and legs in the
usual proportions), so a model wearing the product is reported as a person.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any, Final

import cv2
import numpy as np

from pixellift.core.errors import ModelNotFoundError
from pixellift.core.guard.findings import Box, GuardClass, GuardFinding
from pixellift.core.guard.regions import make_finding
from pixellift.core.types import RgbImage

_MIN_FACE: Final = 20
_AGREE: Final = 0.3  # windows overlapping by this intersection-over-union are one face
_BODY_WIDTH: Final = 3.0  # a standing person is about three face widths wide
_BODY_HEIGHT: Final = 7.5  # and seven and a half face heights tall


def _iou(a: Box, b: Box) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def group_windows(windows: list[Box]) -> list[tuple[Box, int]]:
    """Merge overlapping detection windows: each group's mean box and how many agreed.

    Examples
    --------
    >>> group_windows([(0, 0, 10, 10), (1, 1, 11, 11), (50, 50, 60, 60)])
    [((0, 0, 10, 10), 2), ((50, 50, 60, 60), 1)]
    """
    groups: list[list[Box]] = []
    for window in windows:
        for group in groups:
            if _iou(window, group[0]) >= _AGREE:
                group.append(window)
                break
        else:
            groups.append([window])
    merged = []
    for group in groups:
        mean = np.mean(np.asarray(group, np.float64), axis=0)
        merged.append(((int(mean[0]), int(mean[1]), int(mean[2]), int(mean[3])), len(group)))
    return merged


class CascadeSceneDetector:
    """Faces (and the people they belong to) with scikit-image's LBP frontal-face cascade.

    Parameters
    ----------
    working_side
        Long side of the copy searched; faces smaller than ``20 / working_side`` of the photo's
        long side are not found.

    Raises
    ------
    ModelNotFoundError
        On construction when scikit-image (which ships the cascade) is not installed.
    """

    def __init__(self, *, working_side: int = 320) -> None:
        try:
            from skimage import data
            from skimage.feature import Cascade
        except ImportError as exc:
            msg = "scikit-image is not installed: install it with `pip install scikit-image`"
            raise ModelNotFoundError(msg) from exc
        self._cascade: Any = Cascade(data.lbp_frontal_face_cascade_filename())  # type: ignore[no-untyped-call]
        self._side = working_side

    @property
    def name(self) -> str:
        """``skimage-<version>/lbp-frontal-face``."""
        return f"skimage-{importlib.metadata.version('scikit-image')}/lbp-frontal-face"

    def find_people(self, rgb: RgbImage) -> list[GuardFinding]:
        """Faces the cascade finds, and a person below each."""
        rows, cols = rgb.shape[:2]
        scale = min(1.0, self._side / max(rows, cols))
        small = rgb
        if scale < 1.0:
            size = (max(1, round(cols * scale)), max(1, round(rows * scale)))
            small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)  # type: ignore[assignment]
        gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float64) / 255.0
        side = min(gray.shape)
        if side < _MIN_FACE:
            return []
        hits = self._cascade.detect_multi_scale(
            img=gray,
            scale_factor=1.2,
            step_ratio=1,
            min_size=(_MIN_FACE, _MIN_FACE),
            max_size=(side, side),
        )
        windows = [(d["c"], d["r"], d["c"] + d["width"], d["r"] + d["height"]) for d in hits]
        found = []
        for (x0, y0, x1, y1), votes in group_windows(windows):
            confidence = round(min(0.95, 0.45 + 0.2 * (votes - 1)), 4)
            face = (
                int(x0 / scale),
                int(y0 / scale),
                int(np.ceil(x1 / scale)),
                int(np.ceil(y1 / scale)),
            )
            width, height = face[2] - face[0], face[3] - face[1]
            centre = (face[0] + face[2]) / 2
            body = (
                max(0, int(centre - _BODY_WIDTH * width / 2)),
                max(0, face[1] - height // 4),
                min(cols, int(centre + _BODY_WIDTH * width / 2)),
                min(rows, int(face[1] + _BODY_HEIGHT * height)),
            )
            found.append(
                make_finding(
                    cls=GuardClass.FACE, box=face, confidence=confidence, detector="lbp-face"
                )
            )
            found.append(
                make_finding(
                    cls=GuardClass.PERSON,
                    box=body,
                    confidence=round(confidence * 0.9, 4),
                    detector="lbp-face:body",
                )
            )
        return found
