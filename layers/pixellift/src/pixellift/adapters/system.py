"""System adapters for the calendar clock and id ports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


class UtcClock:
    """``WallClock``: the operating system's time in UTC."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        return datetime.now(UTC)


class UuidIds:
    """``IdGenerator``: random UUID4s without dashes' ambiguity (hex with dashes)."""

    def new_id(self) -> str:
        """A fresh random id."""
        return str(uuid.uuid4())
