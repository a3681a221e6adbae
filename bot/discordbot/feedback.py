"""Helpful / Not helpful votes, appended to a JSON-lines file. No user ids; no question unless opted in."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from cachetools import LRUCache

from ..core.answer import Answer


class AnswerCache:
    """Recent answers by key, for the 'More passages' and feedback buttons (least recently used out)."""

    def __init__(self, size: int = 2000) -> None:
        self._items: LRUCache[str, Answer] = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def put(self, key: str, answer: Answer) -> None:
        with self._lock:
            self._items[key] = answer

    def get(self, key: str) -> Answer | None:
        with self._lock:
            return self._items.get(key)


class RecentSet:
    """The keys seen lately (at most ``size``, least recently used out): who already voted on which answer."""

    def __init__(self, size: int = 20000) -> None:
        self._items: LRUCache[object, bool] = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def add(self, key: object) -> bool:
        """Add ``key``; False if it was already there."""
        with self._lock:
            if key in self._items:
                return False
            self._items[key] = True
            return True

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)


class FeedbackStore:
    def __init__(self, path: Path, *, keep_question: bool = False) -> None:
        self.path = Path(path)
        self.keep_question = keep_question
        self._lock = threading.Lock()

    def record(self, key: str, helpful: bool, answer: Answer | None) -> dict:
        entry: dict = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "answer": key, "helpful": helpful}
        if answer is not None:
            entry["passages"] = [q.passage for q in answer.quotes]
            entry["scores"] = [round(q.score, 4) for q in answer.quotes]
            if self.keep_question:
                entry["question"] = answer.question
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return entry
