"""The library service: one object that answers, looks up tags and refreshes the index live.

The CLI, the Discord adapter and the tests all use it. Its methods are synchronous and thread-safe;
the Discord layer calls them in a worker thread so the event loop is never blocked. A refresh
builds the new index beside the live one and swaps it in with one assignment: questions asked
meanwhile are answered from the old index.

Longer than 300 lines on purpose: Library is the one facade that the bot, the CLI and the tests
share (index lifecycle, answering, tags), and each of its methods is short and hands the work to
the module that does it (indexer, search, answer, safety, catalogue); splitting the class would
scatter the facade without moving any logic out of it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, cast

import numpy as np

from .answer import Answer, quote_from_hit
from .chunker import Passage, chunk_articles
from .corpus import Article
from .embedder import Embedder
from .errors import BotError, IndexBusy, IndexMissing
from .freshness import Staleness, staleness
from .gate import BulkEncoder, EncoderGate
from .indexer import BuildReport, ChunkSettings, Progress, refresh_index
from .language import LanguageGuess
from .pipeline import Encoded, Kind, Limiter, Outcome, Question
from .safety import SafetyPolicy
from .safety.detector import split_message
from .search import DEFAULT_FUSION_ALPHA, DEFAULT_MIN_SCORE, search
from .store import IndexStore, LoadedIndex
from .tags import suggest_tags, tag_key
from .text import normalize, plural, sentence_spans

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
MORE = 6  # passages kept beyond k, for "More passages"
EMPTY_QUESTION = "Please write a question, for example: in what ways does intimacy aid growth?"
# How often a serving library looks whether another process (a shard, `python -m bot index build`)
# published a new index generation. One small file read.
FOLLOW_SECONDS = 5.0


class TagNotFound(BotError):
    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"No articles are tagged '{name}'.{hint}")


@dataclass(frozen=True)
class TagInfo:
    key: str
    display: str
    articles: int


class Library:
    def __init__(
        self,
        corpus_dir: Path | str,
        index_dir: Path | str,
        embedder: Embedder | Callable[[], Embedder],
        policy: SafetyPolicy | None = None,
        *,
        min_score: float = DEFAULT_MIN_SCORE,
        top_k: int = 3,
        chunking: ChunkSettings = ChunkSettings(),
        max_question_chars: int = MAX_QUESTION_CHARS,
        fusion_alpha: float = DEFAULT_FUSION_ALPHA,
        index_type: str = "auto",
        model_cache: Path | str | None = None,
        languages: frozenset[str] | None = frozenset({"en"}),
    ) -> None:
        self.corpus_dir = Path(corpus_dir)
        self.store = IndexStore(index_dir)
        # An embedder, or a function that loads one on first use (listing tags needs no model).
        self._embedder: Embedder | None = None
        self._embedder_factory: Callable[[], Embedder] | None = None
        if callable(embedder) and not hasattr(embedder, "encode"):
            self._embedder_factory = embedder
        else:
            self._embedder = cast(Embedder, embedder)  # an embedder may be callable too: encode tells them apart
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
        self.gate = EncoderGate()  # questions before bulk embedding
        self.languages = languages  # what the model reads (None: any); others get a kind note
        self._language = LanguageGuess()
        self.last_report: BuildReport | None = None  # the last refresh in this process, and when it ended
        self.last_refresh_at: float | None = None
        self.last_refresh_error: str | None = None  # why the last refresh failed, until one succeeds

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._embedder_lock:
                if self._embedder is None:
                    assert self._embedder_factory is not None  # __init__ keeps one of the two
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
                fresh = (
                    self.store.load(model=embedder.name, dimension=embedder.dimension)
                    if embedder is not None
                    else self.store.load()
                )
            except BotError as exc:
                self._unusable = path  # said once, not at every look
                log.warning("a new index was published but cannot be used; still serving the old one: %s", exc)
                return live
            log.info("now serving the index generation %s, published by another process", fresh.path.name)
            self._live = fresh
            return fresh
        finally:
            self._follow_lock.release()

    def load(
        self, *, build_if_missing: bool = True, check_model: bool = True, progress: Progress | None = None
    ) -> BuildReport | None:
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
        self.policy.attach(self.embedder, self.model_cache, notify, encode=self.encode_texts)

    def encode_texts(self, texts) -> np.ndarray:
        """The encoder for members' questions: ahead of any bulk embedding."""
        with self.gate.question():
            return self.embedder.encode(list(texts))

    def refresh(self, *, progress: Progress | None = None, wait: float = 0.0) -> BuildReport:
        """Re-read the corpus, embed what changed, swap the new index in.

        IndexBusy if a refresh is running (after waiting up to ``wait`` seconds for it to end).
        """
        acquired = self._refresh_lock.acquire(timeout=wait) if wait > 0 else self._refresh_lock.acquire(blocking=False)
        if not acquired:
            raise IndexBusy("an index refresh is already running; try again when it has finished")
        try:
            report = refresh_index(
                self.corpus_dir,
                self.store,
                BulkEncoder(self.embedder, self.gate),
                chunking=self.chunking,
                progress=progress,
                live=self._live,
                index_type=self.index_type,
            )
            if report.generation is not None:  # served as built, not read back
                self._live = report.generation
            elif self._live is None:
                self._live = self.store.load(model=self.embedder.name, dimension=self.embedder.dimension)
            self.prepare_safety()
        except IndexBusy:  # another process is building: nothing failed
            raise
        except Exception as exc:
            self.last_refresh_error = str(exc) if isinstance(exc, BotError) else f"unexpected {type(exc).__name__}"
            raise
        else:
            self.last_report, self.last_refresh_at, self.last_refresh_error = report, time.time(), None
            return report
        finally:
            self._refresh_lock.release()

    @property
    def refreshing(self) -> bool:
        return self._refresh_lock.locked()

    def staleness(self) -> Staleness | None:
        """What changed in the corpus since the live index was built (None without an index)."""
        try:
            index = self._live or self.store.load()
        except BotError:
            return None
        indexed = {a.path: a.content_hash for a in index.articles.values()}
        return staleness(self.corpus_dir, indexed, index.manifest.get("skipped_files") or {})

    def passages_of(self, article: Article) -> list[Passage]:
        """How the index would split ``article`` (its path as it will have in the corpus)."""
        embedder = self.embedder
        return chunk_articles(
            [article], embedder.count_tokens, embedder.max_tokens, self.chunking.max_tokens, self.chunking.min_tokens
        )

    def articles(self) -> list[Article]:
        """The articles in the live index, by title."""
        return sorted(self.index.articles.values(), key=lambda a: (a.title.casefold(), a.path))

    def encode_bulk(self, texts) -> np.ndarray:
        """The encoder for background work (feedback themes): members' questions go first."""
        return BulkEncoder(self.embedder, self.gate).encode(list(texts))

    # -- answering -------------------------------------------------------------------------------

    def encode(self, texts: list[str]) -> list[Encoded]:
        """Questions after the one encoder pass they need (all of them in one batch)."""
        self.prepare_safety()
        norms = [normalize(t) for t in texts]
        split = [split_message(t) for t in texts]
        wholes = [us[: len(us) - single] for us, single in split]
        unique = list(dict.fromkeys([*norms, *(u for us in wholes for u in us)]))
        vectors = self.encode_texts(unique) if unique else np.zeros((0, 1), np.float32)
        row = {t: i for i, t in enumerate(unique)}
        # A second, smaller pass: the single sentences of the short messages whose whole shows risk.
        detector = self.policy.detector
        read = [
            bool(single) and detector.wants_sentences(vectors[[row[u] for u in whole]])
            for (_, single), whole in zip(split, wholes)
        ]
        more = [u for (us, single), whole, r in zip(split, wholes, read) if r for u in us[len(whole) :]]
        more = [u for u in dict.fromkeys(more) if u not in row]
        if more:
            vectors = np.vstack([vectors, self.encode_texts(more)])
            row.update({t: len(unique) + i for i, t in enumerate(more)})
        out = []
        for n, (us, single), whole, r in zip(norms, split, wholes, read):
            kept = us if r else whole
            out.append(
                Encoded(
                    n,
                    vectors[row[n]],
                    tuple(kept),
                    vectors[[row[u] for u in kept]] if kept else vectors[:0],
                    single if r else 0,
                )
            )
        return out

    def decide(self, question: Question, encoded: Encoded, limiter: Limiter | None = None) -> Outcome:
        """Everything after the encoder: the crisis check, then limits, the tag, retrieval.

        A message too long to search is still assessed in full: it gets its card or check-in and
        a note that it was too long, never an error alone.
        """
        shown = encoded.shown
        if not encoded.text:
            return Outcome(Kind.EMPTY, shown, message=EMPTY_QUESTION)
        detector = self.policy.detector
        assessment = detector.decide(detector.unit_scores(encoded.units, encoded.unit_vectors, encoded.single))
        too_long = len(encoded.text) > self.max_question_chars
        info = self.policy.info(encoded.text, assessment, question.locale, too_long=too_long)
        if assessment.level == "crisis":
            return Outcome(Kind.CRISIS, shown, Answer(shown, (), info), assessment=assessment)
        if assessment.minor:
            return Outcome(Kind.MINOR, shown, Answer(shown, (), info), assessment=assessment)
        if too_long:
            return Outcome(
                Kind.TOO_LONG,
                shown,
                Answer(shown, (), info),
                assessment=assessment,
                message=f"Please keep questions under {self.max_question_chars:,} characters.",
            )
        foreign = self._language.foreign(encoded.text, self.languages)
        if foreign is not None:
            notes = self.policy.text.other_language
            return Outcome(Kind.OTHER_LANGUAGE, shown, message=notes.get(foreign, notes["en"]), assessment=assessment)
        wait = limiter.check(question) if limiter is not None else None
        if wait is not None:
            seconds = plural(max(1, round(wait.seconds)), "second")
            message = (
                f"This channel is getting a lot of questions right now. Please try again in {seconds}."
                if wait.channel
                else f"You're asking quickly. Please wait {seconds} before your next question."
            )
            return Outcome(Kind.RATE_LIMITED, shown, retry_after=wait.seconds, assessment=assessment, message=message)
        try:
            key = self.resolve_tag(question.tag) if question.tag else None
            index = self.index  # one generation for the whole answer, even if a refresh swaps meanwhile
        except TagNotFound as exc:
            return Outcome(Kind.UNKNOWN_TAG, shown, message=str(exc), assessment=assessment)
        except IndexMissing as exc:  # nothing to search (the CLI after a failed load): the check-in still shows
            answer = Answer(shown, (), info) if assessment.level == "check_in" else None
            return Outcome(Kind.FAILED, shown, answer, assessment=assessment, message=str(exc))
        k = question.k or self.top_k
        hits = search(
            index,
            encoded.vector,
            k=k + MORE,
            tag_key=key,
            min_score=self.min_score,
            allow_age_restricted=question.age_restricted,
            query_text=encoded.text,
            alpha=self.fusion_alpha,
        )
        claims = self._claims(index, hits[:k]) + [False] * max(0, len(hits) - k)
        quotes = tuple(quote_from_hit(h, index.tag_display, claim) for h, claim in zip(hits, claims))
        return Outcome(Kind.ANSWERED, shown, Answer(shown, quotes[:k], info, quotes[k:]), assessment=assessment)

    def ask(self, question: Question | str, limiter: Limiter | None = None, **context) -> Outcome:
        """Answer one question, start to finish (the CLI and tests; the bot batches through ``encode``)."""
        if isinstance(question, str):
            question = Question(question, **context)
        return self.decide(question, self.encode([question.text])[0], limiter)

    def _claims(self, index: LoadedIndex, hits) -> list[bool]:
        """The claim guard on each hit, given the index's vectors of its sentences (the same split)."""
        sentences = index.sentences
        if sentences is None:
            return self.policy.claims.many([h.passage.text for h in hits])
        out = []
        for h in hits:
            vectors = sentences.vectors_of_passage(h.row)
            out.append(
                self.policy.claims.check(
                    h.passage.text, vectors if len(vectors) == len(sentence_spans(h.passage.text)) else None
                )
            )
        return out

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
        """Close spellings and tags containing its words only (see tags.suggest_tags)."""
        return suggest_tags(name, {key: display for key, (display, _n) in self.index.tags().items()}, limit)

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
