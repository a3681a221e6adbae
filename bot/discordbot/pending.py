"""Actions waiting for a moderator's Confirm: an article to add or to remove, in memory, for a while.

The moderator's id is kept here only to check that the person who presses Confirm is the person
who asked; it is never written anywhere, and it goes when the action is done or expires.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

EXPIRES_SECONDS = 10 * 60  # within the 15 minutes an interaction's token lives
MAX_PENDING = 200


@dataclass(frozen=True)
class Pending:
    kind: str  # "add" or "rm"
    owner: int
    payload: object  # a Draft, or an article's path
    expires: float


class PendingActions:
    def __init__(self, ttl: float = EXPIRES_SECONDS, clock=time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._items: dict[str, Pending] = {}
        self._lock = threading.Lock()

    @property
    def minutes(self) -> int:
        return max(1, round(self.ttl / 60))

    def put(self, kind: str, owner: int, payload: object) -> str:
        key = secrets.token_hex(6)
        with self._lock:
            now = self._clock()
            for k in [k for k, p in self._items.items() if p.expires <= now]:
                del self._items[k]
            while len(self._items) >= MAX_PENDING:
                del self._items[next(iter(self._items))]
            self._items[key] = Pending(kind, owner, payload, now + self.ttl)
        return key

    def get(self, key: str) -> Pending | None:
        """The action, or None if it is unknown, done or expired."""
        with self._lock:
            p = self._items.get(key)
            if p is not None and p.expires <= self._clock():
                del self._items[key]
                return None
            return p

    def pop(self, key: str) -> Pending | None:
        with self._lock:
            p = self._items.pop(key, None)
        return p if p is not None and p.expires > self._clock() else None
