"""Retrieval measured on BEIR-layout datasets with the product's own pipeline.

The dataset's documents become articles, are chunked, embedded and indexed exactly as the corpus
is (the index is cached under the work folder and refreshed incrementally), and each question is
ranked by the product's ranking function. A document scores as its best passage. Metrics come
from ranx: Recall@1/5/10, MRR@10, nDCG@10; plus latency per question (encode + rank).

A little over 300 lines on purpose: dataset loading, index building, ranking configurations and
their report are one measurement, each part used only by the others.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..core.corpus import Article, CorpusScan
from ..core.embedder import Embedder
from ..core.indexer import ChunkSettings, refresh_index
from ..core.search import BM25_DEPTH, DEFAULT_FUSION_ALPHA, rank, sentence_weight
from ..core.store import IndexStore, LoadedIndex
from ..core.text import normalize
from .cache import CachedEmbedder
from .metrics import lower_percentile

if TYPE_CHECKING:
    from ..settings import Settings

METRICS = ["recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"]


@dataclass
class Dataset:
    name: str
    docs: dict[str, tuple[str, str]]
    queries: dict[str, str]
    splits: dict[str, str]
    qrels: dict[str, dict[str, int]]

    def subset(self, split: str | None = None, limit: int | None = None) -> "Dataset":
        qids = [q for q in self.queries if q in self.qrels and (not split or self.splits.get(q) in split.split(","))]
        if limit:
            qids = qids[:limit]
        return Dataset(
            self.name,
            self.docs,
            {q: self.queries[q] for q in qids},
            {q: self.splits.get(q, "") for q in qids},
            {q: self.qrels[q] for q in qids},
        )


def load_beir(folder: Path | str, *, min_grade: int = 1, query_field: str = "text") -> Dataset:
    folder = Path(folder)
    docs = {}
    with open(folder / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            docs[str(row["_id"])] = (row.get("title") or "", row.get("text") or "")
    queries, splits = {}, {}
    with open(folder / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            queries[str(row["_id"])] = row.get(query_field) or row["text"]
            splits[str(row["_id"])] = row.get("split", "")
    qrels: dict[str, dict[str, int]] = {}
    with open(folder / "qrels.tsv", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            qid, did, score = line.rstrip("\n").split("\t")[:3]
            if int(float(score)) >= min_grade and did in docs:
                qrels.setdefault(qid, {})[did] = 1
    return Dataset(folder.name, docs, queries, splits, qrels)


def _articles(ds: Dataset) -> list[Article]:
    out = []
    for did, (title, text) in ds.docs.items():
        body = text.strip()
        if not body:
            continue
        out.append(
            Article(
                path=did,
                title=title.strip() or did,
                body=body,
                content_hash=hashlib.sha256(f"{title}\0{body}".encode()).hexdigest(),
            )
        )
    return out


def build_index(
    ds: Dataset, work: Path, embedder: Embedder, *, chunking: ChunkSettings = ChunkSettings(), progress=None
) -> tuple[LoadedIndex, dict]:
    """Index the dataset's documents with the product pipeline (cached, refreshed incrementally)."""
    variant = f"t{chunking.max_tokens}" + ("" if chunking.title_context else "-notitle")
    slug = re.sub(r"[^a-z0-9]+", "-", f"{ds.name}-{embedder.name}-{variant}".lower()).strip("-")
    store = IndexStore(work / slug)
    started = time.perf_counter()
    cached = CachedEmbedder(embedder, work / "cache")
    try:
        report = refresh_index(
            None, store, cached, scan=CorpusScan(articles=_articles(ds)), chunking=chunking, progress=progress
        )
    finally:
        cached.flush()
    info = {
        "seconds": time.perf_counter() - started,
        "passages": report.passages_total,
        "embedded": report.passages_embedded,
        "sentences": report.sentences_total,
        "embedded_now": cached.misses,
    }
    index = report.generation or store.load(model=embedder.name, dimension=embedder.dimension)
    return index, info


@dataclass
class Config:
    name: str
    alpha: float = 0.0  # 0: dense only; 1: BM25 only (dense candidates kept at the end)
    rrf: bool = False
    rrf_weight: float = 1.0  # BM25's weight in reciprocal rank fusion (dense has 1)
    bm25_depth: int = BM25_DEPTH  # BM25's scale runs from this rank's score to the best (see search.rank)
    weights: tuple[float, float] | None = None  # the best sentence's share for short and long questions;
    # None: the bot's (search.sentence_weight); (0, 0): passages alone, the ranking before sentence evidence

    @classmethod
    def parse(cls, text: str) -> "Config":
        """dense, bm25, rrf, wrrf:W, hybrid[:ALPHA[:DEPTH]], each optionally /SHORT:LONG (sentence shares).

        ``dense`` and ``hybrid`` use the bot's sentence evidence; ``/0:0`` ranks passages alone
        (``passage`` and ``passage-dense`` are short for ``hybrid/0:0`` and ``dense/0:0``).
        """
        text = text.strip()
        aliases = {"passage": "hybrid/0:0", "passage-dense": "dense/0:0"}
        base, _, shares = aliases.get(text, text).partition("/")
        try:
            weights = tuple(float(x) for x in shares.split(":")) if shares else None
            if weights is not None and (len(weights) != 2 or not all(0 <= x <= 1 for x in weights)):
                raise ValueError(text)
            config = cls._parse_base(base)
        except ValueError:
            raise ValueError(
                f"unknown configuration '{text}' (dense, bm25, rrf, wrrf:WEIGHT, hybrid (the bot's), "
                "hybrid:ALPHA or hybrid:ALPHA:BM25_DEPTH, each optionally /SHORT:LONG; "
                "passage, passage-dense)"
            ) from None
        return replace(config, name=text, weights=weights)

    @classmethod
    def _parse_base(cls, text: str) -> "Config":
        if text == "dense":
            return cls("dense")
        if text == "bm25":
            return cls("bm25", alpha=1.0)
        if text == "rrf":
            return cls("rrf", rrf=True)
        if text.startswith("wrrf:"):
            return cls(text, rrf=True, rrf_weight=float(text.split(":", 1)[1]))
        if text == "hybrid":  # the bot's ranking: main() applies BOT_FUSION_ALPHA when it is set
            return cls("hybrid", alpha=DEFAULT_FUSION_ALPHA)
        if text.startswith("hybrid:"):
            alpha, _, depth = text.split(":", 1)[1].partition(":")
            config = cls(text, alpha=float(alpha), bm25_depth=int(depth) if depth else BM25_DEPTH)
            if 0 <= config.alpha <= 1 and config.bm25_depth >= 1:
                return config
        raise ValueError(text)

    def weight(self, question: str) -> float | None:
        """The sentence share for ``question`` (None: the bot's own rule)."""
        return None if self.weights is None else sentence_weight(question, *self.weights)


def _rrf(
    index: LoadedIndex, vec: np.ndarray, text: str, depth: int, weight: float = 1.0, k: int = 60
) -> list[tuple[int, float]]:
    dense = index.search(vec, depth)
    lexical = index.lexical.search(text, depth) if index.lexical else []
    scores: dict[int, float] = {}
    for w, ranking in ((1.0, dense), (weight, lexical)):
        for r, (row, _) in enumerate(ranking):
            scores[row] = scores.get(row, 0.0) + w / (k + r + 1)
    return sorted(scores.items(), key=lambda t: -t[1])


def ranked_docs(index: LoadedIndex, vec: np.ndarray, text: str, config: Config, depth: int = 100) -> dict[str, float]:
    if config.rrf:
        rows = _rrf(index, vec, text, depth, config.rrf_weight)
    else:
        rows = [
            (row, fused)
            for row, fused, _ in rank(
                index,
                vec,
                k=depth,
                query_text=text,
                alpha=config.alpha,
                bm25_depth=config.bm25_depth,
                weight=config.weight(text),
            )
        ]
    docs: dict[str, float] = {}
    for row, score in rows:
        did = index.passages[row].article
        if did not in docs:
            docs[did] = float(score)
    return docs


@dataclass
class Result:
    config: str
    metrics: dict[str, float]
    latency_ms: dict[str, float] = field(default_factory=dict)
    queries: int = 0


def evaluate(
    ds: Dataset, index: LoadedIndex, embedder: Embedder, configs: list[Config], latency_sample: int = 50
) -> list[Result]:
    from ranx import Qrels, Run
    from ranx import evaluate as ranx_evaluate

    qids = list(ds.queries)
    texts = [normalize(ds.queries[q]) for q in qids]
    vectors = embedder.encode(texts, batch_size=32)
    qrels = Qrels(ds.qrels)
    results = []
    for config in configs:
        run = {q: ranked_docs(index, v, t, config) or {"-": 0.0} for q, v, t in zip(qids, vectors, texts)}
        scores = ranx_evaluate(qrels, Run(run), METRICS, make_comparable=True)
        assert isinstance(scores, dict)  # several metrics: ranx returns a score per metric
        lat = []
        for text in texts[:latency_sample]:  # one question at a time, as the bot answers
            t0 = time.perf_counter()
            v = embedder.encode([text])[0]
            ranked_docs(index, v, text, config, depth=20)
            lat.append((time.perf_counter() - t0) * 1000)
        lat.sort()
        results.append(
            Result(
                config.name,
                {m: float(scores[m]) for m in METRICS},
                {"p50": statistics.median(lat), "p95": lower_percentile(lat, 95)} if lat else {},
                len(qids),
            )
        )
    return results


def format_results(title: str, results: list[Result]) -> str:
    head = f"{'configuration':<22}" + "".join(f"{m:>11}" for m in METRICS) + f"{'p50 ms':>9}{'p95 ms':>9}"
    lines = [title, head]
    for r in results:
        lines.append(
            f"{r.config:<22}"
            + "".join(f"{r.metrics[m]:>11.3f}" for m in METRICS)
            + f"{r.latency_ms.get('p50', 0):>9.1f}{r.latency_ms.get('p95', 0):>9.1f}"
        )
    return "\n".join(lines)


def parse_configs(text: str) -> list[Config]:
    return [Config.parse(c) for c in text.split(",")]


@dataclass(frozen=True)
class RetrievalOptions:
    """python -m bot eval retrieval's options (see bot.cli.evaluate for their help)."""

    dataset: str
    config: list[Config]
    split: str | None = None
    min_grade: int = 1
    query_field: str = "text"
    limit: int | None = None
    max_tokens: int = 256
    no_title: bool = False
    work: str = "index/eval"
    json: bool = False


def main(args: RetrievalOptions, settings: Settings) -> int:
    from ..app import make_library

    library = make_library(settings)
    embedder = library.embedder
    ds = load_beir(args.dataset, min_grade=args.min_grade, query_field=args.query_field)
    work = Path(args.work)
    chunking = ChunkSettings(max_tokens=args.max_tokens, title_context=not args.no_title)
    index, info = build_index(ds, work, embedder, chunking=chunking)
    configs = [
        replace(c, name=c.name.replace("hybrid", f"hybrid:{settings.fusion_alpha}", 1), alpha=settings.fusion_alpha)
        if c.name.split("/")[0] == "hybrid"
        else c
        for c in args.config
    ]
    out = []
    for split in args.split.split(";") if args.split else [None]:
        sub = ds.subset(split or None, args.limit)
        results = evaluate(sub, index, embedder, configs)
        label = f"{ds.name}, {split or 'all'} queries ({len(sub.queries)}), {info['passages']} passages"
        out.append((label, results))
    if args.json:
        print(
            json.dumps(
                [{"set": label, "index": info, "results": [r.__dict__ for r in results]} for label, results in out]
            )
        )
    else:
        print(
            f"index: {info['passages']} passages, {info['sentences']} sentence units, {info['embedded_now']} texts "
            f"embedded now (the rest from the cache), {info['seconds']:.1f} s"
        )
        print("\n\n".join(format_results(label, results) for label, results in out))
    return 0
