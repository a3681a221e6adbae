"""One bench run: every corpus size, both stacks, every figure (see bot.bench)."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..evaluation.metrics import percentile
from .corpus import QUESTIONS, _recall_questions, _touch_one_article, generate_corpus
from .hnsw import _million, _recall, _recall_file
from .report import _print_million, _print_recall_real, _print_size, _say
from .stacks import Stack, _latency, _library, _probe, _same_model, _transplant, n_vectors_mib

if TYPE_CHECKING:
    from ..core.store import LoadedIndex
    from ..settings import Settings


@dataclass(frozen=True)
class BenchOptions:
    """python -m bot bench's options (see bot.cli.bench for their help)."""

    sizes: str = "1k,10k,100k"
    encoder: str | None = None  # the product's; None: the settings'
    index_type: str | None = None
    embed_limit: int = 100_000
    baseline_embed_limit: int = 10_000
    rounds: int = 10
    cold_runs: int = 3
    million: int = 0
    recall_vectors: str | None = None
    source: str = "corpus"
    work: str = "index/bench"
    reuse_builds: bool = False


def run(args: BenchOptions, settings: Settings | None = None) -> dict:
    """Measure both stacks at every size; print the tables and return every figure.

    ``settings``: the product's (paths, model, encoder); by default from the environment."""
    from ..core.embedder import load_embedder
    from ..settings import Settings

    if settings is None:
        settings = Settings.from_env()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s.replace("k", "000").replace("M", "000000")) for s in args.sizes.split(",") if s.strip()]
    baseline = Stack("baseline", "torch", "flat")
    product = Stack("product", args.encoder or settings.encoder, args.index_type or settings.index_type)
    stacks = [baseline, product]
    # torch first: importing faiss before torch loads two OpenMP runtimes and slows both.
    for stack in stacks:
        # Both stacks read the configured model, tuned or not (the same network: tuning changes no timing).
        stack.embedder = load_embedder(
            settings.model, encoder=stack.encoder, cache_dir=settings.model_cache_dir, tune=settings.tune
        )
    import faiss

    faiss.omp_set_num_threads(1)  # serving: one query at a time per thread
    report: dict = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "stacks": {s.name: {"encoder": s.embedder.name, "index_type": s.index_type} for s in stacks},
        "sizes": [],
    }
    _say(
        f"bench: baseline = {baseline.embedder.name} + {baseline.index_type}; "
        f"product = {product.embedder.name} + {product.index_type}; sizes {sizes}"
    )
    largest_real: LoadedIndex | None = None
    largest_corpus: Path | None = None
    for n in sizes:
        corpus = work / f"corpus-{n}"
        articles = generate_corpus(corpus, n, Path(args.source))
        entry: dict = {"n": n, "articles": articles, "stacks": {}}
        built: dict[str, LoadedIndex] = {}
        for stack in sorted(stacks, key=lambda s: s is baseline):  # the product first: its vectors may be lent
            index_dir = work / f"index-{n}-{stack.name}"
            figures: dict = {}
            library = stack.library = _library(settings, stack, corpus, index_dir)
            real = n <= (args.baseline_embed_limit if stack is baseline else args.embed_limit)
            if real or not built:
                if args.reuse_builds and _same_model(index_dir, stack.embedder):
                    _say(f"  N={n} {stack.name}: full-build figures from an earlier run (--reuse-builds)")
                    figures.update(json.loads((index_dir / ".bench-build.json").read_text()), build_reused=True)
                else:
                    shutil.rmtree(index_dir, ignore_errors=True)
                    _say(f"  N={n} {stack.name}: full build ...")
                    rep = library.refresh()
                    figures = {
                        "build_s": rep.seconds,
                        "build_passages": rep.passages_total,
                        "build_per_s": rep.passages_total / rep.seconds,
                    }
                    (index_dir / ".bench-build.json").write_text(json.dumps(figures))
                library.load(build_if_missing=False)
            else:
                donor = built[product.name]
                _say(
                    f"  N={n} {stack.name}: index given the product's vectors (no {stack.encoder} full build "
                    f"above --{'baseline-' if stack is baseline else ''}embed-limit)"
                )
                _transplant(donor, index_dir, stack.embedder, stack.index_type)
                library.load(build_if_missing=False)
                figures["vectors_lent"] = True
            index = library.index
            figures["passages"] = index.size
            built[stack.name] = index
            # Refreshes: nothing changed, then one article changed (and put back, untimed).
            times = []
            for _ in range(3):
                times.append(library.refresh().seconds)
            figures["nochange_s"] = statistics.median(times)
            path, original = _touch_one_article(corpus)
            try:
                rep = library.refresh()
                figures["one_article_s"] = rep.seconds
                figures["one_article_embedded"] = rep.passages_embedded
            finally:
                path.write_text(original, encoding="utf-8")
                library.refresh()
            built[stack.name] = live = library.index  # the refreshes published newer generations
            figures.update(
                index_type=live.index_type,
                ef_search=live.manifest.get("ef_search"),
                build_recall_at_10=live.manifest.get("recall_at_10"),
            )
            entry["stacks"][stack.name] = figures
        _say(f"  N={n}: answer latency, {args.rounds} rounds of {len(QUESTIONS)} questions, stacks taking turns ...")
        _latency(stacks, args.rounds)
        for stack in stacks:
            lat = stack.figures.pop("latency_ms")
            entry["stacks"][stack.name].update(p50_ms=percentile(lat, 50), p99_ms=percentile(lat, 99), answers=len(lat))
        for stack in stacks:
            index_dir = work / f"index-{n}-{stack.name}"
            _say(f"  N={n} {stack.name}: cold start and memory in fresh processes ...")
            probes = [  # at least one: the memory figures come from the last
                _probe(stack, corpus, index_dir, settings.model_cache_dir.resolve(), model_only=False)
                for _ in range(max(args.cold_runs, 1))
            ]
            colds, probe = [p["cold_start_s"] for p in probes], probes[-1]
            model = _probe(stack, corpus, index_dir, settings.model_cache_dir.resolve(), model_only=True)
            raw = n_vectors_mib(entry["stacks"][stack.name]["passages"], stack.embedder.dimension)
            entry["stacks"][stack.name].update(
                cold_start_s=statistics.median(colds),
                rss_mib=probe["rss_mib"],
                peak_mib=probe["peak_mib"],
                model_rss_mib=model["rss_mib"],
                raw_vectors_mib=raw,
                rss_ratio=probe["rss_mib"] / (model["rss_mib"] + raw),
                torch_loaded=probe["torch_loaded"],
            )
        if built[product.name].index_type == "hnsw":
            tuned = built[product.name].manifest.get("ef_search")
            efs = sorted({16, 32, 64, 96, 128, *([tuned] if tuned else [])})
            entry["recall"] = _recall(built[product.name], product.embedder.encode(_recall_questions(corpus)), efs)
        if not entry["stacks"][product.name].get("vectors_lent"):
            largest_real, largest_corpus = built[product.name], corpus
        report["sizes"].append(entry)
        _print_size(entry)
        for stack in stacks:
            stack.library = None
    if args.recall_vectors:
        import faiss as _f

        raw_index = _f.read_index(args.recall_vectors)
        vectors = raw_index.reconstruct_n(0, raw_index.ntotal)
        report["recall_real"] = _recall_file(vectors)
        _print_recall_real(report["recall_real"], args.recall_vectors)
    if args.million:
        if largest_real is None or largest_corpus is None:
            raise SystemExit("bench: --million needs at least one size embedded for real")
        _say(f"  {args.million:,} vectors synthesized from {largest_real.size:,} real ones: building HNSW ...")
        report["million"] = _million(
            largest_real.vectors(), product.embedder.encode(_recall_questions(largest_corpus)), args.million
        )
        _print_million(report["million"])
    return report
