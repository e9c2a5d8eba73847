"""Timeouts, retries and a circuit breaker between a model client and its endpoint.

Transports (HTTP, SageMaker) classify what went wrong into three exceptions: throttled (retry
with backoff), fault (the endpoint is down or broken) and rejected (the request is bad).
:class:`ResilientInvoker` retries throttling with exponential backoff and full jitter, and feeds
every outcome to a :class:`CircuitBreaker`: after ``failure_threshold`` consecutive faults the
breaker opens and every call fails at once with ``ModelEndpointUnavailableError`` (a transient
error, which the state machine retries later) instead of each photo waiting for a timeout. After
``reset_timeout_s`` one trial call is let through; its success closes the breaker again.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from pixellift.core import errors as core_errors
from pixellift.core.errors import (
    ImageDecodeError,
    ModelEndpointRequestError,
    ModelEndpointUnavailableError,
    PermanentError,
)
from pixellift.core.ports import Clock

BreakerState = Literal["closed", "open", "half_open"]


@dataclass(frozen=True)
class Reply:
    """A successful answer: its media type and body."""

    content_type: str
    body: bytes


class EndpointCallError(Exception):
    """Base of the transports' classified failures (never leaves the adapters)."""


class EndpointThrottledError(EndpointCallError):
    """The endpoint asked us to slow down (HTTP 429/503, ``ThrottlingException``)."""


class EndpointFaultError(EndpointCallError):
    """The endpoint could not be reached, timed out, or failed on its side (5xx)."""


class EndpointRejectedError(EndpointCallError):
    """The endpoint refused the request as bad input (4xx).

    Parameters
    ----------
    status
        HTTP status.
    error_type
        Error class name from the endpoint's error body.
    message
        The endpoint's reason.
    """

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(f"{status} {error_type}: {message}")
        self.status = status
        self.error_type = error_type
        self.message = message


class Transport(Protocol):
    """Sends one ``/invocations`` request to an endpoint."""

    @property
    def target(self) -> str:
        """The endpoint, for messages (a URL or an endpoint name)."""
        ...

    def invoke(self, body: bytes, content_type: str, accept: str) -> Reply:
        """Send the body; raise one of the :class:`EndpointCallError` classes on failure."""
        ...


def _permanent_classes() -> dict[str, type[PermanentError]]:
    found: dict[str, type[PermanentError]] = {}
    for value in vars(core_errors).values():
        if isinstance(value, type) and issubclass(value, PermanentError):
            found[value.__name__] = value
    return found


_PERMANENT: Final = _permanent_classes()


def rejected_error(exc: EndpointRejectedError, what: str) -> PermanentError:
    """The core error for a request the endpoint rejected.

    The endpoint names its error class; where that is one of ours the same class is raised
    here, so a corrupt photo is a ``CorruptImageError`` whether it was found locally or remotely.
    """
    kind = _PERMANENT.get(exc.error_type, ModelEndpointRequestError)
    message = f"{what} rejected the request ({exc.status} {exc.error_type}): {exc.message}"
    if issubclass(kind, ImageDecodeError):
        return kind(what, message)
    return kind(message)


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for throttled calls: attempt ``k`` waits up to ``base * 2**k``, capped."""

    max_attempts: int = 4
    base_delay_s: float = 0.1
    max_delay_s: float = 5.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter delay before retry number ``attempt`` (0 for the first retry)."""
        return rng.uniform(0.0, min(self.max_delay_s, self.base_delay_s * 2**attempt))


class CircuitBreaker:
    """Fails calls fast while an endpoint is down.

    Parameters
    ----------
    name
        The endpoint, for messages.
    clock
        Monotonic time source (a fake in tests).
    failure_threshold
        Consecutive faults that open the breaker.
    reset_timeout_s
        Time the breaker stays open before a trial call is allowed.
    """

    def __init__(
        self,
        name: str,
        *,
        clock: Clock,
        failure_threshold: int = 5,
        reset_timeout_s: float = 30.0,
    ) -> None:
        if failure_threshold < 1 or reset_timeout_s <= 0:
            raise ValueError("failure_threshold must be >= 1 and reset_timeout_s > 0")
        self.name = name
        self._clock = clock
        self._threshold = failure_threshold
        self._reset_s = reset_timeout_s
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False
        self._lock = threading.Lock()

    @property
    def state(self) -> BreakerState:
        """``closed`` (calls go through), ``open`` (they fail fast) or ``half_open``."""
        with self._lock:
            return self._state()

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._clock.monotonic() - self._opened_at >= self._reset_s:
            return "half_open"
        return "open"

    def before_call(self) -> None:
        """Let a call through, or fail it at once.

        Raises
        ------
        ModelEndpointUnavailableError
            The breaker is open, or half-open with its trial call already running.
        """
        with self._lock:
            state = self._state()
            if state == "closed":
                return
            if state == "half_open" and not self._trial_running:
                self._trial_running = True
                return
            opened = self._opened_at if self._opened_at is not None else self._clock.monotonic()
            wait = max(0.0, self._reset_s - (self._clock.monotonic() - opened))
        raise ModelEndpointUnavailableError(
            f"model endpoint {self.name} is failing fast after {self._failures} consecutive "
            f"failures (circuit open; next trial in {wait:.1f} s)"
        )

    def record_success(self) -> None:
        """A call succeeded (or was answered, even with a 4xx): close the breaker."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def release(self) -> None:
        """A call ended without saying anything about the endpoint: free the trial slot."""
        with self._lock:
            self._trial_running = False

    def record_failure(self) -> None:
        """A call failed on the endpoint's side: count it, and open or re-open the breaker."""
        with self._lock:
            self._failures += 1
            if self._trial_running or self._failures >= self._threshold:
                self._opened_at = self._clock.monotonic()
            self._trial_running = False


class ResilientInvoker:
    """Calls a transport through a circuit breaker, retrying throttled calls.

    Parameters
    ----------
    transport
        HTTP or SageMaker.
    breaker
        Shared by every client of the same endpoint.
    retry
        Backoff for throttling.
    sleep
        Waits between retries (``time.sleep``; a recorder in tests).
    rng
        Jitter source.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        breaker: CircuitBreaker,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.transport = transport
        self.breaker = breaker
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security

    def invoke(self, body: bytes, content_type: str, accept: str) -> Reply:
        """Send one request.

        Raises
        ------
        ModelEndpointUnavailableError
            The breaker is open, the endpoint failed, or it kept throttling.
        PermanentError
            The endpoint rejected the request (the subclass it named, when it is ours).
        """
        target = self.transport.target
        self.breaker.before_call()
        attempt = 0
        while True:
            try:
                reply = self.transport.invoke(body, content_type, accept)
            except EndpointThrottledError as exc:
                attempt += 1
                if attempt < self._retry.max_attempts:
                    self._sleep(self._retry.delay(attempt - 1, self._rng))
                    continue
                self.breaker.record_failure()
                raise ModelEndpointUnavailableError(
                    f"model endpoint {target} still throttling after {attempt} attempts: {exc}"
                ) from exc
            except EndpointFaultError as exc:
                self.breaker.record_failure()
                raise ModelEndpointUnavailableError(f"model endpoint {target}: {exc}") from exc
            except EndpointRejectedError as exc:
                self.breaker.record_success()
                raise rejected_error(exc, f"model endpoint {target}") from exc
            except BaseException:
                self.breaker.release()
                raise
            self.breaker.record_success()
            return reply
