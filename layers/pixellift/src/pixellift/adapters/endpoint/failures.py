"""HTTP status of every failure a model server can meet, and the error body that names it.

Bad input gets a 4xx whose body names the photo and the cause; a server fault (a missing or
broken model, a bug) gets a 5xx. The ``type`` in the body is the error class name, which for
our own errors is the name in :mod:`pixellift.core.errors`, so a client can raise the same class.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Final

from pixellift.adapters.endpoint.codec import WireFormatError
from pixellift.core.contracts.endpoints import ItemError
from pixellift.core.errors import (
    CorruptImageError,
    DecompressionBombError,
    EmptyImageError,
    ImageDecodeError,
    InvalidModelError,
    ModelChecksumError,
    ModelNotFoundError,
    PermanentError,
    TransientError,
    UnsupportedImageFormatError,
)

# Model-file errors are permanent for the pipeline but are faults of the server, not the input.
_SERVER_FAULTS: Final = (ModelNotFoundError, ModelChecksumError, InvalidModelError)
_STATUS: Final[tuple[tuple[type[Exception], HTTPStatus], ...]] = (
    (EmptyImageError, HTTPStatus.BAD_REQUEST),
    (CorruptImageError, HTTPStatus.BAD_REQUEST),
    (UnsupportedImageFormatError, HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
    (DecompressionBombError, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (WireFormatError, HTTPStatus.BAD_REQUEST),
)


class RequestError(Exception):
    """A request the server answers with an error status.

    Parameters
    ----------
    status
        HTTP status.
    type_
        Error class name reported in the body.
    message
        The cause, for a person.
    """

    def __init__(self, status: int, type_: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message

    def to_wire(self) -> ItemError:
        """The error body."""
        return ItemError(status=self.status, type=self.type, message=self.message)


def failure(exc: Exception, where: str) -> ItemError:
    """Classify an exception met while reading or processing one photo.

    Parameters
    ----------
    exc
        What was raised.
    where
        The photo, named for the message (``"image 2 ('front')"``).

    Examples
    --------
    >>> failure(EmptyImageError("body", "0 bytes"), "image 0").status
    400
    >>> failure(RuntimeError("boom"), "image 0").model_dump()
    {'status': 500, 'type': 'RuntimeError', 'message': 'image 0: internal error'}
    """
    if isinstance(exc, RequestError):
        return ItemError(status=exc.status, type=exc.type, message=f"{where}: {exc.message}")
    name = type(exc).__name__
    cause = exc.cause if isinstance(exc, ImageDecodeError) else str(exc)
    if isinstance(exc, _SERVER_FAULTS):
        return ItemError(status=500, type=name, message=f"{where}: {exc}")
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return ItemError(status=int(status), type=name, message=f"{where}: {cause}")
    if isinstance(exc, TransientError):
        return ItemError(status=503, type=name, message=f"{where}: {exc}")
    if isinstance(exc, PermanentError):
        return ItemError(status=422, type=name, message=f"{where}: {exc}")
    return ItemError(status=500, type=name, message=f"{where}: internal error")
