"""Sentence evidence: the sentences of every passage, embedded on their own beside the passages.

A short question ("what does FRIES stand for?") matches the one sentence that answers it far
better than the 256-token passage around it, whose vector averages over everything else it says.
Each passage is split into sentences (text.sentence_spans, the splitter the rest of the bot uses)
and each sentence is embedded alone, without the title. The same split is what the claim guard
reads (safety/claims.py), so it is given these vectors instead of encoding the sentences again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import IndexCorrupt
from .text import sentence_spans
from .vectors import REBUILD_HINT, VectorIndex


def sentence_units(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence unit of a passage's ``text``: its sentences, or the whole text."""
    return sentence_spans(text) or [(0, len(text))]


class SentenceIndex:
    """The sentence units of every passage and their vectors.

    sentences/index.faiss   one vector per unit (a VectorIndex: exact, or HNSW when large)
    sentences/first.npy     passage p's units are first[p] .. first[p + 1] - 1 (units in passage order)
    sentences/spans.npy     (start, end) of each unit within its passage's text
    sentences/hashes.npy    digest of each unit's text (its vector is reused on refresh)
    """

    def __init__(self, vectors: VectorIndex, first: np.ndarray, spans: np.ndarray, hashes: np.ndarray) -> None:
        self.vectors = vectors
        self.first = first
        self.spans = spans
        self.hashes = hashes

    @staticmethod
    def split(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(first, spans, unit texts) for passages with these ``texts``."""
        first = np.zeros(len(texts) + 1, dtype=np.int64)
        spans: list[tuple[int, int]] = []
        units: list[str] = []
        for i, text in enumerate(texts):
            found = sentence_units(text)
            spans.extend(found)
            units.extend(text[s:e] for s, e in found)
            first[i + 1] = len(spans)
        return first, np.asarray(spans, dtype=np.int32).reshape(-1, 2), units

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.vectors.save(folder)
        np.save(folder / "first.npy", self.first)
        np.save(folder / "spans.npy", self.spans)
        np.save(folder / "hashes.npy", self.hashes)

    @classmethod
    def load(cls, folder: Path, info: dict, *, passages: int, dimension: int) -> "SentenceIndex":
        try:
            first = np.load(folder / "first.npy", allow_pickle=False)
            spans = np.load(folder / "spans.npy", allow_pickle=False)
            hashes = np.load(folder / "hashes.npy", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(
                f"the sentence index in {folder.parent} is damaged ({type(exc).__name__}). {REBUILD_HINT}"
            ) from None
        units = int(first[-1]) if len(first) else -1
        if len(first) != passages + 1 or len(spans) != units or len(hashes) != units or np.any(np.diff(first) < 0):
            raise IndexCorrupt(
                f"the index in {folder.parent} is inconsistent (sentence tables do not match "
                f"the passages). {REBUILD_HINT}"
            )
        vectors = VectorIndex.load(folder, info, size=units, dimension=dimension)
        return cls(vectors, first, spans, hashes)

    @property
    def size(self) -> int:
        return len(self.spans)

    def units_of(self, passages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(unit numbers, position in ``passages`` of each unit's passage) for these passages."""
        passages = np.asarray(passages, dtype=np.int64)
        lo, hi = self.first[passages], self.first[passages + 1]
        counts = hi - lo
        owner = np.repeat(np.arange(len(passages)), counts)
        starts = np.repeat(lo - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) if len(passages) else lo
        return np.arange(int(counts.sum()), dtype=np.int64) + starts, owner

    def passage_of(self, units: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.first, units, side="right") - 1

    def scores(self, query: np.ndarray, passages: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each unit of ``passages``: (unit numbers, owner position, cosine to ``query``)."""
        units, owner = self.units_of(passages)
        cos = self.vectors.vectors_of(units) @ query if len(units) else np.zeros(0, np.float32)
        return units, owner, cos

    def vectors_of_passage(self, passage: int) -> np.ndarray:
        """The vectors of one passage's sentences, in order (what the claim guard reads)."""
        return self.vectors.vectors_of(np.arange(self.first[passage], self.first[passage + 1]))

    def search(self, query: np.ndarray, k: int, units: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``k`` (unit, cosine), optionally within ``units``."""
        return self.vectors.search(query, k, units)
