"""The API's packages, vendored into its Chalice project from the synthesizing environment.

``chalice package`` installs ``requirements.txt`` by downloading wheels, which an offline
synthesis cannot do, and the ``pixellift`` package is not on PyPI at all. Chalice also copies a
project's ``vendor/`` folder into the deployment package as it is, so the construct stages a copy
of the project whose ``vendor/`` holds the installed files of the distributions the API imports:
``pixellift`` itself (its own files only: the API never imports OpenCV or onnxruntime) and the
requirement closure of the rest. The AWS SDK is left out: the Lambda Python runtime provides it.

Compiled wheels (numpy, pydantic-core) are only valid on Lambda's platform, so vendoring refuses
to run anywhere but Linux on x86-64; the CPython version is the Lambda runtime's by construction
(Chalice picks the runtime from the interpreter that synthesizes).
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Final

from packaging.requirements import Requirement

VENDOR_LIST: Final = "vendor.txt"
"""A project's list of distributions to vendor, one per line (``#`` starts a comment)."""

OWN_FILES_ONLY: Final = frozenset({"pixellift"})
"""Distributions copied without their requirements (the API uses a light part of them)."""

PROVIDED: Final = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six", "chalice"}
)
"""In the Lambda Python runtime already (Chalice adds its own runtime module)."""

LAMBDA_UNZIPPED_LIMIT: Final = 262_144_000
"""Function code plus layers, unzipped (250 MB)."""


def _key(name: str) -> str:
    return name.lower().replace("_", "-")


def closure(roots: Iterable[str]) -> dict[str, metadata.Distribution]:
    """The installed distributions ``roots`` need, by normalised name.

    Raises
    ------
    ValueError
        A root or one of its requirements is not installed.
    """
    found: dict[str, metadata.Distribution] = {}
    todo = [(_key(r), None) for r in roots]
    while todo:
        name, needed_by = todo.pop()
        if name in found or name in PROVIDED:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError as exc:
            via = f" (required by {needed_by})" if needed_by else ""
            raise ValueError(f"the API needs {name}{via}, which is not installed") from exc
        found[name] = dist
        if name in OWN_FILES_ONLY:
            continue
        for raw in dist.requires or ():
            requirement = Requirement(raw)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append((_key(requirement.name), name))
    return found


def _files(dist: metadata.Distribution) -> Iterator[tuple[Path, Path]]:
    """(installed path, path inside vendor/) of each importable file of ``dist``."""
    for file in dist.files or ():
        parts = file.parts
        if not parts or parts[0] == ".." or "__pycache__" in parts or file.suffix == ".pyc":
            continue
        if parts[0].endswith((".dist-info", ".egg-info")) or file.suffix == ".pth":
            continue
        source = Path(str(file.locate()))
        if source.is_file():
            yield source, Path(*parts)
    # An editable install records a path hook instead: copy the package from its source tree.
    if _editable(dist):
        package = _key(dist.metadata["Name"]).replace("-", "_")
        module = __import__(package)
        root = Path(module.__file__ or "").parent
        for source in sorted(root.rglob("*")):
            if source.is_file() and "__pycache__" not in source.parts and source.suffix != ".pyc":
                yield source, Path(package) / source.relative_to(root)


def _editable(dist: metadata.Distribution) -> bool:
    raw = dist.read_text("direct_url.json")
    return bool(raw) and bool(json.loads(raw or "{}").get("dir_info", {}).get("editable"))


def check_platform() -> None:
    """Refuse to vendor compiled packages anywhere but Lambda's platform.

    Raises
    ------
    ValueError
        Not Linux on x86-64.
    """
    if sys.platform != "linux" or platform.machine() != "x86_64":
        raise ValueError(
            f"the API vendors compiled wheels from this environment ({sys.platform}/"
            f"{platform.machine()}); synthesize on Linux x86-64, as Lambda runs"
        )


def vendor_roots(source_dir: Path) -> tuple[str, ...]:
    """The distributions ``source_dir/vendor.txt`` lists (none when there is no list)."""
    path = source_dir / VENDOR_LIST
    if not path.is_file():
        return ()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return tuple(line for line in lines if line)


def stage_project(source_dir: Path, target: Path, roots: Iterable[str]) -> int:
    """Copy the Chalice project to ``target`` with ``vendor/`` filled; return the vendored bytes.

    Raises
    ------
    ValueError
        The platform is not Lambda's, a distribution is missing, or the package would exceed
        Lambda's unzipped size limit.
    """
    check_platform()
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source_dir, target, ignore=shutil.ignore_patterns("vendor", "__pycache__"))
    vendor = target / "vendor"
    total = 0
    for dist in closure(roots).values():
        for source, relative in _files(dist):
            destination = vendor / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
            total += destination.stat().st_size
    if total > LAMBDA_UNZIPPED_LIMIT:
        raise ValueError(
            f"the API's packages take {total / 2**20:.0f} MiB unzipped, over Lambda's 250 MB"
        )
    return total
