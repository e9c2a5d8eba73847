"""Plain-text tables and the machine description for benchmark reports."""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any


def _cell(value: object) -> str:
    if isinstance(value, float):
        if math.isnan(value):  # nothing measured
            return "-"
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned text table; floats get four decimals below 10 and one above.

    Examples
    --------
    >>> print(table(["a", "b"], [["x", 0.5], ["yy", 12.25]]))
    a   b
    --  ------
    x   0.5000
    yy  12.2
    """
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return float("nan")


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], capture_output=True, text=True, check=False, cwd=Path(__file__).parent
        )
    except OSError:
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def source_state() -> dict[str, object]:
    """The commit measured, and how many paths differed from it (edited or not yet committed)."""
    status = _git("status", "--porcelain")
    changed = 0 if status in {"", "unknown"} else len(status.splitlines())
    return {"commit": _git("rev-parse", "--short", "HEAD"), "uncommitted_paths": changed}


def machine() -> dict[str, object]:
    """CPU, cores, memory and library versions of the machine running the bench."""
    versions = {}
    for package in ("numpy", "opencv-python-headless", "pillow", "onnxruntime", "pymatting"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(_memory_gib(), 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "source": source_state(),
    }


def emit(result: dict[str, Any], show: Callable[[dict[str, Any]], None], out: Path | None) -> int:
    """Print a suite's summary and, when ``out`` is given, write its result there as JSON."""
    show(result)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1) + "\n")
    return 0
