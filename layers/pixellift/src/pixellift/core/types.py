"""Array aliases shared by the core: images are numpy arrays in row/column order."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

RgbImage: TypeAlias = npt.NDArray[np.uint8]
"""``(rows, cols, 3)`` uint8, sRGB."""

RgbaImage: TypeAlias = npt.NDArray[np.uint8]
"""``(rows, cols, 4)`` uint8, sRGB with straight (not premultiplied) alpha."""

Alpha: TypeAlias = npt.NDArray[np.float32]
"""``(rows, cols)`` float32 in ``[0, 1]``: 1 is product, 0 is background."""

Mask: TypeAlias = npt.NDArray[np.bool_]
"""``(rows, cols)`` boolean."""

FloatImage: TypeAlias = npt.NDArray[np.float32]
"""``(rows, cols, channels)`` float32 in ``[0, 1]``."""
