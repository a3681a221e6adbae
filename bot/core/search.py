"""Dense retrieval over a loaded index: threshold, near-duplicate removal, tag and age filters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .chunker import Passage
from .corpus import Article
from .store import LoadedIndex

# The threshold applies to the evidence (passage and best-sentence cosines), calibrated per encoder
# and per tuning (docs/retrieval.md). The encoder tuned on members' questions (tuning.py, the
# default): the highest on a 0.01 grid that keeps every seed question answered, 0.37 for torch
# (0.38 leaves one silent), read beside the development questions' figures. The model as shipped
# (BOT_TUNE=off): torch 0.39 by the same rule; int8 0.43, the best recall with answering precision
# >= 0.95 (python -m bot eval answerability).
DEFAULT_MIN_SCORE = 0.37
DEFAULT_MIN_SCORES = {
    ("torch", True): DEFAULT_MIN_SCORE,
    ("onnx-int8", True): 0.33,  # by the same rule (0.34 leaves a seed question silent)
    ("torch", False): 0.39,
    ("onnx-int8", False): 0.43,
}
DUPLICATE_COSINE = 0.95
# BM25's share in ranking, chosen on CounselChat's train and val questions (README, Evaluation).
DEFAULT_FUSION_ALPHA = 0.1
# BM25 is spread over [0, 1] from the question's 300th-best passage to its best (chosen the same way).
BM25_DEPTH = 300
# Sentence evidence (docs/retrieval.md): the best sentence unit's share in a passage's evidence is
# SENTENCE_WEIGHT_SHORT for questions of SHORT_WORDS words or fewer, SENTENCE_WEIGHT_LONG from
# LONG_WORDS words, a linear mix between. Chosen on the development questions and CounselChat train+val.
SENTENCE_WEIGHT_SHORT = 0.7
SENTENCE_WEIGHT_LONG = 0.1
SHORT_WORDS = 8
LONG_WORDS = 30
SENTENCE_DEPTH = 50  # sentence units searched per question; their passages join the pool
# What a hit shows: the best unit, and the second if within HIGHLIGHT_MARGIN of it; an excerpt of
# whole units around them of at most WINDOW_CHARS characters.
HIGHLIGHT_MARGIN = 0.05
MAX_HIGHLIGHTS = 2
WINDOW_CHARS = 480
STRONG_MARGIN = 0.15  # relevance this far above the threshold is called a strong match


@dataclass(frozen=True)
class Hit:
    """One quoted passage, with what shows why: its relevance, the sentences that answer, an excerpt."""

    passage: Passage
    article: Article
    score: float  # the relevance shown: this hit's evidence, never above the hit before it
    row: int
    cosine: float = 0.0  # the whole passage's cosine to the question
    sentence_score: float = 0.0  # the best sentence unit's cosine
    highlights: tuple[tuple[int, int], ...] = ()  # (start, end) in passage.text of the sentence(s) that answer
    window: tuple[int, int] | None = None  # (start, end) in passage.text: the passage trimmed around them
    match: str = ""  # the relevance in words (describe_relevance)

    @property
    def relevance(self) -> float:
        return self.score


def _allowed_rows(index: LoadedIndex, tag_key: str | None, allow_age_restricted: bool) -> np.ndarray | None:
    """The rows a question may search (None: all of them)."""
    rows: np.ndarray | None = index.rows_with_tag(tag_key) if tag_key else None
    if not allow_age_restricted and index.unrestricted_rows is not None:
        rows = index.unrestricted_rows if rows is None else np.intersect1d(rows, index.unrestricted_rows)
    return rows


def sentence_weight(query_text: str | None, short: float | None = None, long: float | None = None) -> float:
    """The best sentence's share in a passage's evidence, by the question's length in words.

    A short question is answered by one sentence; a long one (a situation described at length)
    by a whole passage. SHORT_WORDS words or fewer get ``short``, LONG_WORDS or more ``long``,
    lengths between get a linear mix.
    """
    short = SENTENCE_WEIGHT_SHORT if short is None else short
    long = SENTENCE_WEIGHT_LONG if long is None else long
    words = len((query_text or "").split())
    if words <= SHORT_WORDS:
        return short
    if words >= LONG_WORDS:
        return long
    return short + (long - short) * (words - SHORT_WORDS) / (LONG_WORDS - SHORT_WORDS)


def rank(
    index: LoadedIndex,
    query: np.ndarray,
    *,
    k: int,
    query_text: str | None = None,
    alpha: float = 0.0,
    rows: np.ndarray | None = None,
    depth: int = 50,
    bm25_depth: int = BM25_DEPTH,
    weight: float | None = None,
    sentence_depth: int = SENTENCE_DEPTH,
) -> list[tuple[int, float, float]]:
    """Candidates best first as (row, fused score, evidence).

    The evidence of a passage is (1 - w) * its cosine + w * the cosine of its best sentence unit,
    w = ``weight`` or sentence_weight(question). ``alpha`` = 0 ranks by evidence alone. Otherwise
    BM25 joins: (1 - alpha) * evidence + alpha * BM25', where BM25' spreads BM25 over [0, 1]: the
    question's best passage gets 1 and its ``bm25_depth``-th gets 0 (or a score of 0 does, when
    fewer passages share a word with the question); below that floor BM25' is 0. The pool is the
    top ``max(k, depth)`` passages by cosine, the passages of the top ``sentence_depth`` sentence
    units, and the top ``max(k, bm25_depth)`` by BM25; the first ``max(k, depth)`` of it by the
    same fusion over the passage cosine, and the sentence search's passages, get their sentence
    evidence and are ranked by it. The evidence keeps the cosine's scale, so one threshold can
    apply to it; BM25 lifts passages that share the question's rare words.
    """
    n = max(k, depth)
    dense = index.search(query, n, rows)
    # Candidates found by sentences or BM25 alone, in the order found (it breaks ties): cosines computed below.
    pending: dict[int, None] = {}
    cosines: dict[int, float] = dict(dense)
    sentences = getattr(index, "sentences", None)
    w = (sentence_weight(query_text) if weight is None else weight) if sentences is not None else 0.0
    sentence_hits: set[int] = set()
    if w > 0 and sentences is not None:
        units = sentences.search(query, sentence_depth, index.units_allowed(rows))
        owners = sentences.passage_of(np.asarray([u for u, _ in units], dtype=np.int64)).tolist()
        sentence_hits = set(owners)
        pending.update((row, None) for row in owners if row not in cosines)
    lexical = (
        index.lexical.search(query_text, max(k, bm25_depth), rows)
        if alpha > 0 and query_text and index.lexical is not None
        else []
    )
    pending.update((row, None) for row, _ in lexical if row not in cosines)
    missing = np.asarray(list(pending), dtype=np.int64)
    if len(missing):
        cosines.update(zip(missing.tolist(), (index.vectors_of(missing) @ query).tolist()))
    bm25 = _spread(lexical, bm25_depth) if lexical else {}
    a = alpha if lexical else 0.0
    first = sorted(((row, (1 - a) * c + a * bm25.get(row, 0.0), c) for row, c in cosines.items()), key=lambda t: -t[1])
    if w <= 0 or sentences is None:
        return first[:k]
    # Sentence evidence for the first stage's best and for every passage a sentence search found;
    # the rest of the pool cannot reach them.
    pool = list(dict.fromkeys([row for row, _, _ in first[: max(k, depth)]] + sorted(sentence_hits)))
    rows_ = np.asarray(pool, dtype=np.int64)
    _, owner, unit_cos = sentences.scores(query, rows_)
    best = np.full(len(pool), -1.0, dtype=np.float32)
    np.maximum.at(best, owner, unit_cos)
    fused = []
    for row, b in zip(pool, best.tolist()):
        e = (1 - w) * cosines[row] + w * b
        fused.append((row, (1 - a) * e + a * bm25.get(row, 0.0), e))
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


def describe_relevance(relevance: float, min_score: float) -> str:
    """A relevance in words, for members: "strong match" well above the threshold, else "partial match"."""
    return "strong match" if relevance >= min_score + STRONG_MARGIN else "partial match"


def _asks(text: str) -> bool:
    """A sentence that asks rather than tells (often a heading restating the question): not the bold answer."""
    return text.rstrip().endswith("?")


def _evidence_of(
    index: LoadedIndex,
    query: np.ndarray,
    row: int,
    cosine: float,
    weight: float,
) -> tuple[float, tuple[tuple[int, int], ...], tuple[int, int] | None]:
    """(best unit cosine, highlighted spans, excerpt window) of one passage."""
    sentences = getattr(index, "sentences", None)
    if sentences is None:
        return cosine, (), None
    units, _, cos = sentences.scores(query, np.asarray([row]))
    if not len(units):
        return cosine, (), None
    order = np.argsort(-cos, kind="stable")
    best = float(cos[order[0]])  # the evidence: every unit counts
    spans = sentences.spans[units]
    text = index.passages[row].text
    # What is shown in bold: the best units that tell something (a question or a heading that
    # restates the member's question scores high and answers nothing), unless all of them ask.
    telling = [int(i) for i in order if not _asks(text[spans[i][0] : spans[i][1]])] or [int(i) for i in order]
    top = float(cos[telling[0]])
    marked = [i for i in telling[:MAX_HIGHLIGHTS] if cos[i] >= top - HIGHLIGHT_MARGIN]
    highlights = tuple(sorted((int(spans[i][0]), int(spans[i][1])) for i in marked))
    lo, hi = min(i for i in marked), max(i for i in marked)
    if spans[hi][1] - spans[lo][0] > WINDOW_CHARS:  # far apart: the window is the best one's
        lo = hi = telling[0]
    while True:  # widen by whole units, the nearer side first, while it fits
        grew = False
        for side in (lo - 1, hi + 1):
            if 0 <= side < len(units):
                a, b = min(spans[lo][0], spans[side][0]), max(spans[hi][1], spans[side][1])
                if b - a <= WINDOW_CHARS:
                    lo, hi = min(lo, side), max(hi, side)
                    grew = True
        if not grew:
            break
    return best, highlights, (int(spans[lo][0]), int(spans[hi][1]))


def search(
    index: LoadedIndex,
    query: np.ndarray,
    *,
    k: int = 3,
    tag_key: str | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
    allow_age_restricted: bool = False,
    dedupe_cosine: float = DUPLICATE_COSINE,
    query_text: str | None = None,
    alpha: float = 0.0,
    weight: float | None = None,
) -> list[Hit]:
    """The top ``k`` passages whose evidence is at least ``min_score``, near-duplicates removed.

    Ranking may fuse BM25 in (``alpha``); the threshold always applies to the evidence (passage
    and best-sentence cosines), whose scale is calibrated, so word overlap alone never makes the
    bot quote. A hit's relevance is its evidence, lowered if needed to the one above it, so the
    number only goes down the list.
    """
    rows = _allowed_rows(index, tag_key, allow_age_restricted)
    w = sentence_weight(query_text) if weight is None else weight
    candidates = rank(index, query, k=k * 4 + 8, query_text=query_text, alpha=alpha, rows=rows, weight=w)
    hits: list[Hit] = []
    kept_vectors: list[np.ndarray] = []
    kept_texts: set[str] = set()
    shown = float("inf")
    for row, _, evidence in candidates:
        if evidence < min_score:
            continue
        passage = index.passages[row]
        flat = " ".join(passage.text.split()).casefold()
        if flat in kept_texts:
            continue
        vec = index.vector(row)
        if any(float(vec @ other) >= dedupe_cosine for other in kept_vectors):
            continue
        shown = min(shown, evidence)
        cosine = float(vec @ query)
        sentence, highlights, window = _evidence_of(index, query, row, cosine, w)
        hits.append(
            Hit(
                passage,
                index.articles[passage.article],
                shown,
                row,
                cosine,
                sentence,
                highlights,
                window,
                describe_relevance(shown, min_score),
            )
        )
        kept_vectors.append(vec)
        kept_texts.add(flat)
        if len(hits) == k:
            break
    return hits
