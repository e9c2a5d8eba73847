"""In-process implementation of the ``Matter`` port: the core's edge refinement.

It runs exactly the cut-out use case's matting step (same working scale, same parameters), so a
matte made here, by the matting endpoint or by ``pixellift segment`` is the same matte.
"""

from __future__ import annotations

from pixellift.core.errors import PermanentError
from pixellift.core.imaging.edges import EdgeParams
from pixellift.core.pipeline.cutout import DEFAULT_WORKING_SIDE, cut_out
from pixellift.core.ports import Matte
from pixellift.core.types import Alpha, RgbImage


class _GivenMap:
    """A segmenter that answers with a map it was handed (the coarse mask to refine)."""

    name = "given"

    def __init__(self, coarse: Alpha) -> None:
        self._coarse = coarse

    def predict(self, rgb: RgbImage) -> Alpha:
        if self._coarse.shape != rgb.shape[:2]:
            raise PermanentError(
                f"the coarse mask is {self._coarse.shape}, the photo {rgb.shape[:2]}: "
                "they must have the same size"
            )
        return self._coarse


class EdgeMatter:
    """Trimap, band-limited alpha solve and foreground decontamination, in process.

    Parameters
    ----------
    params
        Edge refinement settings; the core's defaults when ``None``.
    working_side
        Long side at which edges are refined (larger photos are refined smaller and scaled back).
    """

    def __init__(
        self, params: EdgeParams | None = None, *, working_side: int = DEFAULT_WORKING_SIDE
    ) -> None:
        self._params = params or EdgeParams()
        self._working_side = working_side

    @property
    def name(self) -> str:
        """``edges-<solver>``."""
        return f"edges-{self._params.solver}"

    def matte(self, rgb: RgbImage, coarse: Alpha) -> Matte:
        """Refine ``coarse`` into an alpha matte and clean foreground at the photo's size.

        Raises
        ------
        PermanentError
            ``coarse`` and ``rgb`` differ in size.
        """
        result = cut_out(
            rgb,
            _GivenMap(coarse),
            mode="model",
            params=self._params,
            working_side=self._working_side,
        )
        return Matte(alpha=result.alpha, foreground=result.foreground)
