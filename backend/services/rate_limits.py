"""Requests counted per key over a sliding window; past the limit the caller is told how long to
wait (429 with Retry-After).

The counts live in this process's memory, like the sign-in limits (login_limits.py): several API
processes each count on their own and a restart forgets them. That bounds what one client can
make one process do, which is what these limits are for.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Hashable


class RequestRateLimiter:
    def __init__(self, *, window_seconds: float) -> None:
        self.window_seconds = window_seconds
        self._requests: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: Hashable, max_requests: int, now: float | None = None) -> int:
        """Count one request of `key` and return 0, or, past `max_requests` in the window, count
        nothing and return the seconds until the oldest counted request leaves it."""
        now = time.monotonic() if now is None else now
        with self._lock:
            requests = self._requests.setdefault(key, deque())
            while requests and requests[0] <= now - self.window_seconds:
                requests.popleft()
            if len(requests) >= max_requests:
                return max(1, math.ceil(requests[0] + self.window_seconds - now))
            requests.append(now)
            if len(self._requests) > 10_000:
                # Keys whose requests all left the window: keep the table as small as the traffic.
                horizon = now - self.window_seconds
                for stale in [k for k, v in self._requests.items() if not v or v[-1] <= horizon]:
                    del self._requests[stale]
            return 0

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
