"""Per-user cooldown and per-channel rate limit, so one member cannot starve the rest."""

from __future__ import annotations

import time
from collections import deque
from typing import Callable


class RateLimiter:
    def __init__(self, user_cooldown: float, channel_per_minute: int, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 50_000) -> None:
        self.user_cooldown = user_cooldown
        self.channel_per_minute = channel_per_minute
        self.clock = clock
        self.max_keys = max_keys
        self._users: dict[int, float] = {}
        self._channels: dict[int, deque[float]] = {}

    def user_wait(self, user_id: int) -> float:
        """Seconds this member must wait before asking again (0 if they may ask now)."""
        last = self._users.get(user_id)
        if last is None:
            return 0.0
        return max(0.0, self.user_cooldown - (self.clock() - last))

    def channel_wait(self, channel_id: int) -> float:
        window = self._channels.get(channel_id)
        now = self.clock()
        if not window:
            return 0.0
        while window and now - window[0] >= 60.0:
            window.popleft()
        if len(window) < self.channel_per_minute:
            return 0.0
        return 60.0 - (now - window[0])

    def hit(self, user_id: int, channel_id: int) -> None:
        """Record a question that is being answered."""
        now = self.clock()
        if len(self._users) >= self.max_keys:
            self._prune(now)
        self._users[user_id] = now
        self._channels.setdefault(channel_id, deque()).append(now)

    def _prune(self, now: float) -> None:
        self._users = {u: t for u, t in self._users.items() if now - t < self.user_cooldown}
        self._channels = {c: w for c, w in self._channels.items() if w and now - w[-1] < 60.0}
