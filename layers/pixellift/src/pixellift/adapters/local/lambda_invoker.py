"""Run Lambda handlers in-process for moto's Lambda service (which would need Docker).

moto keeps its Lambda API (create, invoke, the Step Functions ``lambda:invoke`` integration) and
only its code runner is replaced: an invoke calls the registered Python handler with the event
and a Lambda-like context. A raised exception becomes the payload the Lambda runtime reports
(``errorType`` = the class name), so ``Retry`` and ``Catch`` match the same names as on AWS.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from moto.awslambda.models import LambdaFunction

Handler = Callable[[Any, Any], Any]
"""``handler(event, context)`` as Lambda calls it."""

_REMAINING_MS = 900_000


@dataclass(frozen=True)
class LocalLambdaContext:
    """The parts of the Lambda context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 3008
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        """Time left before the timeout; the local runtime does not enforce one."""
        return _REMAINING_MS


def load_module(path: Path, name: str) -> ModuleType:
    """Import a handler file (functions live outside the package) under a unique module name."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        msg = f"{path}: not an importable Python file"
        raise ImportError(msg)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def error_payload(exc: BaseException) -> dict[str, Any]:
    """What the Lambda Python runtime returns for an unhandled exception."""
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


class HandlerRegistry:
    """Function name → handler factory, consulted by every in-process invoke.

    Like Lambda, each concurrent invocation gets its own execution environment: a handler made
    by the factory (a fresh copy of the handler module, with its own Powertools objects), which
    is kept warm and reused by later invocations.
    """

    def __init__(self) -> None:
        self._factories: dict[str, Callable[[], Handler]] = {}
        self._warm: dict[str, list[Handler]] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = 0
        self.cold_starts: dict[str, int] = {}

    def register(self, function_name: str, factory: Callable[[], Handler]) -> None:
        """Route invokes of ``function_name`` to handlers made by ``factory``."""
        with self._lock:
            self._factories[function_name] = factory
            self._warm[function_name] = []

    def _acquire(self, name: str) -> Handler | None:
        with self._lock:
            if name not in self._factories:
                return None
            self._busy += 1
            if self._warm[name]:
                return self._warm[name].pop()
            self.cold_starts[name] = self.cold_starts.get(name, 0) + 1
            factory = self._factories[name]
        try:
            return factory()
        except BaseException:
            self._release(name, None)
            raise

    def _release(self, name: str, handler: Handler | None) -> None:
        with self._lock:
            if handler is not None:
                self._warm[name].append(handler)
            self._busy -= 1
            self._idle.notify_all()

    def drain(self, timeout: float) -> bool:
        """Wait until no invocation is running; ``False`` if some still were after ``timeout``."""
        with self._lock:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def invoke(self, function: LambdaFunction, event: Any) -> tuple[str, bool, str]:
        """Run a handler; return (payload JSON, errored, log text) as moto expects."""
        name = function.function_name
        handler = self._acquire(name)
        if handler is None:
            payload = {
                "errorType": "Lambda.ResourceNotFoundException",
                "errorMessage": f"no in-process handler for {name}",
            }
            return json.dumps(payload), True, ""
        if isinstance(event, str | bytes):
            event = json.loads(event or "{}")
        context = LocalLambdaContext(name, function.function_arn)
        try:
            result = handler(event, context)
        except Exception as exc:  # noqa: BLE001 - reported to the caller as Lambda does
            return json.dumps(error_payload(exc)), True, ""
        finally:
            self._release(name, handler)
        return json.dumps(result), False, ""


@contextmanager
def in_process_lambda(registry: HandlerRegistry) -> Iterator[None]:
    """Replace moto's Docker-based Lambda runner with ``registry`` while the block runs."""
    original = LambdaFunction._invoke_lambda  # noqa: SLF001 - the documented seam

    def invoke(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        return registry.invoke(self, event)

    LambdaFunction._invoke_lambda = invoke  # type: ignore[method-assign]  # noqa: SLF001
    try:
        yield
    finally:
        LambdaFunction._invoke_lambda = original  # type: ignore[method-assign]  # noqa: SLF001
