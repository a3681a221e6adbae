"""Build and refresh the index incrementally: only passages whose text changed are embedded again.

Longer than 300 lines on purpose: refresh_index is one build transaction held under the store's lock
(scan, reuse what is unchanged, embed the rest, tune and publish); its helpers sit beside it. The
report it returns is bot.core.build_report; the chunking settings are bot.core.chunker's.
"""

from __future__ import annotations

import hashlib
import logging
import platform
import random
import re
import time
from pathlib import Path
from typing import Callable

import numpy as np

from .. import __version__
from .build_report import BuildReport
from .catalogue import Catalogue
from .chunker import ChunkSettings, Passage, chunk_articles
from .corpus import CorpusScan, scan_corpus
from .embedder import Embedder
from .errors import IndexError_
from .freshness import skipped_hashes
from .generation import FORMAT_VERSION, Generation
from .lexical import LexicalIndex
from .passages import PassageTable
from .sentences import SentenceIndex
from .store import IndexStore
from .vectors import VectorIndex, choose_index_type

LoadedIndex = Generation

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (texts embedded so far, texts to embed: passages, then sentences)


def _embed_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _versions() -> dict:
    import faiss

    out = {"bot": __version__, "python": platform.python_version(), "faiss": faiss.__version__, "numpy": np.__version__}
    try:
        import sentence_transformers

        out["sentence_transformers"] = sentence_transformers.__version__
    except ImportError:
        pass
    return out


def _previous(store: IndexStore, embedder: Embedder, live: LoadedIndex | None) -> tuple[LoadedIndex | None, str | None]:
    """The live index if its vectors can be reused, and why not otherwise (read from disk only if needed)."""
    if not store.exists():
        return None, None
    try:
        prev = live if live is not None and live.path == store.current_path() else store.load()
    except IndexError_ as exc:
        log.warning("the current index cannot be reused: %s", exc)
        return None, "the current index could not be read"
    if prev.model != embedder.name or prev.dimension != embedder.dimension:
        return None, f"the model changed from '{prev.model}' to '{embedder.name}'"
    return prev, None


_SENTENCE = re.compile(r"[^.!?\n]{25,200}[.!?]")


def _probe_sentences(passages: list[Passage], n: int = 200, seed: int = 0) -> list[str]:
    """One sentence from each of ``n`` passages: question-sized texts to tune the HNSW beam with."""
    rng = random.Random(seed)
    picked = rng.sample(range(len(passages)), min(n, len(passages)))
    out = []
    for i in picked:
        sentences = _SENTENCE.findall(passages[i].text)
        out.append(rng.choice(sentences).strip() if sentences else passages[i].text[:200])
    return out


def _same_index_type(prev: LoadedIndex, wanted: str) -> bool:
    """True if ``prev`` is the kind of index wanted (an HNSW build that fell back to exact counts)."""
    return prev.index_type == wanted or (wanted == "hnsw" and bool(prev.manifest.get("hnsw_fallback")))


def refresh_index(
    corpus_dir: Path | str | None,
    store: IndexStore,
    embedder: Embedder,
    *,
    chunking: ChunkSettings = ChunkSettings(),
    progress: Progress | None = None,
    batch_size: int = 32,
    scan: CorpusScan | None = None,
    live: LoadedIndex | None = None,
    index_type: str = "auto",
) -> BuildReport:
    """Bring the index in ``store`` up to date with ``corpus_dir``; publish a new generation if needed.

    Holds the store's build lock (IndexBusy if another build runs). The live index keeps serving
    until the new one is swapped in; any failure leaves it untouched. ``live``, the index already in
    memory, spares reading it again. ``index_type``: "auto" (exact up to APPROX_THRESHOLD passages,
    HNSW above), or "flat", "exact", "hnsw" (store.choose_index_type). ``corpus_dir`` may be None
    when ``scan`` gives the articles (the evaluations' generated corpora).
    """
    started = time.perf_counter()
    with store.build_lock():
        if scan is None:
            if corpus_dir is None:
                raise ValueError("refresh_index needs a corpus folder or a scan of one")
            scan = scan_corpus(corpus_dir)
        report = BuildReport(skipped=list(scan.skipped), articles_total=len(scan.articles))
        prev, reason = _previous(store, embedder, live)
        report.full_rebuild_reason = reason
        settings = {
            "max_tokens": chunking.max_tokens,
            "min_tokens": chunking.min_tokens,
            "title_context": chunking.title_context,
        }
        fingerprint = scan.fingerprint()

        old_hashes = {a.path: a.content_hash for a in prev.articles.values()} if prev else {}
        new_hashes = {a.path: a.content_hash for a in scan.articles}
        report.articles_added = sorted(p for p in new_hashes if p not in old_hashes)
        report.articles_removed = sorted(p for p in old_hashes if p not in new_hashes)
        report.articles_changed = sorted(p for p in new_hashes if p in old_hashes and old_hashes[p] != new_hashes[p])

        skipped_files = skipped_hashes(corpus_dir, scan.skipped)
        if (
            prev is not None
            and prev.manifest.get("corpus_fingerprint") == fingerprint
            and prev.manifest.get("skipped_files", {}) == skipped_files
            and prev.manifest.get("chunking") == settings
            and prev.lexical is not None
            and prev.sentences is not None
            and _same_index_type(prev, choose_index_type(index_type, prev.size))
        ):
            report.passages_total = report.passages_reused = prev.size
            report.sentences_total = prev.sentences.size
            report.seconds = time.perf_counter() - started
            return report

        def embedded(p: Passage) -> str:  # the text a passage's vector is made from
            return p.embed_text if chunking.title_context else p.text

        # Unchanged articles keep their passages, hashes and vectors: only what changed is chunked
        # (tokenized) and embedded. Passages are reused only if the same bot and settings made them.
        same_chunking = (
            prev is not None
            and prev.manifest.get("chunking") == settings
            and prev.manifest.get("versions", {}).get("bot") == __version__
        )
        reusable = prev if same_chunking else None
        old_content = {a.path: a.content_hash for a in reusable.articles.values()} if reusable is not None else {}
        passages: list[Passage] = []
        hashes: list[str] = []
        reused_rows: list[int] = []  # per passage: its row in prev, or -1
        for article in scan.articles:
            old_rows = (
                reusable.rows_of_article(article.path)
                if reusable is not None and old_content.get(article.path) == article.content_hash
                else None
            )
            if reusable is not None and old_rows is not None and len(old_rows):
                for row in old_rows.tolist():
                    passages.append(reusable.passages[row])
                    hashes.append(reusable.embed_hashes[row].item().decode("ascii"))
                    reused_rows.append(row)
                continue
            for p in chunk_articles(
                [article], embedder.count_tokens, embedder.max_tokens, chunking.max_tokens, chunking.min_tokens
            ):
                passages.append(p)
                hashes.append(_embed_hash(embedded(p)))
                reused_rows.append(-1)
        # A changed article's unchanged paragraphs are found by the hash of their text.
        by_hash: dict[str, int] = {}
        if prev is not None:
            for row, h in enumerate(prev.embed_hashes.tolist()):
                by_hash.setdefault(h.decode("ascii"), row)
        source = np.asarray([r if r >= 0 else by_hash.get(h, -1) for r, h in zip(reused_rows, hashes)], dtype=np.int64)
        first, spans, units = SentenceIndex.split([p.text for p in passages])
        unit_hashes = [_embed_hash(u) for u in units]
        unit_source = _unit_sources(prev, unit_hashes)
        todo = np.flatnonzero(source < 0).tolist()
        unit_todo = np.flatnonzero(unit_source < 0).tolist()
        total = len(todo) + len(unit_todo)
        vectors = _fill(
            prev.vectors_of if prev is not None else None,
            source,
            todo,
            embedder.dimension,
            lambda i: embedded(passages[i]),
            embedder,
            batch_size,
            progress,
            0,
            total,
        )
        unit_vectors = _fill(
            prev.sentences.vectors.vectors_of if prev is not None and prev.sentences else None,
            unit_source,
            unit_todo,
            embedder.dimension,
            lambda i: units[i],
            embedder,
            batch_size,
            progress,
            len(todo),
            total,
        )
        report.passages_total = len(passages)
        report.passages_embedded = len(todo)
        report.passages_reused = len(passages) - len(todo)
        report.sentences_total = len(units)
        report.sentences_embedded = len(unit_todo)

        kind = choose_index_type(index_type, len(passages))
        unit_kind = choose_index_type(index_type, len(units))
        probes = (
            embedder.encode(_probe_sentences(passages), batch_size=batch_size) if "hnsw" in (kind, unit_kind) else None
        )
        vector_index = VectorIndex.build(vectors, kind, embedder.dimension, probes)
        sentence_index = SentenceIndex(
            VectorIndex.build(unit_vectors, unit_kind, embedder.dimension, probes),
            first,
            spans,
            np.asarray([h.encode("ascii") for h in unit_hashes], dtype="S32"),
        )
        manifest = {
            "format_version": FORMAT_VERSION,
            "model": embedder.name,
            "dimension": embedder.dimension,
            "normalized": True,
            "metric": "inner_product",
            **vector_index.info,
            "passages": len(passages),
            "articles": len(scan.articles),
            "corpus_fingerprint": fingerprint,
            "skipped_files": skipped_files,
            "chunking": settings,
            "lexical": True,
            "sentences": {"units": len(units), **sentence_index.vectors.info},
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "versions": _versions(),
        }
        report.generation = publish_generation(
            store,
            manifest,
            vector_index,
            passages,
            hashes,
            scan.articles,
            LexicalIndex.build([embedded(p) for p in passages]),
            sentence_index,
        )
        report.published = True
        report.seconds = time.perf_counter() - started
        return report


def _unit_sources(prev: Generation | None, unit_hashes: list[str]) -> np.ndarray:
    """Per sentence unit: the unit of ``prev`` with the same text (its vector is reused), or -1."""
    if prev is None or prev.sentences is None:
        return np.full(len(unit_hashes), -1, dtype=np.int64)
    old: dict[bytes, int] = {}
    for unit, h in enumerate(prev.sentences.hashes.tolist()):
        old.setdefault(h, unit)
    return np.asarray([old.get(h.encode("ascii"), -1) for h in unit_hashes], dtype=np.int64)


def _fill(
    reuse,
    source: np.ndarray,
    todo: list[int],
    dimension: int,
    text_of,
    embedder: Embedder,
    batch_size: int,
    progress: Progress | None,
    done: int,
    total: int,
) -> np.ndarray:
    """Vectors for every entry: reused (``reuse(source rows)``) where ``source`` >= 0, embedded for ``todo``."""
    vectors = np.zeros((len(source), dimension), dtype=np.float32)
    have = np.flatnonzero(source >= 0)
    if len(have):
        vectors[have] = reuse(source[have])
    step = max(batch_size, 256)
    for lo in range(0, len(todo), step):
        batch = todo[lo : lo + step]
        vectors[batch] = embedder.encode([text_of(i) for i in batch], batch_size=batch_size)
        if progress:
            progress(done + min(lo + step, len(todo)), total)
    return vectors


def publish_generation(
    store: IndexStore,
    manifest: dict,
    vector_index: VectorIndex,
    passages: list[Passage],
    hashes: list[str],
    articles: list,
    lexical: LexicalIndex | None,
    sentences: SentenceIndex | None,
) -> Generation:
    """Write the components as a new generation, make it live, and return it ready to serve."""
    catalogue = Catalogue.build(articles, [p.article for p in passages])
    table: PassageTable | None = None

    def write(folder: Path) -> None:
        nonlocal table
        table = PassageTable.save(folder / "passages", passages, hashes)
        Generation(folder, manifest, vector_index, table, catalogue, lexical, sentences).save(folder)

    try:
        path, manifest = store.publish(manifest, write)
    except BaseException:
        if table is not None:
            table.close()
        raise
    assert table is not None  # publish() calls write() before it returns
    return Generation(path, manifest, vector_index, table, catalogue, lexical, sentences)
