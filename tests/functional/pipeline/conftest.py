"""Fixtures for the pipeline use cases on in-memory fakes."""

from __future__ import annotations

import pytest

from tests.fakes.pipeline import Fakes


@pytest.fixture
def fakes() -> Fakes:
    """Fresh in-memory ports; workspace ``acme`` exists."""
    return Fakes()
