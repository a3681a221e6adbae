"""Dense retrieval over a loaded index: threshold, near-duplicate removal, tag and age filters."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from .chunker import Passage
from .corpus import Article
from .store import LoadedIndex

DEFAULT_MIN_SCORE = 0.35  # calibrated: python -m bot eval answerability (README, Evaluation)
# Each encoder's own calibration (same rule: the best recall with answering precision >= 0.95).
# The int8 encoder's cosines differ from torch's by about 0.01 on average, enough to move it.
DEFAULT_MIN_SCORES = {"torch": DEFAULT_MIN_SCORE, "onnx-int8": 0.41}
DUPLICATE_COSINE = 0.95
# BM25's share in ranking, chosen on CounselChat's train and val questions (README, Evaluation).
DEFAULT_FUSION_ALPHA = 0.1
# BM25 is spread over [0, 1] from the question's 300th-best passage to its best (chosen the same way).
BM25_DEPTH = 300

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
    """The rows a question may search (None: all of them)."""
    rows: np.ndarray | None = index.rows_with_tag(tag_key) if tag_key else None
    if not allow_age_restricted and index.unrestricted_rows is not None:
        rows = index.unrestricted_rows if rows is None else np.intersect1d(rows, index.unrestricted_rows)
    return rows


def rank(index: LoadedIndex, query: np.ndarray, *, k: int, query_text: str | None = None, alpha: float = 0.0,
         rows: np.ndarray | None = None, depth: int = 50,
         bm25_depth: int = BM25_DEPTH) -> list[tuple[int, float, float]]:
    """Candidates best first as (row, fused score, cosine).

    ``alpha`` = 0 is dense only. Otherwise dense and BM25 candidates are pooled and ranked by
    (1 - alpha) * cosine + alpha * BM25', where BM25' spreads BM25 over [0, 1]: the question's best
    passage gets 1 and its ``bm25_depth``-th gets 0 (or a score of 0 does, when fewer passages share
    a word with the question); below that floor BM25' is 0. The pool is the top ``max(k, depth)``
    by cosine and the top ``max(k, bm25_depth)`` by BM25. A passage outside it scores below each
    of the dense candidates, so the first ``depth`` of this order are the first of the whole index,
    whatever ``k`` asks for: the evaluation ranks exactly as the bot does.
    The cosine keeps its meaning; BM25 lifts passages that share the question's rare words.
    """
    n = max(k, depth)
    dense = index.search(query, n, rows)
    if alpha <= 0 or not query_text or index.lexical is None:
        return [(row, cos, cos) for row, cos in dense[:k]]
    lexical = index.lexical.search(query_text, max(k, bm25_depth), rows)
    cosines = dict(dense)
    missing = np.asarray([row for row, _ in lexical if row not in cosines], dtype=np.int64)
    if len(missing):
        cosines.update(zip(missing.tolist(), (index.vectors_of(missing) @ query).tolist()))
    bm25 = _spread(lexical, bm25_depth)
    fused = [(row, (1 - alpha) * cos + alpha * bm25.get(row, 0.0), cos) for row, cos in cosines.items()]
    fused.sort(key=lambda t: -t[1])
    return fused[:k]


def _spread(lexical: list[tuple[int, float]], depth: int) -> dict[int, float]:
    """BM25 scores (best first) mapped onto [0, 1] between the ``depth``-th score (or 0) and the best."""
    if not lexical:
        return {}
    best = lexical[0][1]
    floor = lexical[depth - 1][1] if len(lexical) >= depth else 0.0
    span = best - floor
    if span <= 0:  # the top ``depth`` scores are equal: nothing tells them apart from the rest
        return {row: 0.0 for row, _ in lexical}
    return {row: max(0.0, (b - floor) / span) for row, b in lexical}


def search(index: LoadedIndex, query: np.ndarray, *, k: int = 3, tag_key: str | None = None,
           min_score: float = DEFAULT_MIN_SCORE, allow_age_restricted: bool = False,
           dedupe_cosine: float = DUPLICATE_COSINE, query_text: str | None = None,
           alpha: float = 0.0) -> list[Hit]:
    """The top ``k`` passages whose cosine is at least ``min_score``, near-duplicates removed.

    Ranking may fuse BM25 in (``alpha``); the relevance threshold always applies to the cosine,
    whose scale is calibrated, so lexical overlap alone never makes the bot quote.
    """
    rows = _allowed_rows(index, tag_key, allow_age_restricted)
    candidates = rank(index, query, k=k * 4 + 8, query_text=query_text, alpha=alpha, rows=rows)
    hits: list[Hit] = []
    kept_vectors: list[np.ndarray] = []
    kept_texts: set[str] = set()
    for row, _, cosine in candidates:
        if cosine < min_score:
            continue
        passage = index.passages[row]
        flat = " ".join(passage.text.split()).casefold()
        if flat in kept_texts:
            continue
        vec = index.vector(row)
        if any(float(vec @ other) >= dedupe_cosine for other in kept_vectors):
            continue
        hits.append(Hit(passage, index.articles[passage.article], cosine, row))
        kept_vectors.append(vec)
        kept_texts.add(flat)
        if len(hits) == k:
            break
    return hits
