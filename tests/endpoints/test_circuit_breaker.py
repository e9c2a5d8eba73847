from __future__ import annotations

import random

import pytest
from pixellift.adapters.endpoint.resilience import (
    CircuitBreaker,
    EndpointFaultError,
    EndpointRejectedError,
    EndpointThrottledError,
    Reply,
    ResilientInvoker,
    RetryPolicy,
)
from pixellift.core.errors import (
    CorruptImageError,
    ModelEndpointRequestError,
    ModelEndpointUnavailableError,
    PermanentError,
    SubjectNotFoundError,
)

from tests.endpoints.conftest import FakeClock

OK = Reply("application/json", b"{}")


class ScriptedTransport:
    """Plays back outcomes (a Reply or an exception to raise) and counts calls."""

    target = "fake://endpoint"

    def __init__(self, *outcomes: Reply | Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def invoke(self, body: bytes, content_type: str, accept: str) -> Reply:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def _invoker(transport: ScriptedTransport, clock: FakeClock, sleeps: list[float] | None = None):
    breaker = CircuitBreaker("fake", clock=clock, failure_threshold=3, reset_timeout_s=30.0)
    return ResilientInvoker(
        transport,
        breaker=breaker,
        retry=RetryPolicy(max_attempts=3, base_delay_s=0.5, max_delay_s=1.0),
        sleep=(sleeps if sleeps is not None else []).append,
        rng=random.Random(3),
    )


def _fail(invoker: ResilientInvoker, times: int) -> None:
    for _ in range(times):
        with pytest.raises(ModelEndpointUnavailableError):
            invoker.invoke(b"", "image/png", "image/png")


def test_breaker_opens_after_consecutive_faults_and_fails_fast():
    # GIVEN an endpoint that is down, and a breaker that opens after 3 faults
    clock = FakeClock()
    transport = ScriptedTransport(*[EndpointFaultError("connection refused")] * 3)
    invoker = _invoker(transport, clock)
    _fail(invoker, 3)

    # WHEN a fourth photo is sent
    with pytest.raises(ModelEndpointUnavailableError, match="failing fast after 3 consecutive"):
        invoker.invoke(b"", "image/png", "image/png")

    # THEN the transport was not called again and the breaker is open
    assert transport.calls == 3
    assert invoker.breaker.state == "open"


def test_breaker_lets_one_trial_through_after_the_reset_timeout_and_closes_on_success():
    # GIVEN an open breaker whose endpoint has recovered
    clock = FakeClock()
    transport = ScriptedTransport(*[EndpointFaultError("down")] * 3, OK, OK)
    invoker = _invoker(transport, clock)
    _fail(invoker, 3)

    # WHEN the reset timeout passes and two calls follow
    clock.advance(30.0)
    state_before = invoker.breaker.state
    replies = [invoker.invoke(b"", "image/png", "image/png") for _ in range(2)]

    # THEN the trial succeeded, the breaker closed and the next call went through
    assert state_before == "half_open"
    assert replies == [OK, OK]
    assert invoker.breaker.state == "closed"
    assert transport.calls == 5


def test_breaker_reopens_when_the_trial_call_fails():
    # GIVEN an open breaker whose endpoint is still down
    clock = FakeClock()
    transport = ScriptedTransport(*[EndpointFaultError("down")] * 4)
    invoker = _invoker(transport, clock)
    _fail(invoker, 3)
    clock.advance(31.0)

    # WHEN the trial call fails
    _fail(invoker, 1)

    # THEN the breaker is open again for a full timeout, without further calls
    assert invoker.breaker.state == "open"
    clock.advance(29.0)
    _fail(invoker, 1)
    assert transport.calls == 4


def test_breaker_half_open_allows_only_one_trial_at_a_time():
    # GIVEN a half-open breaker with a trial call in flight
    clock = FakeClock()
    breaker = CircuitBreaker("fake", clock=clock, failure_threshold=1, reset_timeout_s=5.0)
    breaker.record_failure()
    clock.advance(5.0)
    breaker.before_call()

    # WHEN a second call arrives before the trial ends
    # THEN it fails fast
    with pytest.raises(ModelEndpointUnavailableError, match="circuit open"):
        breaker.before_call()


def test_rejections_do_not_count_as_faults_and_raise_the_named_core_error():
    # GIVEN an endpoint that rejects three photos as corrupt, then faults twice
    clock = FakeClock()
    rejected = EndpointRejectedError(400, "CorruptImageError", "image 0: truncated")
    transport = ScriptedTransport(rejected, rejected, rejected, *[EndpointFaultError("x")] * 2)
    invoker = _invoker(transport, clock)

    # WHEN the three rejected photos are sent
    for _ in range(3):
        with pytest.raises(CorruptImageError, match="rejected the request .*truncated"):
            invoker.invoke(b"", "image/png", "image/png")
    _fail(invoker, 2)

    # THEN the breaker counted only the two faults and is still closed
    assert invoker.breaker.state == "closed"


@pytest.mark.parametrize(
    ("error_type", "expected"),
    [
        ("SubjectNotFoundError", SubjectNotFoundError),
        ("SomethingElse", ModelEndpointRequestError),
    ],
)
def test_rejections_map_to_core_classes_by_name(error_type, expected):
    # GIVEN an endpoint that rejects with a given error class name
    transport = ScriptedTransport(EndpointRejectedError(422, error_type, "no product"))
    invoker = _invoker(transport, FakeClock())

    # WHEN a photo is sent
    with pytest.raises(PermanentError) as caught:
        invoker.invoke(b"", "image/png", "image/png")

    # THEN the exception class is the core's class of that name, or ModelEndpointRequestError
    assert type(caught.value) is expected


def test_throttling_is_retried_with_capped_jittered_backoff_then_succeeds():
    # GIVEN an endpoint that throttles twice before answering
    sleeps: list[float] = []
    transport = ScriptedTransport(EndpointThrottledError("429"), EndpointThrottledError("429"), OK)
    invoker = _invoker(transport, FakeClock(), sleeps)

    # WHEN a photo is sent
    reply = invoker.invoke(b"", "image/png", "image/png")

    # THEN it succeeded on the third attempt after two waits under 0.5 s and 1.0 s
    assert reply == OK
    assert transport.calls == 3
    assert len(sleeps) == 2
    assert 0.0 <= sleeps[0] <= 0.5 and 0.0 <= sleeps[1] <= 1.0


def test_throttling_that_outlasts_the_retries_counts_as_a_fault():
    # GIVEN an endpoint that always throttles
    clock = FakeClock()
    transport = ScriptedTransport(*[EndpointThrottledError("429")] * 9)
    invoker = _invoker(transport, clock)

    # WHEN three photos give up after their retries
    _fail(invoker, 3)

    # THEN each made three attempts, and the breaker opened
    assert transport.calls == 9
    assert invoker.breaker.state == "open"


def test_breaker_rejects_a_nonsensical_configuration():
    # GIVEN / WHEN / THEN a zero threshold is refused
    with pytest.raises(ValueError, match="failure_threshold must be >= 1"):
        CircuitBreaker("x", clock=FakeClock(), failure_threshold=0)
