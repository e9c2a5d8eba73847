"""Pre- and post-processing around salient-object segmentation models, and mask confidence.

The same functions run next to an in-process ONNX session and inside the SageMaker segmentation
container, so the two cannot drift. For the rembg model family the arithmetic follows rembg
2.0.86 step by step (Pillow LANCZOS resize, divide by the image maximum, mean/std, min-max
normalised output stored as 8 bits, LANCZOS resize back), so for the same weights the mask
equals the one rembg produces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from pixellift.core.types import Alpha, RgbImage

_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)
_UNCERTAIN_LOW = 0.1
_UNCERTAIN_HIGH = 0.9
_CONFIDENCE_LONG_SIDE = 512
_EDGE_BAND_FRACTION = 0.02

Resample = Literal["lanczos", "bilinear"]
TensorLayout = Literal["NCHW", "NHWC"]


@dataclass(frozen=True)
class ModelInputSpec:
    """How a segmentation model wants its input and how to read its output.

    Parameters
    ----------
    rows, cols
        Input size the image is resized to.
    mean, std
        Per-channel normalisation applied after scaling to ``[0, 1]``.
    divide_by_max
        Scale by the resized image's own maximum (as rembg does) instead of by 255.
    input_layout, output_layout
        Tensor layouts; the mask is channel 0 of the first output.
    sigmoid
        Apply a logistic function to the output first (the model emits logits).
    resample
        Resize of the mask back to the photo: ``"lanczos"`` (Pillow, on the 8-bit mask, as
        rembg does) or ``"bilinear"`` (OpenCV, on the float mask).
    """

    rows: int
    cols: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    divide_by_max: bool = True
    input_layout: TensorLayout = "NCHW"
    output_layout: TensorLayout = "NCHW"
    sigmoid: bool = False
    resample: Resample = "lanczos"


U2NETP_SPEC = ModelInputSpec(rows=320, cols=320, mean=_IMAGENET_MEAN, std=_IMAGENET_STD)
"""U2-Net-p: 320×320, ImageNet mean/std, divided by the image maximum."""

ISNET_SPEC = ModelInputSpec(rows=1024, cols=1024, mean=(0.5, 0.5, 0.5), std=(1.0, 1.0, 1.0))
"""IS-Net general use (DIS): 1024×1024, mean 0.5, std 1.0."""

BIREFNET_SPEC = ModelInputSpec(
    rows=1024, cols=1024, mean=_IMAGENET_MEAN, std=_IMAGENET_STD, sigmoid=True
)
"""BiRefNet general: 1024×1024, ImageNet mean/std, logits passed through a sigmoid."""


def _check_rgb(rgb: RgbImage) -> None:
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:  # noqa: PLR2004
        raise ValueError(f"expected a (rows, cols, 3) uint8 image, got {rgb.dtype} {rgb.shape}")
    if rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ValueError(f"image has no pixels: shape {rgb.shape}")


def preprocess_for_segmentation(rgb: RgbImage, spec: ModelInputSpec) -> npt.NDArray[np.float32]:
    """Turn an RGB photo into the model's input tensor.

    Parameters
    ----------
    rgb
        ``(rows, cols, 3)`` uint8 photo.
    spec
        The model's input specification.

    Returns
    -------
    numpy.ndarray
        float32 ``(1, 3, spec.rows, spec.cols)`` (or ``(1, rows, cols, 3)`` for NHWC).

    Raises
    ------
    ValueError
        The array is not a non-empty ``(rows, cols, 3)`` uint8 image.

    Examples
    --------
    >>> import numpy as np
    >>> x = preprocess_for_segmentation(np.full((10, 20, 3), 200, np.uint8), U2NETP_SPEC)
    >>> x.shape, x.dtype
    ((1, 3, 320, 320), dtype('float32'))
    >>> round(float(x[0, 0, 0, 0]), 4)  # (200 / 200 - 0.485) / 0.229
    2.2489
    """
    _check_rgb(rgb)
    resized = Image.fromarray(rgb).resize((spec.cols, spec.rows), Image.Resampling.LANCZOS)
    # float64 until the end: the same rounding as rembg, so the tensors are bit-identical.
    scaled = np.asarray(resized, dtype=np.float64)
    scaled = scaled / max(float(scaled.max()), 1e-6) if spec.divide_by_max else scaled / 255.0
    normalised = (scaled - np.asarray(spec.mean)) / np.asarray(spec.std)
    if spec.input_layout == "NCHW":
        normalised = normalised.transpose(2, 0, 1)
    return np.ascontiguousarray(normalised[np.newaxis], dtype=np.float32)


def _sigmoid(values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    return np.asarray(1.0 / (1.0 + np.exp(-values)), dtype=np.float32)


def postprocess_mask(
    raw: npt.NDArray[np.floating], out_shape: tuple[int, int], spec: ModelInputSpec
) -> Alpha:
    """Turn the model's first output into a probability map at the photo's size.

    Parameters
    ----------
    raw
        The model's first output: ``(1, channels, h, w)`` for NCHW or ``(1, h, w, channels)``
        for NHWC; channel 0 is the foreground. A bare ``(h, w)`` map is accepted too.
    out_shape
        ``(rows, cols)`` of the photo.
    spec
        The model's specification (sigmoid, resample).

    Returns
    -------
    Alpha
        float32 ``(rows, cols)`` in ``[0, 1]``, min-max normalised; all zeros when the model's
        output is constant.

    Raises
    ------
    ValueError
        ``raw`` has a shape this function cannot read, or ``out_shape`` is empty.

    Examples
    --------
    >>> import numpy as np
    >>> raw = np.array([[[[-1.0, 3.0], [1.0, 1.0]]]], np.float32)
    >>> spec = ModelInputSpec(rows=2, cols=2, mean=(0, 0, 0), std=(1, 1, 1), resample="bilinear")
    >>> postprocess_mask(raw, (2, 2), spec).tolist()
    [[0.0, 1.0], [0.5, 0.5]]
    """
    pred = _first_channel(np.asarray(raw, dtype=np.float32), spec.output_layout)
    rows, cols = out_shape
    if rows <= 0 or cols <= 0:
        raise ValueError(f"output shape must be positive, got {out_shape}")
    if spec.sigmoid:
        pred = _sigmoid(pred)
    low, high = pred.min(), pred.max()
    if not high > low:
        return np.zeros((rows, cols), dtype=np.float32)
    pred = (pred - low) / (high - low)
    if spec.resample == "lanczos":
        # 8-bit truncation before the resize, exactly as rembg stores its mask.
        mask = Image.fromarray((pred * 255).astype(np.uint8))
        mask = mask.resize((cols, rows), Image.Resampling.LANCZOS)
        return np.asarray(mask, dtype=np.float32) / np.float32(255.0)
    resized: Alpha = cv2.resize(pred, (cols, rows), interpolation=cv2.INTER_LINEAR)
    return np.clip(resized, 0.0, 1.0).astype(np.float32)


def _first_channel(raw: npt.NDArray[np.float32], layout: TensorLayout) -> npt.NDArray[np.float32]:
    if raw.ndim == 2:  # noqa: PLR2004
        return raw
    if raw.ndim == 4 and raw.shape[0] >= 1:  # noqa: PLR2004
        pred = raw[0, 0] if layout == "NCHW" else raw[0, :, :, 0]
        if pred.size > 0:
            return np.ascontiguousarray(pred)
    if raw.ndim == 3 and raw.shape[0] == 1:  # noqa: PLR2004
        return np.ascontiguousarray(raw[0])
    raise ValueError(f"cannot read a mask from a model output of shape {raw.shape}")


def mask_confidence(prob: Alpha) -> float:
    """How decisive a foreground probability map is, from 0 (undecided) to 1 (crisp).

    Definition: on a copy whose long side is at most 512 px, take the band of pixels within
    2 % of the long side of the 0.5 contour (the subject's outline; the whole image when
    there is no outline). The confidence is the fraction of that band *outside* the uncertain
    range ``0.1 < p < 0.9``. Measuring near the edge keeps a large, easy background from
    hiding a mushy outline, and a band relative to the image size makes the number the same
    at any resolution.

    Parameters
    ----------
    prob
        ``(rows, cols)`` float probabilities in ``[0, 1]``.

    Returns
    -------
    float
        In ``[0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> crisp = np.zeros((40, 40), np.float32)
    >>> crisp[10:30, 10:30] = 1.0
    >>> mask_confidence(crisp)
    1.0
    >>> mask_confidence(np.full((40, 40), 0.5, np.float32))
    0.0
    """
    if prob.ndim != 2 or prob.size == 0:  # noqa: PLR2004
        raise ValueError(f"expected a non-empty (rows, cols) map, got shape {prob.shape}")
    small = np.clip(np.asarray(prob, dtype=np.float32), 0.0, 1.0)
    long_side = max(small.shape)
    if long_side > _CONFIDENCE_LONG_SIDE:
        scale = _CONFIDENCE_LONG_SIDE / long_side
        size = (max(1, round(small.shape[1] * scale)), max(1, round(small.shape[0] * scale)))
        small = np.asarray(cv2.resize(small, size, interpolation=cv2.INTER_AREA), np.float32)
    foreground = (small >= 0.5).astype(np.uint8)  # noqa: PLR2004
    radius = max(1, round(_EDGE_BAND_FRACTION * max(small.shape)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    band = cv2.dilate(foreground, kernel) != cv2.erode(foreground, kernel)
    if not band.any():
        band = np.ones_like(band)
    values = small[band]
    uncertain = np.count_nonzero((values > _UNCERTAIN_LOW) & (values < _UNCERTAIN_HIGH))
    return float(1.0 - uncertain / values.size)
