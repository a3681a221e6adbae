"""When should the bot quote and when stay silent? The relevance threshold, calibrated on data.

Questions that should be answered: dataset questions whose best passage is a relevant one (by
the qrels), and the project's own answerable questions about the seed article. Questions that
should not: questions from another dataset (consumer health questions against a library of
therapists' answers), and off-topic questions against the seed article. For each threshold the
bot answers when the best passage's cosine reaches it; precision and recall of answering follow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..core.search import rank
from ..core.store import LoadedIndex
from ..core.text import normalize

if TYPE_CHECKING:
    from ..settings import Settings


@dataclass(frozen=True)
class Sample:
    source: str
    should_answer: bool
    score: float  # evidence of the best passage (passage and best-sentence cosines, search.rank)


def best_scores(index: LoadedIndex, embedder, questions: list[str]) -> np.ndarray:
    texts = [normalize(q) for q in questions]
    vectors = embedder.encode(texts, batch_size=32)
    return np.asarray(
        [max((e for _, _, e in rank(index, v, k=1, query_text=t)), default=-1.0) for v, t in zip(vectors, texts)]
    )


def answerable_from_dataset(index: LoadedIndex, embedder, ds, source: str) -> list[Sample]:
    """Dataset questions whose top document is relevant: these the bot should answer."""
    out = []
    qids = list(ds.queries)
    texts = [normalize(ds.queries[q]) for q in qids]
    vectors = embedder.encode(texts, batch_size=32)
    for qid, v, t in zip(qids, vectors, texts):
        top = rank(index, v, k=1, query_text=t)
        if top and index.passages[top[0][0]].article in ds.qrels.get(qid, {}):
            out.append(Sample(source, True, top[0][2]))
    return out


def question_samples(name: str, embedder, work: Path) -> list[Sample]:
    """A members' question set (evaluation.questions): its answerable questions whose answer the
    ranking finds (in the top 3 with no threshold) should be answered, its unanswerable ones not."""
    from .questions import ask_all, build_library_index, load_questions

    questions, articles = load_questions(name)
    index = build_library_index(articles, work, embedder)
    found = [o.found for o in ask_all(index, embedder, questions, min_score=-1.0)]
    scores = best_scores(index, embedder, [q.text for q in questions])
    return [
        Sample(f"{name} {'answerable' if q.answer else 'unanswerable'}", bool(q.answer), float(s))
        for q, f, s in zip(questions, found, scores)
        if f or not q.answer
    ]


def sweep(samples: list[Sample], thresholds=None) -> list[dict]:
    thresholds = thresholds if thresholds is not None else np.round(np.arange(0.20, 0.61, 0.01), 3)
    rows = []
    for t in thresholds:
        tp = sum(1 for s in samples if s.should_answer and s.score >= t)
        fp = sum(1 for s in samples if not s.should_answer and s.score >= t)
        fn = sum(1 for s in samples if s.should_answer and s.score < t)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        rows.append(
            {
                "threshold": float(t),
                "precision": p,
                "recall": r,
                "f1": f1,
                "quoted_noise": fp,
                "silent_on_answerable": fn,
            }
        )
    return rows


def choose(rows: list[dict], min_precision: float = 0.95) -> dict:
    """The threshold with the best recall among those quoting noise rarely (precision ≥ min)."""
    good = [r for r in rows if r["precision"] >= min_precision]
    return max(good, key=lambda r: (r["recall"], r["threshold"])) if good else max(rows, key=lambda r: r["f1"])


def format_sweep(rows: list[dict], chosen: dict, samples: list[Sample]) -> str:
    by_source: dict[str, list[float]] = {}
    for s in samples:
        by_source.setdefault(f"{s.source} ({'answer' if s.should_answer else 'silent'})", []).append(s.score)
    lines = ["best-passage cosine by source:"]
    for name, scores in sorted(by_source.items()):
        a = np.asarray(scores)
        lines.append(f"  {name:<44} n={len(a):>4}  min {a.min():.3f}  median {np.median(a):.3f}  max {a.max():.3f}")
    lines += [
        "",
        f"{'threshold':>9} {'precision':>10} {'recall':>8} {'f1':>6} {'noise quoted':>13} {'silent wrongly':>15}",
    ]
    for r in rows:
        mark = "  <- chosen" if r is chosen else ""
        lines.append(
            f"{r['threshold']:>9.3f} {r['precision']:>10.3f} {r['recall']:>8.3f} {r['f1']:>6.3f} "
            f"{r['quoted_noise']:>13} {r['silent_on_answerable']:>15}{mark}"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class AnswerabilityOptions:
    """python -m bot eval answerability's options (see bot.cli.evaluate for their help)."""

    dataset: str
    unanswerable: str
    split: str | None = None
    seed_questions: str = "tests/data/seed_questions.yaml"
    questions: str = "dev"
    min_precision: float = 0.95
    work: str = "index/eval"
    json: bool = False


def main(args: AnswerabilityOptions, settings: Settings) -> int:
    import shutil
    import tempfile

    import yaml

    from ..app import make_library
    from .retrieval import build_index, load_beir

    library = make_library(settings)
    embedder = library.embedder
    samples: list[Sample] = []
    ds = load_beir(args.dataset)
    index, _ = build_index(ds, Path(args.work), embedder)
    sub = ds.subset(args.split or None)
    samples += answerable_from_dataset(index, embedder, sub, ds.name)
    other = load_beir(args.unanswerable)
    samples += [
        Sample(f"{other.name} on {ds.name}", False, s)
        for s in best_scores(index, embedder, list(other.queries.values()))
    ]
    cases = yaml.safe_load(Path(args.seed_questions).read_text(encoding="utf-8"))
    tmp = Path(tempfile.mkdtemp())
    try:
        seed = type(library)(settings.corpus_dir, tmp, embedder)
        seed.load()
        samples += [
            Sample("seed answerable", True, s)
            for s in best_scores(seed.index, embedder, [c["q"] for c in cases["answerable"]])
        ]
        samples += [Sample("seed off-topic", False, s) for s in best_scores(seed.index, embedder, cases["off_topic"])]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for name in args.questions.split(",") if args.questions else []:
        samples += question_samples(name.strip(), embedder, Path(args.work))
    rows = sweep(samples)
    chosen = choose(rows, args.min_precision)
    if args.json:
        print(json.dumps({"chosen": chosen, "sweep": rows}))
    else:
        print(format_sweep(rows, chosen, samples))
    return 0
