"""Frozen runtime settings, parsed once from the environment at the edge.

This module is the only reader of environment variables. Every variable is listed in the README's
configuration table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_PIXELS = 120_000_000


def _default_home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME", str(Path.home())))


@dataclass(frozen=True)
class Settings:
    """Runtime configuration.

    Parameters
    ----------
    model_dir
        Checksum-verified model cache (``PIXELLIFT_MODEL_DIR``).
    state_dir
        Local runtime state (``PIXELLIFT_STATE_DIR``).
    segmentation_model
        Model name from the registry or a path to an operator-supplied ONNX file
        (``PIXELLIFT_SEGMENTATION_MODEL``).
    max_pixels
        Decompression-bomb limit in pixels (``PIXELLIFT_MAX_PIXELS``).
    threads
        Threads for model inference; 0 lets the runtime decide (``PIXELLIFT_THREADS``).
    """

    model_dir: Path
    state_dir: Path
    segmentation_model: str = "u2netp"
    max_pixels: int = DEFAULT_MAX_PIXELS
    threads: int = 0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from an environment mapping (pass ``os.environ`` at the edge)."""
        home = _default_home(env)
        cache = Path(env.get("XDG_CACHE_HOME", str(home / ".cache")))
        return cls(
            model_dir=Path(env.get("PIXELLIFT_MODEL_DIR", str(cache / "pixellift" / "models"))),
            state_dir=Path(env.get("PIXELLIFT_STATE_DIR", str(home / ".pixellift"))),
            segmentation_model=env.get("PIXELLIFT_SEGMENTATION_MODEL", "u2netp"),
            max_pixels=int(env.get("PIXELLIFT_MAX_PIXELS", str(DEFAULT_MAX_PIXELS))),
            threads=int(env.get("PIXELLIFT_THREADS", "0")),
        )
