"""Members' questions over the library: is the sentence that answers in the quotes, and is the
bot silent when nothing answers?

A question set is a YAML list of ``{q, answer, article, kind}`` (``answer`` null: nothing in the
library answers it). The library is the seed article (``corpus/``) plus the set's articles,
indexed with the product pipeline; each question is searched as the bot searches (its threshold,
fusion and sentence evidence) and its first ``top_k`` quotes are read. Reported per kind of
question: the share of answerable questions whose answering sentence is in a quote (and in a
highlighted span), and the share of unanswerable ones that quote anything.

Sets: ``dev`` (tests/data/dev/retrieval, tuned on), ``dev2`` (tests/data/dev/retrieval2: ten
more articles and 510 questions, 190 unanswerable and close to an article's topic; written to
train a learned ranker that was not adopted, kept as a second development set), ``blind``
(tests/data/blind/retrieval, only reported), ``blind2`` (tests/data/blind/retrieval2, a second blind
set: six more articles, 130 questions; only reported), ``seed`` (tests/data/seed_questions.yaml: a phrase of
the passage, and off-topic questions).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from ..core.corpus import CorpusScan, scan_corpus
from ..core.indexer import refresh_index
from ..core.search import DEFAULT_FUSION_ALPHA, DEFAULT_MIN_SCORE, Hit, search
from ..core.store import IndexStore, LoadedIndex
from ..core.text import normalize
from .cache import CachedEmbedder

if TYPE_CHECKING:
    from ..settings import Settings

ROOT = Path(__file__).resolve().parent.parent.parent
SETS = {
    "dev": ROOT / "tests" / "data" / "dev" / "retrieval",
    "dev2": ROOT / "tests" / "data" / "dev" / "retrieval2",
    "blind": ROOT / "tests" / "data" / "blind" / "retrieval",
    "blind2": ROOT / "tests" / "data" / "blind" / "retrieval2",
    "seed": ROOT / "tests" / "data" / "seed_questions.yaml",
}
SEED_CORPUS = ROOT / "corpus"


@dataclass(frozen=True)
class Question:
    text: str
    answer: str | None  # the answering sentence (or, for the seed set, a phrase of the passage)
    kind: str


@dataclass
class Outcome:
    question: Question
    hits: list[Hit]
    found: bool  # the answer is in one of the quotes
    highlighted: bool  # ... inside a highlighted span
    rank: int | None  # 1-based quote that holds it

    @property
    def quoted(self) -> bool:
        return bool(self.hits)


def _flat(text: str) -> str:
    return " ".join(text.split()).casefold()


def load_questions(name_or_path: str) -> tuple[list[Question], Path | None]:
    """The questions of a set and its articles folder (None: the seed article alone)."""
    path = SETS.get(name_or_path, Path(name_or_path))
    if path.is_dir():
        rows = yaml.safe_load((path / "questions.yaml").read_text(encoding="utf-8"))
        return [Question(r["q"], r.get("answer"), r.get("kind") or "") for r in rows], path / "articles"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = [Question(c["q"], c["passage"], "seed") for c in data["answerable"]]
    out += [Question(q, None, "off-topic") for q in data["off_topic"]]
    return out, None


def build_library_index(articles: Path | None, work: Path, embedder) -> LoadedIndex:
    """The seed article plus ``articles``, indexed like corpus/ (cached by encoder under ``work``)."""
    scan = scan_corpus(SEED_CORPUS)
    extra = scan_corpus(articles).articles if articles else []
    scan = CorpusScan(articles=scan.articles + extra)
    where = "seed" if articles is None else f"{articles.parent.parent.name}-{articles.parent.name}"
    slug = f"questions-{where}-" + "".join(c if c.isalnum() else "-" for c in embedder.name)
    store = IndexStore(work / slug)
    cached = CachedEmbedder(embedder, work / "cache")
    try:
        report = refresh_index(None, store, cached, scan=scan)
    finally:
        cached.flush()
    return report.generation or store.load(model=embedder.name, dimension=embedder.dimension)


def ask_all(
    index: LoadedIndex,
    embedder,
    questions: list[Question],
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    alpha: float = DEFAULT_FUSION_ALPHA,
    top_k: int = 3,
    weight: float | Callable[[str], float] | None = None,
) -> list[Outcome]:
    """Search every question as the bot does and read its first ``top_k`` quotes.

    ``weight``: None (the bot's sentence share), a number, or a function of the question text.
    """
    texts = [normalize(q.text) for q in questions]
    vectors = embedder.encode(texts, batch_size=32)
    out = []
    for q, text, vec in zip(questions, texts, vectors):
        w = weight(text) if callable(weight) else weight
        hits = search(index, vec, k=top_k + 6, min_score=min_score, query_text=text, alpha=alpha, weight=w)[:top_k]
        found = highlighted = False
        rank = None
        if q.answer:
            want = _flat(q.answer)
            for i, h in enumerate(hits, 1):
                if want in _flat(h.passage.text):
                    found, rank = True, rank or i
                    marked = " ".join(_flat(h.passage.text[s:e]) for s, e in h.highlights)
                    highlighted = highlighted or want in marked or marked in want and len(marked) > 20
                    break
        out.append(Outcome(q, hits, found, highlighted, rank))
    return out


@dataclass
class Tally:
    answerable: int = 0
    found: int = 0
    highlighted: int = 0
    first: int = 0
    unanswerable: int = 0
    quoted: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, o: Outcome) -> None:
        if o.question.answer:
            self.answerable += 1
            self.found += o.found
            self.highlighted += o.highlighted
            self.first += o.rank == 1
            if not o.found:
                self.misses.append(f"missed: {o.question.text}")
        else:
            self.unanswerable += 1
            self.quoted += o.quoted
            if o.quoted:
                self.misses.append(f"quoted: {o.question.text} ({o.hits[0].score:.3f})")

    def row(self) -> dict:
        share = lambda a, b: round(a / b, 3) if b else None  # noqa: E731
        return {
            "answerable": self.answerable,
            "in_top_3": share(self.found, self.answerable),
            "first": share(self.first, self.answerable),
            "highlighted": share(self.highlighted, self.answerable),
            "unanswerable": self.unanswerable,
            "quoting": share(self.quoted, self.unanswerable),
        }


def tally(outcomes: list[Outcome]) -> dict[str, Tally]:
    kinds: dict[str, Tally] = {"all": Tally()}
    for o in outcomes:
        kinds["all"].add(o)
        kinds.setdefault(o.question.kind or "-", Tally()).add(o)
    return kinds


def format_tally(title: str, kinds: dict[str, Tally], *, misses: bool = False) -> str:
    lines = [
        title,
        f"{'kind':<24}{'answerable':>11}{'in top 3':>10}{'first':>8}{'marked':>8}{'unanswerable':>14}{'quoting':>9}",
    ]
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    for name, t in sorted(kinds.items(), key=lambda kv: (kv[0] != "all", kv[0])):
        r = t.row()
        lines.append(
            f"{name:<24}{r['answerable']:>11}{fmt(r['in_top_3']):>10}{fmt(r['first']):>8}"
            f"{fmt(r['highlighted']):>8}{r['unanswerable']:>14}{fmt(r['quoting']):>9}"
        )
    if misses:
        lines += ["", *kinds["all"].misses]
    return "\n".join(lines)


def _weights(spec: str | None) -> list[tuple[float, float] | None]:
    """'0.5/0.2,0.7/0.1' -> [(0.5, 0.2), (0.7, 0.1)]; None -> [None] (the bot's own)."""
    if not spec:
        return [None]
    return [tuple(float(x) for x in part.split("/")) for part in spec.split(",")]  # type: ignore[misc]


@dataclass(frozen=True)
class QuestionsOptions:
    """python -m bot eval questions' options (see bot.cli.evaluate for their help)."""

    set: str = "seed,dev"
    work: str = "index/eval"
    threshold: float | None = None
    weights: str | None = None
    show: bool = False
    json: bool = False


def main(args: QuestionsOptions, settings: Settings) -> int:
    from ..app import make_library
    from ..core.search import sentence_weight

    embedder = make_library(settings).embedder
    threshold = settings.relevance_threshold if args.threshold is None else args.threshold
    reports = []
    for name in args.set.split(","):
        questions, articles = load_questions(name.strip())
        index = build_library_index(articles, Path(args.work), embedder)
        for pair in _weights(args.weights):
            weight = None if pair is None else (lambda t, p=pair: sentence_weight(t, *p))
            outcomes = ask_all(
                index,
                embedder,
                questions,
                min_score=threshold,
                alpha=settings.fusion_alpha,
                top_k=settings.top_k,
                weight=weight,
            )
            kinds = tally(outcomes)
            units = index.sentences.size if index.sentences is not None else 0
            title = (
                f"{name}: {len(questions)} questions, {index.size} passages, {units} sentence "
                f"units, threshold {threshold}, {embedder.name}"
                + ("" if pair is None else f", sentence weight short {pair[0]} / long {pair[1]}")
            )
            reports.append((title, kinds))
    if args.json:
        print(json.dumps([{"set": t, "kinds": {k: v.row() for k, v in kinds.items()}} for t, kinds in reports]))
    else:
        print("\n\n".join(format_tally(t, kinds, misses=args.show) for t, kinds in reports))
    return 0
