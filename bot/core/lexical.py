"""Lexical retrieval (BM25 with an English stemmer, via bm25s) beside the dense index.

Saved in the generation's folder as bm25s's plain files (npy and JSON, no pickle).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

log = logging.getLogger(__name__)


def _bm25s():
    if "bm25s" not in sys.modules and "numba" not in sys.modules:
        # bm25s imports numba whenever it is installed (ranx, for evaluation, brings it). Scoring
        # one question at a time gains nothing from it (get_scores is numpy either way), and it
        # costs 0.3 s and 50 MB at start-up, so bm25s is imported without it.
        sys.modules["numba"] = None  # type: ignore[assignment]
        try:
            import bm25s  # noqa: F401
        finally:
            del sys.modules["numba"]
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
        retriever = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)  # pages load as queries touch them
        return cls(retriever, size)

    def search(self, text: str, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``k`` (row, BM25 score > 0), optionally only among ``rows``.

        Scores every passage with bm25s's get_scores (a sparse column sum) and selects the top
        with numpy: no thread pool per question, about 2 ms at 100,000 passages here.
        """
        bm25s = _bm25s()
        if self.size == 0 or k <= 0:
            return []
        tokens = bm25s.tokenize([text], stopwords="en", stemmer=self._stem, return_ids=False, show_progress=False)
        vocab = self.retriever.vocab_dict
        ids = [vocab[t] for t in (tokens[0] if tokens else []) if t in vocab]
        if not ids:
            return []
        scores = self.retriever.get_scores_from_ids(ids)
        if rows is not None:
            keep = np.zeros(self.size, dtype=bool)
            keep[rows] = True
            scores = np.where(keep, scores, 0.0)
        k = min(k, self.size)
        top = np.argpartition(-scores, k - 1)[:k] if k < self.size else np.arange(self.size)
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
