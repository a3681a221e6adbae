"""What members' votes and unanswered questions say about the library, for its moderators.

Votes (Helpful / Not helpful) are counted per article and per passage over a period; the passages
voted down most are listed. Unanswered questions (nothing in the library was close enough to quote)
are counted per day. Their text exists only where the deployment keeps question text
(BOT_FEEDBACK_KEEP_QUESTION); then they are grouped by meaning (embedded with the library's
encoder, agglomerative clustering on cosine distance) so moderators see themes, not a list.
Nothing here has or stores a user id.
"""

from __future__ import annotations

import calendar
import json
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .text import normalize
from .tuning import TUNED_MARK

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Average cosine distance within a theme. With MiniLM on 30 hand-written questions in 9 themes
# (tests/core/test_insights.py), 0.65 agreed best with the themes written (adjusted Rand 0.84 and 0.89
# on the two sets; 0.55 split paraphrases apart, 0.75 and above merged themes).
THEME_DISTANCE = 0.65
# The encoder tuned on members' questions (tuning.py) spreads questions further apart: on the set
# that chose 0.65, 0.70 to 0.80 agree at 0.84 to 1.00 (0.65: 0.77; 0.85: 0.73, themes merge); 0.75,
# the middle of that range, gives 1.00 on the second set, which was seen while choosing.
THEME_DISTANCE_TUNED = 0.75


def theme_distance(model: str | None) -> float:
    """The theme distance for the encoder named ``model`` (an index manifest's "model")."""
    return THEME_DISTANCE_TUNED if model and TUNED_MARK in model else THEME_DISTANCE


MAX_CLUSTERED = 2000  # the most recent unanswered questions grouped into themes
SHOWN = 10


def now_stamp() -> str:
    return time.strftime(TIME_FORMAT, time.gmtime())


def _epoch(stamp: object) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(str(stamp), TIME_FORMAT)))
    except (ValueError, OverflowError):
        return None


def read_records(path: Path | str, since: float | None = None) -> list[dict]:
    """The JSON-lines records of ``path`` from ``since`` (epoch seconds) on; damaged lines are passed over."""
    path = Path(path)
    if not path.is_file():
        return []
    out = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict):
                continue
            at = _epoch(record.get("time"))
            if at is None or (since is not None and at < since):
                continue
            out.append(record)
    return out


class UnansweredLog:
    """Appends one line per unanswered question: its time, and its text only if the deployment keeps it."""

    def __init__(self, path: Path | str, *, keep_question: bool = False) -> None:
        self.path = Path(path)
        self.keep_question = keep_question
        self._lock = threading.Lock()

    def record(self, question: str | None) -> dict:
        entry: dict = {"time": now_stamp()}
        if self.keep_question and question:
            entry["question"] = normalize(question)[:300]
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return entry


@dataclass(frozen=True)
class Votes:
    helpful: int = 0
    not_helpful: int = 0

    @property
    def total(self) -> int:
        return self.helpful + self.not_helpful


@dataclass(frozen=True)
class ArticleVotes:
    path: str
    title: str
    votes: Votes


@dataclass(frozen=True)
class PassageVotes:
    id: str
    article: str
    title: str
    text: str  # empty if the passage is no longer in the library
    votes: Votes


@dataclass(frozen=True)
class Theme:
    count: int
    example: str  # the question nearest the theme's centre


@dataclass(frozen=True)
class Insights:
    days: int  # the period: the last N days, 0 for all time
    votes: Votes
    articles: tuple[ArticleVotes, ...]  # most votes first
    passages: tuple[PassageVotes, ...]  # most votes first
    least_helpful: tuple[PassageVotes, ...]  # voted down more than up, worst first
    unanswered: int
    unanswered_by_day: tuple[tuple[str, int], ...]  # (YYYY-MM-DD, count), most recent first
    themes: tuple[Theme, ...] | None  # None where question text is not kept
    themed: int = 0  # how many unanswered questions had their text kept (and were grouped)


def _passage_info(index, wanted: set[str]) -> dict[str, tuple[str, str, str]]:
    """passage id -> (article path, title, text) for the ids still in ``index``."""
    found: dict[str, tuple[str, str, str]] = {}
    if index is None or not wanted:
        return found
    for p in index.passages:
        if p.id in wanted:
            found[p.id] = (p.article, p.title, p.text)
            if len(found) == len(wanted):
                break
    return found


def gather(
    feedback_file: Path | str,
    unanswered_file: Path | str,
    index=None,
    *,
    days: int = 7,
    keep_question: bool = False,
    encode: Callable[[Sequence[str]], np.ndarray] | None = None,
    now: float | None = None,
) -> Insights:
    """Votes and unanswered questions over the last ``days`` days (0: all time).

    ``index``: the live index, for titles and passage texts; ``encode``: the library's encoder, for
    themes (needed only with ``keep_question``).
    """
    since = None if days <= 0 else (now if now is not None else time.time()) - days * 86400
    up: Counter[str] = Counter()
    down: Counter[str] = Counter()
    art_up: Counter[str] = Counter()
    art_down: Counter[str] = Counter()
    article_of: dict[str, str] = {}
    helpful = not_helpful = 0
    records = read_records(feedback_file, since)
    for r in records:
        good = r.get("helpful") is True
        helpful += good
        not_helpful += not good
        passages = [str(p) for p in r.get("passages") or []]
        articles = [str(a) for a in r.get("articles") or []]
        for i, pid in enumerate(passages):
            (up if good else down)[pid] += 1
            if i < len(articles):
                article_of[pid] = articles[i]
    info = _passage_info(index, set(up) | set(down))
    for pid, (path, _, _) in info.items():
        article_of[pid] = path
    titles = {p: a.title for p, a in (index.articles.items() if index is not None else ())}
    for r in records:
        good = r.get("helpful") is True
        for path in {article_of[str(p)] for p in r.get("passages") or [] if str(p) in article_of}:
            (art_up if good else art_down)[path] += 1

    def passage(pid: str) -> PassageVotes:
        path, title, text = info.get(pid, (article_of.get(pid, ""), "", ""))
        return PassageVotes(
            pid, path, title or titles.get(path, "") or "(no longer in the library)", text, Votes(up[pid], down[pid])
        )

    passages = sorted(
        (passage(p) for p in set(up) | set(down)), key=lambda p: (-p.votes.total, -p.votes.not_helpful, p.title, p.id)
    )
    least = sorted(
        (p for p in passages if p.votes.not_helpful > p.votes.helpful),
        key=lambda p: (p.votes.helpful - p.votes.not_helpful, -p.votes.not_helpful, p.title),
    )
    articles = sorted(
        (
            ArticleVotes(a, titles.get(a, "(no longer in the library)"), Votes(art_up[a], art_down[a]))
            for a in set(art_up) | set(art_down)
        ),
        key=lambda a: (-a.votes.total, -a.votes.not_helpful, a.title),
    )

    unanswered = read_records(unanswered_file, since)
    per_day = Counter(str(r["time"])[:10] for r in unanswered)
    themes = None
    questions = [str(r["question"]) for r in unanswered if r.get("question")]
    if keep_question:
        model = index.manifest.get("model") if index is not None else None
        distance = theme_distance(model)
        themes = tuple(cluster_questions(questions, encode, distance=distance)) if questions and encode else ()
    return Insights(
        days,
        Votes(helpful, not_helpful),
        tuple(articles),
        tuple(passages),
        tuple(least),
        len(unanswered),
        tuple(sorted(per_day.items(), reverse=True)),
        themes,
        len(questions) if keep_question else 0,
    )


def theme_labels(vectors: np.ndarray, distance: float = THEME_DISTANCE) -> np.ndarray:
    """A theme number for each (normalized) vector: average-linkage clustering on cosine distance."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=int)
    from sklearn.cluster import AgglomerativeClustering

    return AgglomerativeClustering(
        # sklearn has no annotations; its default (2) makes pyright take n_clusters for int only
        n_clusters=None,  # pyright: ignore[reportArgumentType]
        distance_threshold=distance,
        metric="cosine",
        linkage="average",
    ).fit_predict(vectors)


def cluster_questions(
    questions: Sequence[str],
    encode: Callable[[Sequence[str]], np.ndarray],
    *,
    distance: float = THEME_DISTANCE,
    limit: int = MAX_CLUSTERED,
) -> list[Theme]:
    """Group questions by meaning: themes with their size and the question nearest each centre, largest first."""
    counts = Counter(normalize(q) for q in list(questions)[-limit:] if normalize(q))
    texts = list(counts)
    if not texts:
        return []
    vectors = np.asarray(encode(texts), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    labels = theme_labels(vectors, distance)
    groups: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(labels.tolist()):
        groups[label].append(i)
    themes = []
    for members in groups.values():
        centre = vectors[members].mean(axis=0)
        nearest = members[int(np.argmax(vectors[members] @ centre))]
        themes.append(Theme(sum(counts[texts[i]] for i in members), texts[nearest]))
    return sorted(themes, key=lambda t: (-t.count, t.example))
