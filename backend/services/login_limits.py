"""Failed sign-ins counted per (username, IP address); too many in the window answer 429.

The counts live in this process's memory: with several API processes each counts on its own,
and a restart forgets them. That bounds guessing per process, which is what this is for.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque


class LoginRateLimiter:
    def __init__(self, *, max_failures: int, window_seconds: float) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        return failures

    def retry_after_seconds(self, username: str, ip: str, now: float | None = None) -> int:
        """0 when a sign-in may be tried, else the seconds until the oldest failure expires."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._recent((username.lower(), ip), now)
            if len(failures) < self.max_failures:
                return 0
            return max(1, math.ceil(failures[0] + self.window_seconds - now))

    def record_failure(self, username: str, ip: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._recent((username.lower(), ip), now).append(now)

    def clear(self, username: str | None = None, ip: str | None = None) -> None:
        """Forget failures: of one (username, ip) after a success, or all (tests, restart)."""
        with self._lock:
            if username is None or ip is None:
                self._failures.clear()
            else:
                self._failures.pop((username.lower(), ip), None)
