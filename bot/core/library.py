"""The library service: one object that answers, looks up tags and refreshes the index live.

The CLI, the Discord adapter and the tests all use it. Its methods are synchronous and thread-safe;
the Discord layer calls them in a worker thread so the event loop is never blocked. A refresh
builds the new index beside the live one and swaps it in with one assignment: questions asked
meanwhile are answered from the old index.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .answer import Answer, quote_from_hit
from .corpus import Article
from .embedder import Embedder
from .errors import BotError, IndexBusy, IndexMissing, QuestionError
from .indexer import BuildReport, ChunkSettings, Progress, refresh_index
from .safety import Assessment, SafetyInfo, SafetyPolicy
from .search import DEFAULT_FUSION_ALPHA, DEFAULT_MIN_SCORE, search
from .text import normalize
from .store import IndexStore, LoadedIndex
from .tags import tag_key

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
# How often a serving library looks whether another process (a shard, `python -m bot index build`)
# published a new index generation. One small file read.
FOLLOW_SECONDS = 5.0


class TagNotFound(BotError):
    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"No articles are tagged '{name}'.{hint}")


@dataclass(frozen=True)
class Prepared:
    """A question after the crisis check, before retrieval."""

    text: str
    vector: np.ndarray
    assessment: Assessment
    info: SafetyInfo

    @property
    def stop(self) -> bool:
        """Nothing is quoted: a crisis, a member under 18, or a message too long to search."""
        return self.assessment.stops_quoting or self.info.too_long

    @property
    def shown(self) -> str:
        return self.text if len(self.text) <= 300 else self.text[:299] + "…"


@dataclass(frozen=True)
class TagInfo:
    key: str
    display: str
    articles: int


class Library:
    def __init__(self, corpus_dir: Path | str, index_dir: Path | str, embedder: Embedder | Callable[[], Embedder],
                 policy: SafetyPolicy | None = None, *, min_score: float = DEFAULT_MIN_SCORE, top_k: int = 3,
                 chunking: ChunkSettings = ChunkSettings(), max_question_chars: int = MAX_QUESTION_CHARS,
                 fusion_alpha: float = DEFAULT_FUSION_ALPHA, index_type: str = "auto",
                 model_cache: Path | str | None = None) -> None:
        self.corpus_dir = Path(corpus_dir)
        self.store = IndexStore(index_dir)
        # An embedder, or a function that loads one on first use (listing tags needs no model).
        self._embedder: Embedder | None = None if callable(embedder) and not hasattr(embedder, "encode") else embedder
        self._embedder_factory = embedder if self._embedder is None else None
        self._embedder_lock = threading.Lock()
        self.policy = policy or SafetyPolicy()
        self.min_score = min_score
        self.top_k = top_k
        self.chunking = chunking
        self.max_question_chars = max_question_chars
        self.fusion_alpha = fusion_alpha
        self.index_type = index_type
        self.model_cache = Path(model_cache) if model_cache else Path(index_dir) / "models"
        self._live: LoadedIndex | None = None
        self._refresh_lock = threading.Lock()
        self._follow_lock = threading.Lock()
        self._followed_at = time.monotonic()
        self._unusable: Path | None = None  # a published generation that failed to load

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._embedder_lock:
                if self._embedder is None:
                    self._embedder = self._embedder_factory()
        return self._embedder

    # -- index lifecycle -------------------------------------------------------------------------

    @property
    def index(self) -> LoadedIndex:
        live = self._live
        if live is None:
            raise IndexMissing("the index is not loaded yet")
        if time.monotonic() - self._followed_at >= FOLLOW_SECONDS:
            live = self._follow(live)
        return live

    def _follow(self, live: LoadedIndex) -> LoadedIndex:
        """Swap in a generation another process published; keep the live one if it cannot be read."""
        if not self._follow_lock.acquire(blocking=False):
            return live  # another thread is already looking
        try:
            self._followed_at = time.monotonic()
            if self._refresh_lock.locked():
                return live  # our own refresh swaps it in
            try:
                path = self.store.current_path()
            except BotError:
                return live
            if path is None or path == live.path or path == self._unusable:
                return live
            try:
                embedder = self._embedder  # a library that only lists tags may never load its model
                fresh = (self.store.load(model=embedder.name, dimension=embedder.dimension) if embedder is not None
                         else self.store.load())
            except BotError as exc:
                self._unusable = path  # said once, not at every look
                log.warning("a new index was published but cannot be used; still serving the old one: %s", exc)
                return live
            log.info("now serving the index generation %s, published by another process", fresh.path.name)
            self._live = fresh
            return fresh
        finally:
            self._follow_lock.release()

    def load(self, *, build_if_missing: bool = True, check_model: bool = True,
             progress: Progress | None = None) -> BuildReport | None:
        """Load the live index; build it first if there is none (and building is allowed).

        ``check_model=False`` skips loading the model, for commands that only read tags.
        """
        self.store.clean_if_idle()
        if not self.store.exists():
            if not build_if_missing:
                raise IndexMissing(f"no index in {self.store.root}. Build it with: python -m bot index build")
            return self.refresh(progress=progress)
        if check_model:
            self._live = self.store.load(model=self.embedder.name, dimension=self.embedder.dimension)
            self.prepare_safety()
        else:
            self._live = self.store.load()
        return None

    def prepare_safety(self, notify: Callable[[str], None] | None = None) -> None:
        """Load (or train once, then cache) the safety models for this library's encoder."""
        self.policy.attach(self.embedder, self.model_cache, notify)

    def refresh(self, *, progress: Progress | None = None) -> BuildReport:
        """Re-read the corpus, embed what changed, swap the new index in. IndexBusy if one is running."""
        if not self._refresh_lock.acquire(blocking=False):
            raise IndexBusy("an index refresh is already running; try again when it has finished")
        try:
            report = refresh_index(self.corpus_dir, self.store, self.embedder, chunking=self.chunking,
                                   progress=progress, live=self._live, index_type=self.index_type)
            if report.published or self._live is None:
                self._live = self.store.load(model=self.embedder.name, dimension=self.embedder.dimension)
            self.prepare_safety()
            return report
        finally:
            self._refresh_lock.release()

    @property
    def refreshing(self) -> bool:
        return self._refresh_lock.locked()

    # -- answering -------------------------------------------------------------------------------

    def prepare(self, question: str, *, locale: str | None = None) -> Prepared:
        """Normalize, embed and run the crisis check: everything before retrieval (milliseconds).

        A message too long to search is still assessed in full; it gets its card or check-in and
        a note that it was too long, never an error alone.
        """
        text = normalize(question)
        if not text:
            raise QuestionError("Please write a question, for example: in what ways does intimacy aid growth?")
        self.prepare_safety()
        vector = self.embedder.encode([text])[0]
        assessment = self.policy.assess(question, vector)
        too_long = len(text) > self.max_question_chars
        info = self.policy.info(text, assessment, locale, too_long=too_long)
        return Prepared(text, vector, assessment, info)

    def answer(self, prepared: Prepared, *, k: int | None = None, extra: int = 6, tag: str | None = None,
               allow_age_restricted: bool = False) -> Answer:
        """Retrieve and quote, unless the crisis check stopped quoting (then only the safety message)."""
        if prepared.stop:
            return Answer(prepared.shown, (), prepared.info)
        index = self.index  # one generation for the whole answer, even if a refresh swaps meanwhile
        key = self.resolve_tag(tag) if tag else None
        k = k or self.top_k
        hits = search(index, prepared.vector, k=k + extra, tag_key=key, min_score=self.min_score,
                      allow_age_restricted=allow_age_restricted, query_text=prepared.text, alpha=self.fusion_alpha)
        claims = self.policy.claims.many([h.passage.text for h in hits[:k]]) + [False] * max(0, len(hits) - k)
        quotes = tuple(quote_from_hit(h, index.tag_display, claim) for h, claim in zip(hits, claims))
        return Answer(prepared.shown, quotes[:k], prepared.info, quotes[k:])

    def ask(self, question: str, *, k: int | None = None, extra: int = 6, tag: str | None = None,
            locale: str | None = None, allow_age_restricted: bool = False) -> Answer:
        """Answer one question: crisis check first, then retrieval (unless the check stops it)."""
        return self.answer(self.prepare(question, locale=locale), k=k, extra=extra, tag=tag,
                           allow_age_restricted=allow_age_restricted)

    # -- tags ------------------------------------------------------------------------------------

    def tags(self) -> list[TagInfo]:
        return [TagInfo(k, d, n) for k, (d, n) in self.index.tags().items()]

    def resolve_tag(self, name: str) -> str:
        """The key of a tag however it is written; TagNotFound with the closest tags otherwise."""
        key = tag_key(name)
        tags = self.index.tags()
        if key in tags:
            return key
        raise TagNotFound(name.strip()[:80] or "(empty)", self.suggest_tags(name))

    def suggest_tags(self, name: str, limit: int = 5) -> list[str]:
        from rapidfuzz import fuzz, process

        tags = self.index.tags()
        key = tag_key(name)
        if not key or not tags:
            return []
        matches = process.extract(key, list(tags), scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
        return [tags[m[0]][0] for m in matches]

    def complete_tags(self, prefix: str, limit: int = 25) -> list[TagInfo]:
        """Tags matching what a member has typed so far: prefix matches first, then substrings."""
        key = tag_key(prefix)
        all_tags = self.tags()
        if not key:
            return all_tags[:limit]
        starts = [t for t in all_tags if t.key.startswith(key)]
        inside = [t for t in all_tags if key in t.key and not t.key.startswith(key)]
        return (starts + inside)[:limit]

    def articles_with_tag(self, name: str) -> tuple[str, list[Article]]:
        key = self.resolve_tag(name)
        index = self.index
        return index.tag_display(key), index.articles_with_tag(key)

    def opening_passage(self, article: Article) -> str:
        p = self.index.first_passage(article.path)
        return p.text if p else ""
