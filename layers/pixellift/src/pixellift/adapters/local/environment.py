"""The process-wide environment that in-process Lambda handlers run in.

Handlers read Powertools settings from environment variables at import, and write their logs and
metrics (EMF) to stdout. Locally, stdout during a run goes to a log file under the state folder
(CloudWatch's stand-in), so the terminal shows only the CLI's own progress and summary.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import os
import resource
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import IO, Final

_LAMBDA_ENV: Final = {
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "POWERTOOLS_METRICS_NAMESPACE": "PixelLift",
    # Objects above 256 KB (photos, outputs) spill from memory to temporary files, so the
    # runtime's memory does not grow with the size or number of photos in a batch.
    "MOTO_S3_DEFAULT_KEY_BUFFER_SIZE": str(256 * 1024),
}
_OPEN_FILES: Final = 65536
"""Each spilled object holds a file open: allow enough for a few thousand photos."""
_M_ARENA_MAX: Final = -8
"""glibc's ``mallopt`` parameter for the number of malloc arenas."""
_ARENAS: Final = 2


def limit_malloc_arenas(arenas: int = _ARENAS) -> bool:
    """Cap glibc's malloc arenas, so concurrent tasks reuse freed memory instead of fragmenting it.

    Each thread that allocates gets an arena of its own by default (up to 8 per core), and the
    large per-photo buffers freed in one arena are not reused by the next photo's thread, so a
    long batch's resident memory grows with the number of photos. Two arenas keep it flat (see
    the orchestration bench). Returns whether the C library took the setting (not glibc: no).
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(_M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


class _Sink(io.TextIOBase):
    """Where Lambda logs and metrics go locally (CloudWatch's stand-in): a file, or nowhere."""

    target: IO[str] | None = None

    def write(self, text: str) -> int:
        if self.target is not None:
            self.target.write(text)
        return len(text)

    def flush(self) -> None:
        if self.target is not None:
            self.target.flush()


_SINK = _Sink()


@contextmanager
def lambda_environment(log_path: Path) -> Iterator[None]:
    """Lambda's environment for handlers in this process; their stdout goes to ``log_path``.

    Also sets moto's object buffer size and raises the open-files limit (see ``_OPEN_FILES``).
    """
    added = {k: v for k, v in _LAMBDA_ENV.items() if k not in os.environ}
    os.environ.update(added)
    limit_malloc_arenas()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = _OPEN_FILES if hard == resource.RLIM_INFINITY else min(_OPEN_FILES, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log, redirect_stdout(_SINK):
        _SINK.target = log
        try:
            yield
        finally:
            _SINK.target = None
            for key in added:
                os.environ.pop(key, None)
