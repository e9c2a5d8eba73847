"""Every domain error crosses a process boundary intact (worker processes send them back)."""

from __future__ import annotations

import inspect
import pickle

import pytest
from pixellift.core import errors
from pixellift.core.errors import CorruptImageError, PhotoPipelineError

CLASSES = sorted(
    (
        c
        for _, c in inspect.getmembers(errors, inspect.isclass)
        if issubclass(c, PhotoPipelineError)
    ),
    key=lambda c: c.__name__,
)


def test_an_error_with_its_own_constructor_keeps_message_and_attributes() -> None:
    # GIVEN an error whose constructor takes a file name and a cause
    error = CorruptImageError("a.jpg", "truncated")
    # WHEN it is pickled and read back
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    # THEN it is the same class, with the same message and attributes
    assert type(copy) is CorruptImageError
    assert str(copy) == "a.jpg: truncated"
    assert (copy.name, copy.cause) == ("a.jpg", "truncated")


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_class_round_trips(cls: type[PhotoPipelineError]) -> None:
    # GIVEN an instance made without its constructor (whatever its parameters)
    error = cls.__new__(cls)
    error.args = ("x: something went wrong",)
    # WHEN pickled / THEN it comes back as the same class and message
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(copy) is cls
    assert copy.args == error.args
