"""In-process ONNX Runtime sessions implementing the ``Segmenter`` port.

One session per model file, created on first use and reused; sequential execution on the chosen
execution providers (CUDA when the installed onnxruntime has it, else the CPU, unless configured).
Pre- and post-processing come from :mod:`pixellift.core.imaging.segmentation`, shared with the
SageMaker segmentation container.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from pixellift.adapters.local.model_cache import U2NETP, ModelCache, PinnedModel
from pixellift.core.errors import InvalidModelError, ModelNotFoundError
from pixellift.core.imaging.segmentation import (
    BIREFNET_SPEC,
    ISNET_SPEC,
    U2NETP_SPEC,
    ModelInputSpec,
    postprocess_mask,
    preprocess_for_segmentation,
)
from pixellift.core.types import Alpha, RgbImage

_CPU = "CPUExecutionProvider"
_PREFERRED = ("CUDAExecutionProvider", _CPU)
"""Providers ``auto`` picks, best first, among those the installed onnxruntime offers."""


def choose_providers(requested: Sequence[str], available: Sequence[str]) -> list[str]:
    """The execution providers a session uses: the requested ones, or the best available.

    An empty request means *auto*: CUDA if this onnxruntime build has it, then the CPU. The
    CPU is always last, so an operator may ask for ``CUDAExecutionProvider`` alone and still
    run where a node lacks a CUDA kernel.

    Raises
    ------
    InvalidModelError
        A requested provider is not in this onnxruntime build (the message lists those it has).

    Examples
    --------
    >>> choose_providers([], ["CPUExecutionProvider"])
    ['CPUExecutionProvider']
    >>> choose_providers([], ["CUDAExecutionProvider", "CPUExecutionProvider"])
    ['CUDAExecutionProvider', 'CPUExecutionProvider']
    >>> choose_providers(["CUDAExecutionProvider"], ["CPUExecutionProvider"])
    Traceback (most recent call last):
    ...
    pixellift.core.errors.InvalidModelError: execution provider CUDAExecutionProvider is not ...
    """
    wanted = list(requested) or [p for p in _PREFERRED if p in available]
    missing = [p for p in wanted if p not in available]
    if missing:
        raise InvalidModelError(
            f"execution provider {', '.join(missing)} is not in this onnxruntime build "
            f"(it has {', '.join(available)}); install onnxruntime-gpu for CUDA"
        )
    return [*(p for p in wanted if p != _CPU), _CPU]


_ERROR_LOG_SEVERITY = 3
_U2NETP_INPUT = 320
_ISNET_INPUT = 1024
_CHANNELS = 3
_RANK = 4


@dataclass(frozen=True)
class RegisteredModel:
    """A model the registry knows by name: its cache entry and its input specification."""

    model: PinnedModel | str
    spec: ModelInputSpec

    @property
    def cache_name(self) -> str:
        """Name under which :class:`ModelCache` files it."""
        return self.model.name if isinstance(self.model, PinnedModel) else self.model


MODEL_REGISTRY: Mapping[str, RegisteredModel] = {
    "u2netp": RegisteredModel(U2NETP, U2NETP_SPEC),
    "isnet-general-use": RegisteredModel("isnet-general-use", ISNET_SPEC),
    "birefnet-general": RegisteredModel("birefnet-general", BIREFNET_SPEC),
}
"""Pinned U2-Net-p, and the operator-supplied models filed as ``<name>.onnx`` in the cache."""


class OnnxSegmenter:
    """Foreground probability from a salient-object ONNX model.

    Parameters
    ----------
    model_path
        The ``.onnx`` file (already verified by the model cache where it came from there).
    spec
        How the model wants its input and how to read its output.
    name
        Stable identifier recorded in step logs.
    threads
        Intra-op threads; 0 lets ONNX Runtime decide.
    """

    def __init__(
        self,
        model_path: Path,
        spec: ModelInputSpec,
        *,
        name: str,
        threads: int = 0,
        providers: Sequence[str] = (),
    ) -> None:
        self._providers = tuple(providers)
        self._model_path = model_path
        self._spec = spec
        self._name = name
        self._threads = threads
        self._session: ort.InferenceSession | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """Stable identifier of the model."""
        return self._name

    @property
    def spec(self) -> ModelInputSpec:
        """The input specification in use."""
        return self._spec

    def predict(self, rgb: RgbImage) -> Alpha:
        """Return a float32 ``(rows, cols)`` foreground probability at the input's size.

        Raises
        ------
        InvalidModelError
            The model file is missing, cannot be loaded, or rejects the input tensor.
        """
        tensor = preprocess_for_segmentation(rgb, self._spec)
        raw = self.infer(tensor)
        return postprocess_mask(raw, (rgb.shape[0], rgb.shape[1]), self._spec)

    def infer(self, tensor: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The model's first output for an input tensor already prepared by the core.

        Raises
        ------
        InvalidModelError
            The model file is missing, cannot be loaded, or rejects the input tensor.
        """
        session = self.session()
        input_name = session.get_inputs()[0].name
        output_name = session.get_outputs()[0].name
        try:
            outputs = session.run([output_name], {input_name: tensor})
        except Exception as exc:  # onnxruntime raises its own unexported exception types
            raise InvalidModelError(
                f"model {self._name} ({self._model_path.name}) failed on a "
                f"{tensor.shape} input: {_first_line(exc)}; check its input specification"
            ) from exc
        return np.asarray(outputs[0], dtype=np.float32)

    def adopt(self, session: ort.InferenceSession) -> None:
        """Use an already opened session for this model (after checking its input)."""
        _check_input(session, self._spec, self._name)
        with self._lock:
            self._session = session

    def session(self) -> ort.InferenceSession:
        """Return the ONNX Runtime session, created on first use and shared by later calls."""
        with self._lock:
            if self._session is None:
                self._session = _open_session(self._model_path, self._threads, self._providers)
                _check_input(self._session, self._spec, self._name)
            return self._session


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _open_session(
    model_path: Path, threads: int, providers: Sequence[str] = ()
) -> ort.InferenceSession:
    if not model_path.is_file():
        raise ModelNotFoundError(f"model file {model_path} does not exist")
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(0, threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = _ERROR_LOG_SEVERITY
    try:
        chosen = choose_providers(providers, ort.get_available_providers())
        return ort.InferenceSession(str(model_path), sess_options=options, providers=chosen)
    except Exception as exc:  # InvalidProtobuf, NoSuchFile, Fail: not importable by name
        raise InvalidModelError(
            f"{model_path} is not a loadable ONNX model: {_first_line(exc)}"
        ) from exc


def _input_shape(session: ort.InferenceSession) -> Sequence[int | str | None]:
    inputs = session.get_inputs()
    if len(inputs) != 1:
        raise InvalidModelError(
            f"segmentation models take one image input; this one takes {len(inputs)}"
        )
    shape: Sequence[int | str | None] = inputs[0].shape
    return shape


def _check_input(session: ort.InferenceSession, spec: ModelInputSpec, name: str) -> None:
    shape = _input_shape(session)
    if len(shape) != _RANK:
        raise InvalidModelError(f"model {name} takes a rank-{len(shape)} input, expected 4")
    if spec.input_layout == "NCHW":
        expected = (_CHANNELS, spec.rows, spec.cols)
        actual = tuple(shape[1:])
    else:
        expected = (spec.rows, spec.cols, _CHANNELS)
        actual = tuple(shape[1:])
    for want, got in zip(expected, actual, strict=True):
        if isinstance(got, int) and got > 0 and got != want:
            raise InvalidModelError(
                f"model {name} expects input {list(shape)} but its specification gives "
                f"{spec.input_layout} {list(expected)}; pass the matching spec"
            )


def infer_spec(model_path: Path, threads: int = 0) -> ModelInputSpec:
    """Choose an input specification from the model's declared input size.

    320×320 is read as U2-Net style, 1024×1024 as IS-Net style.

    Raises
    ------
    InvalidModelError
        The model cannot be loaded, or its input size is dynamic or unknown (pass ``spec=``).
    """
    return _spec_for(_open_session(model_path, threads), model_path)


def _spec_for(session: ort.InferenceSession, model_path: Path) -> ModelInputSpec:
    shape = _input_shape(session)
    spatial = tuple(shape[2:]) if len(shape) == _RANK else ()
    if spatial == (_U2NETP_INPUT, _U2NETP_INPUT):
        return U2NETP_SPEC
    if spatial == (_ISNET_INPUT, _ISNET_INPUT):
        return ISNET_SPEC
    raise InvalidModelError(
        f"cannot infer how to feed {model_path.name} (input shape {list(shape)}): "
        "pass an explicit spec (u2netp, isnet-general-use or birefnet-general style)"
    )


def load_segmenter(
    name_or_path: str,
    cache: ModelCache,
    threads: int = 0,
    *,
    spec: ModelInputSpec | None = None,
    providers: Sequence[str] = (),
) -> OnnxSegmenter:
    """Build a segmenter from a registry name or a path to an operator-supplied ``.onnx``.

    Parameters
    ----------
    name_or_path
        ``"u2netp"``, ``"isnet-general-use"``, ``"birefnet-general"`` (looked up in the cache),
        or a path to an ``.onnx`` file.
    cache
        The verified model cache.
    threads
        Intra-op threads (``Settings.threads``).
    spec
        Overrides the registry's spec, or the one inferred from a file's input size.
    providers
        onnxruntime execution providers (``Settings.onnx_providers``); empty: the best available.

    Raises
    ------
    ModelNotFoundError
        Unknown name or missing file.
    InvalidModelError
        Unloadable model or uninferable input size.
    ModelChecksumError
        The cached file does not match its checksum.
    """
    registered = MODEL_REGISTRY.get(name_or_path)
    if registered is not None:
        path = cache.path_for(registered.cache_name)
        return OnnxSegmenter(
            path, spec or registered.spec, name=name_or_path, threads=threads, providers=providers
        )
    path = Path(name_or_path).expanduser()
    if path.suffix.lower() != ".onnx" or not path.is_file():
        known = ", ".join(sorted(MODEL_REGISTRY))
        raise ModelNotFoundError(
            f"{name_or_path!r} is neither a known model ({known}) nor an existing .onnx file"
        )
    session = _open_session(path, threads, providers)
    segmenter = OnnxSegmenter(
        path, spec or _spec_for(session, path), name=path.stem, threads=threads, providers=providers
    )
    segmenter.adopt(session)
    return segmenter
