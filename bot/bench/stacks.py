"""The two stacks measured side by side (baseline and product), their libraries, and the fresh processes
that time a cold start and measure memory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .corpus import QUESTIONS

if TYPE_CHECKING:
    from ..core.embedder import Embedder
    from ..core.library import Library
    from ..core.pipeline import Outcome


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


def _render(outcome: Outcome) -> None:
    """Format the reply as the bot would (an outcome without an answer has nothing to format)."""
    from ..core.answer import render_text

    if outcome.answer is not None:
        render_text(outcome.answer)


def _library(settings, stack: Stack, corpus: Path, index: Path):
    from ..app import make_library

    s = settings.model_copy(
        update={
            "corpus_dir": corpus,
            "index_dir": index,
            "encoder": stack.encoder,
            "index_type": stack.index_type,
            "model_cache": settings.model_cache_dir,
        }
    )
    return make_library(s, stack.embedder)


def _transplant(source, target: Path, embedder, index_type: str) -> None:
    """Publish ``source``'s passages and vectors as an index of ``embedder`` (for search timing only)."""
    from ..core.indexer import publish_generation
    from ..core.lexical import LexicalIndex
    from ..core.sentences import SentenceIndex
    from ..core.store import IndexStore
    from ..core.vectors import VectorIndex, choose_index_type

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
        "from bot.bench.stacks import _probe_main\n"
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
    from ..app import make_library
    from ..settings import Settings

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


def n_vectors_mib(n: int, dimension: int) -> float:
    return n * dimension * 4 / 2**20


def _same_model(index_dir: Path, embedder) -> bool:
    try:
        from ..core.store import IndexStore

        return (
            IndexStore(index_dir).read_manifest().get("model") == embedder.name
            and (index_dir / ".bench-build.json").exists()
        )
    except Exception:
        return False
