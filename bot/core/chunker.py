"""Split an article body into passages on paragraph and sentence boundaries.

A passage is a contiguous span ``body[start:end]``: the spans cover every non-blank character of
the body, in order, so no text is lost. Each passage stays within the token budget measured with
the embedding model's own tokenizer. Very short paragraphs (a heading, a one-line question) are
joined to a neighbour so that a passage can stand on its own as a quote.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from .corpus import Article

TokenCounter = Callable[[str], int]

_PARAGRAPH = re.compile(r"\S(?:.*?\S)?(?=\n[ \t]*\n|\s*\Z)", re.S)
# A sentence ends at . ! ? or an ellipsis (optionally followed by closing quotes or brackets) and
# whitespace. Abbreviations may split early: harmless, since sentences are only packed back together.
_SENTENCE = re.compile(r"\S.*?(?:[.!?…]+[\"'”’)\]]*(?=\s)|\Z)", re.S)
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class ChunkSettings:
    max_tokens: int = 256  # the model's whole window (less the title): best on CounselChat train+val
    min_tokens: int = 40
    title_context: bool = True  # embed each passage with its article's title


@dataclass(frozen=True)
class Passage:
    id: str
    article: str  # the article's path in the corpus
    title: str
    text: str
    start: int
    end: int
    ordinal: int

    @property
    def embed_text(self) -> str:
        """What is embedded: the title gives the passage its context."""
        return f"{self.title[:200]}\n{self.text}"


def _spans(pattern: re.Pattern[str], text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(start + m.start(), start + m.end()) for m in pattern.finditer(text[start:end])]


def _hard_split(text: str, start: int, end: int, count: TokenCounter, budget: int) -> list[tuple[int, int]]:
    """Cut one over-long 'word' (a URL, a run of symbols) by characters, never over budget."""
    out: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        lo, hi = pos + 1, end
        while lo < hi:  # the longest prefix within budget
            mid = (lo + hi + 1) // 2
            if count(text[pos:mid]) <= budget:
                lo = mid
            else:
                hi = mid - 1
        out.append((pos, lo))
        pos = lo
    return out


def _pack(
    text: str, units: list[tuple[int, int]], count: TokenCounter, budget: int, finer: list[re.Pattern[str]]
) -> list[tuple[int, int]]:
    """Greedily join adjacent units into spans within budget; split over-long units more finely."""
    out: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    cur_tokens = 0
    for s, e in units:
        n = count(text[s:e])
        if n > budget:
            if cur:
                out.append(cur)
                cur, cur_tokens = None, 0
            if finer:
                out.extend(_pack(text, _spans(finer[0], text, s, e), count, budget, finer[1:]))
            else:
                out.extend(_hard_split(text, s, e, count, budget))
            continue
        if cur and cur_tokens + n <= budget:
            cur, cur_tokens = (cur[0], e), cur_tokens + n
        else:
            if cur:
                out.append(cur)
            cur, cur_tokens = (s, e), n
    if cur:
        out.append(cur)
    # The sum of unit counts is exact at whitespace boundaries for WordPiece and most tokenizers;
    # check the joined text anyway and split again if a tokenizer disagrees.
    checked: list[tuple[int, int]] = []
    for s, e in out:
        if count(text[s:e]) <= budget:
            checked.append((s, e))
        else:
            checked.extend(_hard_split(text, s, e, count, budget))
    return checked


def split_spans(text: str, count: TokenCounter, max_tokens: int, min_tokens: int = 40) -> list[tuple[int, int]]:
    """Spans of ``text`` for passages: paragraphs, split or joined to fit [min_tokens, max_tokens]."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be positive")
    paragraphs = _spans(_PARAGRAPH, text, 0, len(text))
    spans: list[tuple[int, int]] = []
    for s, e in paragraphs:
        spans.extend(_pack(text, [(s, e)], count, max_tokens, [_SENTENCE, _WORD]))
    # Join a short span to the next one (a heading to its paragraph), or a short last one backwards.
    merged: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        s, e = spans[i]
        while i + 1 < len(spans) and count(text[s:e]) < min_tokens and count(text[s : spans[i + 1][1]]) <= max_tokens:
            i += 1
            e = spans[i][1]
        merged.append((s, e))
        i += 1
    if len(merged) > 1:
        s, e = merged[-1]
        ps, _ = merged[-2]
        if count(text[s:e]) < min_tokens and count(text[ps:e]) <= max_tokens:
            merged[-2:] = [(ps, e)]
    return merged


def passage_id(article_path: str, text: str) -> str:
    return hashlib.sha256(f"{article_path}\0{' '.join(text.split())}".encode()).hexdigest()[:16]


def chunk_article(article: Article, count: TokenCounter, max_tokens: int, min_tokens: int = 40) -> list[Passage]:
    passages: list[Passage] = []
    seen: set[str] = set()
    for ordinal, (s, e) in enumerate(split_spans(article.body, count, max_tokens, min_tokens)):
        text = article.body[s:e]
        pid = passage_id(article.path, text)
        if pid in seen:  # the same paragraph twice in one article: keep both, ids stay unique
            pid = passage_id(article.path, f"{text}\0{ordinal}")
        seen.add(pid)
        passages.append(Passage(pid, article.path, article.title, text, s, e, ordinal))
    return passages


def chunk_articles(
    articles: Iterable[Article], count: TokenCounter, model_max_tokens: int, max_tokens: int = 256, min_tokens: int = 40
) -> list[Passage]:
    """Passages of all articles. The title shares the model's window, so it shrinks the budget."""
    out: list[Passage] = []
    for article in articles:
        title_tokens = count(article.title[:200])
        budget = max(16, min(max_tokens, model_max_tokens - 2 - 1 - title_tokens))
        out.extend(chunk_article(article, count, budget, min(min_tokens, budget)))
    return out
