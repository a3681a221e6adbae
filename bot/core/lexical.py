"""Lexical retrieval (BM25 with an English stemmer, via bm25s) beside the dense index.

Saved in the generation's folder as bm25s's plain files (npy and JSON, no pickle).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

import numpy as np

log = logging.getLogger(__name__)


def _bm25s():
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG on import's own handler
    return bm25s


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


class LexicalIndex:
    def __init__(self, retriever, size: int) -> None:
        self.retriever = retriever
        self.size = size
        self._stem = _stemmer()

    @classmethod
    def build(cls, texts: Sequence[str]) -> "LexicalIndex":
        bm25s = _bm25s()
        retriever = bm25s.BM25()
        if texts:
            tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer(), show_progress=False)
            retriever.index(tokens, show_progress=False)
        return cls(retriever, len(texts))

    def save(self, folder: Path) -> None:
        if self.size:
            self.retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> "LexicalIndex | None":
        bm25s = _bm25s()
        if size == 0:
            return cls(bm25s.BM25(), 0)
        if not (folder / "params.index.json").exists():
            return None
        retriever = bm25s.BM25.load(str(folder), mmap=False, show_progress=False)
        return cls(retriever, size)

    def search(self, text: str, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``k`` (row, BM25 score > 0), optionally only among ``rows``."""
        bm25s = _bm25s()
        if self.size == 0 or k <= 0:
            return []
        tokens = bm25s.tokenize([text], stopwords="en", stemmer=self._stem, return_ids=False, show_progress=False)
        if not tokens or not tokens[0]:
            return []
        mask = None
        if rows is not None:
            mask = np.zeros(self.size, dtype=np.float32)
            mask[rows] = 1.0
        k = min(k, self.size)
        ids, scores = self.retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1, weight_mask=mask)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if s > 0]
