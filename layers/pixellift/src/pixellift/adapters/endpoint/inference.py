"""What each model server runs on one photo: segmentation, matting or OCR.

Pre- and post-processing are the core's (the segmenter's own, ``segment_subject``, the edge
refinement behind the ``Matter`` port, :func:`assemble_reading`), so an endpoint's answer equals
what the CLI computes in process for the same photo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from pixellift.core.contracts.endpoints import EndpointKind
from pixellift.core.contracts.ocr_reading import OcrReading
from pixellift.core.pipeline.segment import segment_subject
from pixellift.core.ports import Matter, OcrReader, Segmenter
from pixellift.core.types import Alpha, RgbImage

CoarseSource = Literal["request", "model", "classical"]


@dataclass(frozen=True)
class ImageJob:
    """One photo of a request, decoded."""

    id: str
    rgb: RgbImage
    coarse: Alpha | None = None


@dataclass(frozen=True)
class Inference:
    """What a model produced for one photo (the fields of its kind are set)."""

    alpha: Alpha | None = None
    foreground: RgbImage | None = None
    coarse_source: CoarseSource | None = None
    reading: OcrReading | None = None


class EndpointModel(Protocol):
    """The model behind one endpoint."""

    @property
    def kind(self) -> EndpointKind:
        """Which endpoint this is."""
        ...

    @property
    def name(self) -> str:
        """Model identifier, reported by ``/ping`` and in JSON answers."""
        ...

    def run(self, job: ImageJob) -> Inference:
        """Process one photo (called from several threads at once)."""
        ...


class SegmentationModel:
    """Foreground probability from a segmenter (in process: an ONNX session)."""

    kind: EndpointKind = "segmentation"

    def __init__(self, segmenter: Segmenter) -> None:
        self._segmenter = segmenter

    @property
    def name(self) -> str:
        """The segmenter's name."""
        return self._segmenter.name

    @property
    def raw(self) -> Segmenter:
        """The segmenter itself, for requests that send the model's input tensor."""
        return self._segmenter

    def run(self, job: ImageJob) -> Inference:
        """The segmenter's probability map at the photo's size."""
        return Inference(alpha=self._segmenter.predict(job.rgb))


class MattingModel:
    """Alpha matte and clean foreground.

    With a coarse mask in the request only the edges are refined; without one the photo is
    segmented first exactly as the CLI does (the classical path for plain backdrops, else the
    model), so the result equals ``pixellift segment``'s.
    """

    kind: EndpointKind = "matting"

    def __init__(self, matter: Matter, segmenter: Segmenter | None) -> None:
        self._matter = matter
        self._segmenter = segmenter

    @property
    def name(self) -> str:
        """The matting method, with the segmenter used when no coarse mask is sent."""
        if self._segmenter is None:
            return self._matter.name
        return f"{self._matter.name}+{self._segmenter.name}"

    def run(self, job: ImageJob) -> Inference:
        """Refine the request's coarse mask, or segment first when there is none."""
        source: CoarseSource = "request"
        coarse = job.coarse
        if coarse is None:
            outcome = segment_subject(job.rgb, self._segmenter, mode="auto")
            coarse = outcome.alpha
            source = "classical" if outcome.method == "classical" else "model"
        matte = self._matter.matte(job.rgb, coarse)
        return Inference(alpha=matte.alpha, foreground=matte.foreground, coarse_source=source)


class OcrModel:
    """Text lines and words read by an OCR engine."""

    kind: EndpointKind = "ocr"

    def __init__(self, reader: OcrReader) -> None:
        self._reader = reader

    @property
    def name(self) -> str:
        """The engine's name."""
        return self._reader.name

    def run(self, job: ImageJob) -> Inference:
        """The reading of the photo."""
        return Inference(reading=self._reader.read(job.rgb))
