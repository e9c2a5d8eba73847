"""Translate AWS SDK errors into the pipeline's error taxonomy.

The core never sees botocore: throttling, server faults and lost connections become
``TransientError`` (retried by the state machine), everything else ``PermanentError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError
from pynamodb.exceptions import PynamoDBException

from pixellift.core.errors import (
    StoreRequestError,
    StoreUnavailableError,
)

TRANSIENT_CODES: Final = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "SlowDown",
        "InternalServerError",
        "InternalError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "TransactionConflictException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
"""Error codes AWS documents as safe to retry with backoff."""


def error_code(exc: BaseException) -> str | None:
    """The AWS error code carried by a botocore or pynamodb exception, if any."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "")) or None
    if isinstance(exc, PynamoDBException):
        return exc.cause_response_code
    return None


def is_transient(exc: BaseException) -> bool:
    """Whether a retry with backoff may succeed."""
    if isinstance(exc, ConnectionError):
        return True
    if isinstance(exc, PynamoDBException) and isinstance(exc.cause, ConnectionError):
        return True
    code = error_code(exc)
    if code in TRANSIENT_CODES:
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return int(status) >= 500  # noqa: PLR2004 - HTTP server errors
    return False


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Re-raise SDK errors inside the block as pipeline errors that name ``what``."""
    try:
        yield
    except (ClientError, BotoCoreError, PynamoDBException) as exc:
        kind = StoreUnavailableError if is_transient(exc) else StoreRequestError
        code = error_code(exc) or type(exc).__name__
        raise kind(f"{what}: {code}: {exc}") from exc
