"""Rate limits: a sliding window per target, so a burst waits instead of being refused by the channel."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most ``per_minute`` requests in any 60 s and ``per_second`` in any 1 s (sleeping until allowed)."""

    def __init__(self, per_minute: int, per_second: int | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.windows = [(60.0, per_minute), *([(1.0, per_second)] if per_second else [])]
        self.clock, self.sleep = clock, sleep
        self.sent: deque[float] = deque()

    def acquire(self) -> None:
        """Wait for a free slot, then take it."""
        while True:
            now = self.clock()
            while self.sent and now - self.sent[0] >= 60.0:
                self.sent.popleft()
            wait = 0.0
            for span, limit in self.windows:
                recent = [t for t in self.sent if now - t < span]
                if len(recent) >= limit:
                    wait = max(wait, recent[-limit] + span - now)
            if wait <= 0:
                self.sent.append(now)
                return
            self.sleep(wait)
