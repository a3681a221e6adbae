"""python -m bot bench: speed and memory of the product against the plain baseline, in one run.

For generated corpora of N passages it prints, for the baseline (sentence-transformers on torch,
exact float32 search) and the product (the configured encoder and index type, by default the
int8 ONNX encoder and an index chosen by size):

- answer latency in process, p50 and p99 (normalize, embed, crisis check, search, format), the two
  stacks taking turns round by round so that a noisy machine slows both alike;
- full build throughput (passages per second), no-change refresh, one-article refresh;
- cold start to the first answer (a fresh ``python -m bot ask`` process, nothing rebuilt) and its
  resident memory, next to a process that only loads the model, plus the raw float32 vectors;
- recall@10 of the approximate index against exact search, and with ``--million`` the same on a
  million vectors synthesized from the real ones.

The generated corpus recombines the sentences of the articles in ``corpus/`` (every passage is
unique text, embedded by the real model). A stack embeds at most ``--embed-limit`` passages for
real; above that its index is given the other stack's vectors (said so in the output), since exact
search time does not depend on the vectors' values. Figures are this machine's, in this run.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .evaluation.metrics import percentile, recall_at_k

if TYPE_CHECKING:
    from .core.embedder import Embedder
    from .core.library import Library
    from .core.pipeline import Outcome
    from .core.store import LoadedIndex
    from .settings import Settings

QUESTIONS = [
    "in what ways does intimacy aid growth?",
    "how can a couple rebuild trust after trauma?",
    "why does consent matter when someone is healing?",
    "what is post-traumatic growth?",
    "can closeness with a partner reduce stress?",
    "how do I talk to my partner about boundaries?",
    "does feeling safe help people open up?",
    "what helps people feel connected again after a hard time?",
    "how does oxytocin affect bonding?",
    "is it normal to avoid touch after a bad experience?",
    "how can self-esteem recover after trauma?",
    "what does research say about intimacy and healing?",
    "how can I support a partner who is healing?",
    "what are signs of a healthy relationship?",
    "how does empathy grow after adversity?",
    "what is self-reconstruction?",
    "can intimacy make trauma symptoms worse?",
    "how do people find meaning after loss?",
    "what role does communication play in intimacy?",
    "how do I rebuild confidence in my body?",
    "what is the boiling point of mercury?",
    "who won the football world cup in 1998?",
    "how do I replace a bicycle chain?",
    "what is a good recipe for lentil soup?",
]

TAGS = [
    "healing",
    "trauma",
    "intimacy",
    "consent",
    "growth",
    "relationships",
    "communication",
    "trust",
    "boundaries",
    "self-esteem",
    "research",
    "empathy",
    "resilience",
    "touch",
    "safety",
    "recovery",
    "connection",
    "stress",
    "partners",
    "support",
    "anxiety",
    "body image",
    "meaning",
    "loss",
    "mindfulness",
    "therapy",
    "attachment",
    "vulnerability",
    "self-care",
    "hope",
]

_SENTENCE = re.compile(r"[^.!?\n]{20,}[.!?]")
_WORD = re.compile(r"[A-Za-z][a-z]{3,}")


@dataclass
class Stack:
    name: str
    encoder: str
    index_type: str
    embedder: Embedder = field(init=False)  # loaded once the stacks are named (torch before faiss)
    library: Library | None = None  # the library of the corpus size being measured
    figures: dict = field(default_factory=dict)

    def serving(self) -> Library:
        assert self.library is not None, "a stack serves once run() has given it the size's library"
        return self.library


# ----------------------------------------------------------------------------------------------
# The generated corpus


def _source_texts(source: Path) -> list[str]:
    """Texts to take sentences from: a folder of articles, or a BEIR corpus.jsonl (its "text" fields)."""
    from .core.corpus import scan_corpus

    if source.is_file() and source.suffix == ".jsonl":
        with open(source, encoding="utf-8") as fh:
            return [str(json.loads(line).get("text", "")) for line in fh if line.strip()]
    if not source.is_dir():
        raise SystemExit(f"bench: --source {source} is neither an article folder nor a corpus.jsonl")
    return [a.body for a in scan_corpus(source).articles]


def generate_corpus(folder: Path, passages: int, source: Path, *, seed: int = 7) -> int:
    """Write about ``passages`` passages as Markdown articles of 10 paragraphs; returns articles written."""
    marker = folder / ".generated.json"
    identity = {"passages": passages, "source": str(Path(source).resolve())}
    if marker.exists() and all(json.loads(marker.read_text()).get(k) == v for k, v in identity.items()):
        return json.loads(marker.read_text())["articles"]
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    bodies = _source_texts(source)
    sentences = [s.strip() for b in bodies for s in _SENTENCE.findall(b)]
    words = sorted({w.lower() for b in bodies for w in _WORD.findall(b)})
    if len(sentences) < 10 or len(words) < 50:
        raise SystemExit(f"bench: {source} has too little text to generate a corpus from (need a few articles)")
    rng = random.Random(seed)
    per_article = 10
    articles = max(1, passages // per_article)
    for a in range(articles):
        paragraphs = []
        for _ in range(per_article):
            picked = rng.sample(sentences, 6)
            text = " ".join(picked)
            tokens = text.split()
            for _ in range(max(3, len(tokens) // 12)):  # unique text: a few words swapped
                tokens[rng.randrange(len(tokens))] = rng.choice(words)
            paragraphs.append(" ".join(tokens))
        tags = rng.sample(TAGS, 2)
        title = " ".join(rng.sample(words, 5)).capitalize()
        restricted = "age_restricted: true\n" if a % 50 == 49 else ""
        (folder / f"a{a:07d}.md").write_text(
            f"---\ntitle: {title}\ntags: {json.dumps(tags)}\nsite: Generated\n{restricted}---\n\n"
            + "\n\n".join(paragraphs)
            + "\n",
            encoding="utf-8",
        )
    marker.write_text(json.dumps({**identity, "articles": articles}))
    return articles


# ----------------------------------------------------------------------------------------------
# Helpers


def _render(outcome: Outcome) -> None:
    """Format the reply as the bot would (an outcome without an answer has nothing to format)."""
    from .core.answer import render_text

    if outcome.answer is not None:
        render_text(outcome.answer)


def _library(settings, stack: Stack, corpus: Path, index: Path):
    from dataclasses import replace

    from .app import make_library

    s = replace(
        settings,
        corpus_dir=corpus,
        index_dir=index,
        encoder=stack.encoder,
        index_type=stack.index_type,
        model_cache=settings.model_cache_dir,
    )
    return make_library(s, stack.embedder)


def _transplant(source, target: Path, embedder, index_type: str) -> None:
    """Publish ``source``'s passages and vectors as an index of ``embedder`` (for search timing only)."""
    from .core.indexer import publish_generation
    from .core.lexical import LexicalIndex
    from .core.sentences import SentenceIndex
    from .core.store import IndexStore
    from .core.vectors import VectorIndex, choose_index_type

    store = IndexStore(target)
    if target.exists():
        shutil.rmtree(target)
    vector_index = VectorIndex.build(source.vectors(), choose_index_type(index_type, source.size), embedder.dimension)
    units = source.sentences
    sentences = SentenceIndex(
        VectorIndex.build(units.vectors.vectors(), choose_index_type(index_type, units.size), embedder.dimension),
        units.first,
        units.spans,
        units.hashes,
    )
    manifest = {k: v for k, v in source.manifest.items() if k not in ("hnsw", "ef_search", "recall_at_10")}
    manifest.update(
        model=embedder.name,
        dimension=embedder.dimension,
        transplanted=True,
        **vector_index.info,
        sentences={"units": units.size, **sentences.vectors.info},
    )
    texts = [p.embed_text for p in source.passages]
    with store.build_lock():
        publish_generation(
            store,
            manifest,
            vector_index,
            list(source.passages),
            [h.decode() for h in source.embed_hashes.tolist()],
            list(source.articles.values()),
            LexicalIndex.build(texts),
            sentences,
        )


def _touch_one_article(corpus: Path) -> tuple[Path, str]:
    path = sorted(corpus.glob("a*.md"))[len(list(corpus.glob("a*.md"))) // 2]
    original = path.read_text(encoding="utf-8")
    path.write_text(
        original.rstrip("\n") + "\n\nA new closing paragraph was added to this article by the benchmark, "
        "so that one article changes and everything else stays as it was.\n",
        encoding="utf-8",
    )
    return path, original


def _probe(stack: Stack, corpus: Path, index: Path, cache: Path, *, model_only: bool) -> dict:
    """A fresh process: time to the first answer and resident memory (or just the model's)."""
    env = dict(
        os.environ,
        BOT_ENCODER=stack.encoder,
        BOT_INDEX_TYPE=stack.index_type,
        BOT_MODEL_CACHE=str(cache),
        BOT_CORPUS_DIR=str(corpus),
        BOT_INDEX_DIR=str(index),
        PYTHONWARNINGS="ignore",
    )
    code = (
        "import time, sys, json\n"
        "t0 = time.time()\n"
        "from bot.bench import _probe_main\n"
        f"print(json.dumps(_probe_main({model_only!r}, t0)))\n"
    )
    started = time.time()
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(f"bench: the probe process failed:\n{out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["cold_start_s"] = result["first_answer_at"] - started
    return result


def _rss() -> tuple[float, float]:
    """(resident, peak resident) MiB of this process, from /proc."""
    fields = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                fields[key] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", float("nan")), fields.get("VmHWM", float("nan"))


def _probe_main(model_only: bool, t0: float) -> dict:
    """Runs in the probe process: load as the bot does, answer once, then report memory."""
    from .app import make_library
    from .settings import Settings

    settings = Settings.from_env(dotenv=False)
    library = make_library(settings)
    if model_only:
        library.embedder.encode([QUESTIONS[0]])
        first = time.time()
    else:
        library.load(build_if_missing=False)
        _render(library.ask(QUESTIONS[0]))
        first = time.time()
        for q in QUESTIONS:
            _render(library.ask(q))
    rss, peak = _rss()
    return {
        "first_answer_at": first,
        "in_process_s": first - t0,
        "rss_mib": rss,
        "peak_mib": peak,
        "torch_loaded": "torch" in sys.modules,
    }


def _latency(stacks: list[Stack], rounds: int) -> None:
    for stack in stacks:  # warm up: first calls allocate and fill caches
        for q in QUESTIONS[:5]:
            _render(stack.serving().ask(q))
        stack.figures["latency_ms"] = []
    # Rounds alternate between the stacks (and which goes first), so a noisy moment slows both; within
    # a round one stack runs alone, so neither pays for the other's idle threads spinning down.
    for r in range(rounds):
        for stack in stacks if r % 2 == 0 else stacks[::-1]:
            for q in QUESTIONS:
                t = time.perf_counter()
                _render(stack.serving().ask(q))
                stack.figures["latency_ms"].append((time.perf_counter() - t) * 1000)


def _recall_questions(corpus: Path, n: int = 200, seed: int = 3) -> list[str]:
    """The bench questions plus sentences drawn from the corpus: 200 queries for recall."""
    rng = random.Random(seed)
    files = sorted(corpus.glob("*.md"))
    extra = []
    while len(extra) < n - len(QUESTIONS):
        found = _SENTENCE.findall(rng.choice(files).read_text(encoding="utf-8").split("---", 2)[-1])
        if found:
            extra.append(rng.choice(found).strip())
    return QUESTIONS + extra


def _recall(index, queries: np.ndarray, efs=(16, 32, 64, 96, 128), k: int = 10) -> list[dict]:
    """Recall@k of the HNSW index against exact search over the same stored vectors, per efSearch."""
    import faiss

    vectors = index.vectors()
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    t = time.perf_counter()
    truth = [exact.search(q[None], k)[1][0] for q in queries]
    exact_ms = (time.perf_counter() - t) * 1000 / len(queries)
    rows = []
    hnsw = index.vector_index.index
    keep = hnsw.hnsw.efSearch
    for ef in efs:
        hnsw.hnsw.efSearch = ef
        times, hits = [], []
        for q, want in zip(queries, truth):
            t = time.perf_counter()
            got = hnsw.search(q[None], k)[1][0]
            times.append((time.perf_counter() - t) * 1000)
            hits.append(recall_at_k(got.tolist(), want.tolist(), k))
        rows.append(
            {
                "ef_search": ef,
                "recall_at_10": float(np.mean(hits)),
                "p50_ms": percentile(times, 50),
                "exact_ms": exact_ms,
            }
        )
    hnsw.hnsw.efSearch = keep
    return rows


def _million(base: np.ndarray, queries: np.ndarray, n: int, seed: int = 11) -> dict:
    """Approximate vs exact search on ``n`` vectors synthesized from real ones.

    Each synthetic vector is a real passage vector moved part of the way toward one of its ten
    nearest real neighbours, plus a little noise: new passages on the topics the library has.
    """
    import faiss

    from .core.vectors import HNSW_EF_SEARCH, make_faiss_index

    rng = np.random.default_rng(seed)
    d = base.shape[1]
    graph = make_faiss_index("hnsw", d, base)
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    neighbours = graph.search(base, 11)[1][:, 1:]  # without itself
    del graph
    vectors = np.empty((n, d), dtype=np.float32)
    step = 100_000
    for lo in range(0, n, step):
        m = min(step, n - lo)
        a = rng.integers(len(base), size=m)
        b = neighbours[a, rng.integers(10, size=m)]
        b = np.where(b >= 0, b, a)
        w = rng.uniform(0.0, 0.5, size=(m, 1)).astype(np.float32)
        v = (1 - w) * base[a] + w * base[b] + rng.normal(0, 0.1 / np.sqrt(d), size=(m, d)).astype(np.float32)
        vectors[lo : lo + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    t = time.perf_counter()
    hnsw = make_faiss_index("hnsw", d, vectors)
    build_s = time.perf_counter() - t
    faiss.omp_set_num_threads(1)
    flat = faiss.IndexFlatIP(d)  # the baseline: exact search on float32 vectors
    flat.add(vectors)
    stored = faiss.IndexFlatIP(d)  # exact search on the float16 values the HNSW index stores
    stored.add(vectors.astype(np.float16).astype(np.float32))
    del vectors
    out = {"n": n, "hnsw_build_s": build_s, "rows": []}
    exact_times, truth, truth16 = [], [], []
    for q in queries:
        t = time.perf_counter()
        truth.append(flat.search(q[None], 10)[1][0])
        exact_times.append((time.perf_counter() - t) * 1000)
        truth16.append(stored.search(q[None], 10)[1][0])
    del stored
    out["exact_p50_ms"] = percentile(exact_times, 50)
    out["float16_recall_at_10"] = float(
        np.mean([recall_at_k(a.tolist(), b.tolist(), 10) for a, b in zip(truth16, truth)])
    )
    for ef in (64, HNSW_EF_SEARCH, 128, 256, 384, 512, 1024):
        hnsw.hnsw.efSearch = ef
        times, hits, hits32 = [], [], []
        for q, want, want32 in zip(queries, truth16, truth):
            t = time.perf_counter()
            got = hnsw.search(q[None], 10)[1][0].tolist()
            times.append((time.perf_counter() - t) * 1000)
            hits.append(recall_at_k(got, want.tolist(), 10))
            hits32.append(recall_at_k(got, want32.tolist(), 10))
        out["rows"].append(
            {
                "ef_search": ef,
                "recall_at_10": float(np.mean(hits)),
                "recall_at_10_vs_float32": float(np.mean(hits32)),
                "p50_ms": percentile(times, 50),
            }
        )
    return out


# ----------------------------------------------------------------------------------------------
# The run


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
    from .core.embedder import load_embedder
    from .settings import Settings

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
        stack.embedder = load_embedder(settings.model, encoder=stack.encoder, cache_dir=settings.model_cache_dir)
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


def _recall_file(vectors: np.ndarray, holdout: int = 300, seed: int = 0) -> list[dict]:
    """Recall@10 of HNSW vs exact on stored real vectors; held-out passages are the queries."""
    import faiss

    from .core.vectors import make_faiss_index

    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(vectors))
    queries, base = vectors[perm[:holdout]], vectors[perm[holdout:]]
    hnsw = make_faiss_index("hnsw", base.shape[1], base)
    faiss.omp_set_num_threads(1)

    class _View:  # what _recall needs of a LoadedIndex
        index = hnsw

        @staticmethod
        def vectors():
            return base

    return _recall(_View, queries)


def n_vectors_mib(n: int, dimension: int) -> float:
    return n * dimension * 4 / 2**20


def _same_model(index_dir: Path, embedder) -> bool:
    try:
        from .core.store import IndexStore

        return (
            IndexStore(index_dir).read_manifest().get("model") == embedder.name
            and (index_dir / ".bench-build.json").exists()
        )
    except Exception:
        return False


# ----------------------------------------------------------------------------------------------
# Printing


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _ratio(base: float, ours: float) -> str:
    return f"{base / ours:.1f}x" if ours else "-"


def _print_size(entry: dict) -> None:
    b, p = entry["stacks"]["baseline"], entry["stacks"]["product"]
    lent = lambda s: " (vectors lent)" if s.get("vectors_lent") else ""  # noqa: E731
    rows = [
        (
            "index",
            f"{b['index_type']}{lent(b)}",
            f"{p['index_type']}{lent(p)}",
            f"HNSW efSearch {p['ef_search']} (recall@10 {p['build_recall_at_10']:.3f} at build)"
            if p.get("ef_search") and p.get("build_recall_at_10") is not None
            else "",
        ),
        ("answer p50 ms", f"{b['p50_ms']:.1f}", f"{p['p50_ms']:.1f}", _ratio(b["p50_ms"], p["p50_ms"]) + " lower"),
        (
            "answer p99 ms",
            f"{b['p99_ms']:.1f}",
            f"{p['p99_ms']:.1f}",
            f"product p99/p50 {p['p99_ms'] / p['p50_ms']:.1f}",
        ),
    ]
    if "build_per_s" in b and "build_per_s" in p:
        rows.append(
            (
                "build passages/s",
                f"{b['build_per_s']:.1f}",
                f"{p['build_per_s']:.1f}",
                f"{p['build_per_s'] / b['build_per_s']:.1f}x higher",
            )
        )
    reused = lambda s: " (earlier run)" if s.get("build_reused") else ""  # noqa: E731
    rows.append(
        (
            "full build s",
            f"{b['build_s']:.1f}{reused(b)}" if "build_s" in b else "-",
            f"{p['build_s']:.1f}{reused(p)}" if "build_s" in p else "-",
            "",
        )
    )
    rows.append(
        (
            "no-change refresh s",
            f"{b['nochange_s']:.2f}",
            f"{p['nochange_s']:.2f}",
            f"product full/no-change {p['build_s'] / p['nochange_s']:.0f}x" if "build_s" in p else "",
        )
    )
    rows.append(
        (
            "one-article refresh s",
            f"{b['one_article_s']:.2f}",
            f"{p['one_article_s']:.2f}",
            _ratio(b["one_article_s"], p["one_article_s"]) + " faster",
        )
    )
    rows.append(
        (
            "cold start s",
            f"{b['cold_start_s']:.2f}",
            f"{p['cold_start_s']:.2f}",
            _ratio(b["cold_start_s"], p["cold_start_s"]) + " faster",
        )
    )
    rows.append(("resident MiB", f"{b['rss_mib']:.0f}", f"{p['rss_mib']:.0f}", ""))
    rows.append(
        (
            "model-only MiB + raw vectors MiB",
            f"{b['model_rss_mib']:.0f} + {b['raw_vectors_mib']:.0f}",
            f"{p['model_rss_mib']:.0f} + {p['raw_vectors_mib']:.0f}",
            f"ratios {b['rss_ratio']:.2f} / {p['rss_ratio']:.2f}",
        )
    )
    print(f"\nN = {entry['n']:,} passages requested ({p['passages']:,} built, {entry['articles']:,} articles)")
    print(f"{'':34} {'baseline':>16} {'product':>16}   ratio")
    for label, bv, pv, ratio in rows:
        print(f"{label:34} {bv:>16} {pv:>16}   {ratio}")
    if "recall" in entry:
        print(
            "  HNSW recall@10 vs exact on the stored vectors (200 queries): "
            + ", ".join(
                f"ef {r['ef_search']}: {r['recall_at_10']:.3f} in {r['p50_ms']:.2f} ms" for r in entry["recall"]
            )
            + f"; exact {entry['recall'][0]['exact_ms']:.2f} ms"
        )
    sys.stdout.flush()


def _print_recall_real(rows: list[dict], source: str) -> None:
    print(f"\nHNSW recall@10 vs exact on real passage embeddings ({source}; 300 held-out passages as queries):")
    for r in rows:
        print(
            f"  ef {r['ef_search']:>4}: recall@10 {r['recall_at_10']:.3f}, {r['p50_ms']:.3f} ms "
            f"(exact {r['exact_ms']:.2f} ms)"
        )


def _print_million(m: dict) -> None:
    print(
        f"\n{m['n']:,} vectors (real passage vectors moved toward a real neighbour), HNSW built in "
        f"{m['hnsw_build_s']:.0f} s; exact float32 search p50 {m['exact_p50_ms']:.1f} ms. Recall@10 of HNSW "
        f"against exact search on the float16 values it stores, and against float32 (float16 alone: "
        f"{m['float16_recall_at_10']:.3f}):"
    )
    for r in m["rows"]:
        print(
            f"  ef {r['ef_search']:>4}: recall@10 {r['recall_at_10']:.3f} "
            f"(vs float32 {r['recall_at_10_vs_float32']:.3f}), "
            f"p50 {r['p50_ms']:.2f} ms, {m['exact_p50_ms'] / r['p50_ms']:.0f}x faster than exact"
        )
