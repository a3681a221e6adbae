"""One encoder, two kinds of work: members' questions first, bulk embedding (a reindex) between them.

A reindex embeds in slices of BULK_SLICE texts and takes the encoder only when no question is
waiting, so a question waits at most one slice (a fraction of a second), however large the
reindex. The encoder runs one batch at a time: it already uses every core.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence

import numpy as np

from .embedder import Embedder

BULK_SLICE = 32  # texts per bulk slice: about 0.2-0.4 s of passages on two cores with the int8 encoder


class EncoderGate:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._questions_waiting = 0

    @contextlib.contextmanager
    def question(self) -> Iterator[None]:
        with self._cond:
            self._questions_waiting += 1
            try:
                while self._busy:
                    self._cond.wait()
            finally:
                self._questions_waiting -= 1
            self._busy = True
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        with self._cond:
            self._busy = False
            self._cond.notify_all()

    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        with self._cond:
            while self._busy or self._questions_waiting:
                self._cond.wait()
            self._busy = True
        try:
            yield
        finally:
            self._release()


class BulkEncoder:
    """An embedder whose ``encode`` yields to questions between slices (for index builds)."""

    def __init__(self, embedder: Embedder, gate: EncoderGate, slice_size: int = BULK_SLICE) -> None:
        self._embedder = embedder
        self._gate = gate
        self._slice = slice_size

    @property
    def name(self) -> str:
        return self._embedder.name

    @property
    def dimension(self) -> int:
        return self._embedder.dimension

    @property
    def max_tokens(self) -> int:
        return self._embedder.max_tokens

    def __getattr__(self, name: str):
        return getattr(self._embedder, name)

    def count_tokens(self, text: str) -> int:
        return self._embedder.count_tokens(text)

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        kwargs = {"batch_size": batch_size, "show_progress": show_progress}
        parts = []
        for lo in range(0, len(texts), self._slice):
            with self._gate.bulk():
                parts.append(self._embedder.encode(list(texts[lo : lo + self._slice]), **kwargs))
        if not parts:
            return self._embedder.encode([], **kwargs)
        return np.concatenate(parts)
