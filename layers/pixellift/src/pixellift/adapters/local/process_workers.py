"""Lambda execution environments as separate processes, for the compute-heavy functions.

In-process handlers share one interpreter, so two photos processed at once contend for its lock
in the pure-Python parts of the pipeline. On AWS each concurrent invocation has its own
environment; locally, a pool of worker processes gives the ``process`` function the same: each
worker imports the handler once (a cold start, model included) and talks to the runtime's AWS
APIs over HTTP (:meth:`~pixellift.adapters.local.runtime.LocalRuntime.serve_aws`), exactly as a
Lambda talks to AWS. A handler's exception comes back as itself, so the caller reports it as
Lambda does (``errorType`` = the class name) and ``Retry``/``Catch`` see the same names.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from pixellift.adapters.local.lambda_invoker import Handler, LocalLambdaContext, load_module
from pixellift.adapters.settings import Settings

_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",  # noqa: S105 - the local endpoint checks no signature
}

_handler: Handler | None = None


def _start_worker(
    handler_path: str, name: str, settings: Settings, environment: dict[str, str], log: str
) -> None:
    """Pool initializer: Lambda's environment, logs to the runtime's log, the handler loaded."""
    global _handler  # noqa: PLW0603 - one handler per worker process, like a Lambda container
    os.environ.update(environment)
    sys.stdout = Path(log).open("a", encoding="utf-8", buffering=1)  # noqa: SIM115
    from pixellift.adapters.bootstrap import build_pipeline_deps  # noqa: PLC0415 - in the worker

    module = load_module(Path(handler_path), f"pixellift_worker_{name}")
    _handler = partial(module.handler, deps=build_pipeline_deps(settings))


def _invoke(event: Any, function_name: str, function_arn: str) -> Any:
    if _handler is None:  # pragma: no cover - the initializer always runs first
        msg = "worker started without a handler"
        raise RuntimeError(msg)
    return _handler(event, LocalLambdaContext(function_name, function_arn))


class WorkerPool:
    """``workers`` processes running one function's handler.

    Parameters
    ----------
    handler_path
        The function's ``handler.py``.
    name
        The function's name (module names, logs).
    settings
        The runtime's settings; the workers get ``endpoint_url`` pointed at ``aws_url``.
    aws_url
        The runtime's AWS endpoint.
    workers
        Processes in the pool (the most invocations that run at once).
    log_path
        Where the workers' handler logs go (the runtime's Lambda log).
    """

    def __init__(
        self,
        handler_path: Path,
        name: str,
        settings: Settings,
        *,
        aws_url: str,
        workers: int,
        log_path: Path,
    ) -> None:
        environment = {k: v for k, v in os.environ.items() if k.startswith(("POWERTOOLS_",))}
        environment |= {k: os.environ.get(k, v) for k, v in _FAKE_CREDENTIALS.items()}
        environment["AWS_ENDPOINT_URL"] = aws_url
        self._name = name
        self.invocations = 0
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(
                str(handler_path),
                name,
                replace(settings, endpoint_url=aws_url),
                environment,
                str(log_path),
            ),
        )

    def handler(self, event: Any, context: LocalLambdaContext) -> Any:
        """Run one invocation in a worker; its exception is raised again here."""
        self.invocations += 1
        future = self._pool.submit(
            _invoke, event, context.function_name, context.invoked_function_arn
        )
        return future.result()

    def peak_rss_mb(self) -> list[float]:
        """Each live worker's peak resident memory in MB (Linux ``/proc``; empty elsewhere)."""
        peaks = []
        for pid in list(self._pool._processes or {}):  # noqa: SLF001 - the pool's own processes
            status = Path(f"/proc/{pid}/status")
            try:
                lines = status.read_text().splitlines()
            except OSError:
                continue
            peaks += [int(x.split()[1]) / 1024 for x in lines if x.startswith("VmHWM:")]
        return peaks

    def close(self) -> None:
        """Stop the workers (after the invocations in flight)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
