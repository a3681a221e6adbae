"""Dense retrieval over a loaded index: threshold, near-duplicate removal, tag and age filters."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from .chunker import Passage
from .corpus import Article
from .store import LoadedIndex

DEFAULT_MIN_SCORE = 0.30
DUPLICATE_COSINE = 0.95

_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Hit:
    passage: Passage
    article: Article
    score: float
    row: int


def normalize_question(text: str) -> str:
    """NFKC, no zero-width or control characters, single spaces."""
    text = unicodedata.normalize("NFKC", str(text))
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    return " ".join(text.split())


def _allowed_rows(index: LoadedIndex, tag_key: str | None, allow_age_restricted: bool) -> np.ndarray | None:
    rows: np.ndarray | None = index.rows_with_tag(tag_key) if tag_key else None
    if not allow_age_restricted:
        restricted = {a.path for a in index.articles.values() if a.age_restricted}
        if restricted:
            base = rows if rows is not None else np.arange(index.size, dtype=np.int64)
            rows = np.asarray([r for r in base if index.passages[r].article not in restricted], dtype=np.int64)
    return rows


def search(index: LoadedIndex, query: np.ndarray, *, k: int = 3, tag_key: str | None = None,
           min_score: float = DEFAULT_MIN_SCORE, allow_age_restricted: bool = False,
           dedupe_cosine: float = DUPLICATE_COSINE) -> list[Hit]:
    """The top ``k`` passages scoring at least ``min_score``, near-duplicates removed."""
    rows = _allowed_rows(index, tag_key, allow_age_restricted)
    candidates = index.search(query, k * 4 + 8, rows)
    hits: list[Hit] = []
    kept_vectors: list[np.ndarray] = []
    kept_texts: set[str] = set()
    for row, score in candidates:
        if score < min_score:
            break  # candidates come best first
        passage = index.passages[row]
        flat = " ".join(passage.text.split()).casefold()
        if flat in kept_texts:
            continue
        vec = index.vector(row)
        if any(float(vec @ other) >= dedupe_cosine for other in kept_vectors):
            continue
        hits.append(Hit(passage, index.articles[passage.article], score, row))
        kept_vectors.append(vec)
        kept_texts.add(flat)
        if len(hits) == k:
            break
    return hits
