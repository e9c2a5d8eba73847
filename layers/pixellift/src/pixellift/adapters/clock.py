"""System clock adapter for the Clock port."""

from __future__ import annotations

import time


class SystemClock:
    """Monotonic wall time from the operating system."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin."""
        return time.perf_counter()
