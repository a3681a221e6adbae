"""The index directory: plain files, a manifest, and an atomic pointer to the live generation.

    index/
      CURRENT                 name of the live generation (replaced atomically)
      gen-<time>-<rand>/      manifest.json, index.faiss, passages.jsonl (+ offsets.npy, rows.npy: byte
                              offsets and article of each line), articles.json, lexical/ (BM25)
      .tmp-<rand>/            a build in progress (removed if a build dies)
      .lock                   held while a build writes

A build writes a whole new generation beside the live one, then swaps CURRENT with os.replace:
readers see the old index or the new one, never half of one, and a failed build leaves the old
one untouched. No pickle anywhere: JSON, JSON lines and FAISS's own format.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from .chunker import Passage
from .corpus import Article
from .errors import IndexBusy, IndexCorrupt, IndexMismatch, IndexMissing
from .lexical import LexicalIndex
from .tags import best_display, tag_key

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: float16 vectors, HNSW above a size, passages read on demand
REBUILD_HINT = "Rebuild it with: python -m bot index build"


def _faiss():
    import faiss  # imported late: after torch, if torch is used (two OpenMP runtimes clash otherwise)

    return faiss


INDEX_TYPES = ("auto", "flat", "exact", "hnsw")
# Above this many passages "auto" builds HNSW: exact fp16 search takes about 1.3 ms here at 50k
# and grows linearly (26 ms at 1M), HNSW stays under 1 ms (python -m bot bench, docs/scaling.md).
APPROX_THRESHOLD = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200  # against 80: the beam a question needs for recall@10 0.95 halves (bench)
HNSW_EF_SEARCH = 96  # the first beam width tried; each build raises it until recall@10 reaches RECALL_TARGET
HNSW_EF_MAX = 1024
RECALL_TARGET = 0.95  # recall@10 of the graph against exact search, measured on the library's own vectors
SUBSET_EXACT_LIMIT = 20_000  # a filter this small is searched exactly, never through the graph


def choose_index_type(requested: str, size: int) -> str:
    """The FAISS index for ``size`` vectors: flat (float32, exact), exact (float16), or hnsw (float16)."""
    if requested not in INDEX_TYPES:
        raise ValueError(f"unknown index type '{requested}' (use one of: {', '.join(INDEX_TYPES)})")
    if requested != "auto":
        return requested
    return "hnsw" if size > APPROX_THRESHOLD else "exact"


@contextlib.contextmanager
def all_cores() -> Iterator[None]:
    """FAISS on every core for a build's batch work; serving sets it to one thread (load)."""
    faiss = _faiss()
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


def make_faiss_index(kind: str, dimension: int, vectors: np.ndarray):
    """A filled FAISS index of ``kind`` over normalized ``vectors`` (inner product = cosine)."""
    faiss = _faiss()
    ip = faiss.METRIC_INNER_PRODUCT
    fp16 = faiss.ScalarQuantizer.QT_fp16
    if kind == "flat":
        index = faiss.IndexFlatIP(dimension)
    elif kind == "exact":
        index = faiss.IndexScalarQuantizer(dimension, fp16, ip)
    elif kind == "hnsw":
        index = faiss.IndexHNSWSQ(dimension, fp16, HNSW_M, ip)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        raise ValueError(f"unknown index type '{kind}'")
    if len(vectors):
        data = np.ascontiguousarray(vectors, dtype=np.float32)
        if not index.is_trained:
            index.train(data[:1])  # fp16 needs no statistics; training only marks it ready
        with all_cores():
            index.add(data)
    elif not index.is_trained:
        index.train(np.zeros((1, dimension), dtype=np.float32))
    return index


def _exact_neighbours(data: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Row ids of the exact top ``k`` for each query, by blocks (no second copy of the vectors)."""
    best_s = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), 0), dtype=np.int64)
    for lo in range(0, len(data), 65536):
        block = data[lo:lo + 65536] @ queries.T  # (block, queries)
        top = np.argpartition(-block, min(k, len(block) - 1), axis=0)[:k].T if len(block) > k else \
            np.tile(np.arange(len(block)), (len(queries), 1))
        scores = np.take_along_axis(block.T, top, axis=1)
        best_s = np.concatenate([best_s, scores], axis=1)
        best_i = np.concatenate([best_i, top + lo], axis=1)
        keep = np.argsort(-best_s, axis=1)[:, :k]
        best_s, best_i = np.take_along_axis(best_s, keep, 1), np.take_along_axis(best_i, keep, 1)
    return best_i


def tune_ef_search(index, data: np.ndarray, queries: np.ndarray | None = None, *, target: float = RECALL_TARGET,
                   sample: int = 200, seed: int = 0) -> tuple[int | None, float]:
    """The smallest efSearch whose recall@10 against exact search reaches ``target`` (None if none
    up to HNSW_EF_MAX does), and that recall.

    ``queries``: question-like vectors (the indexer embeds sentences of the library's passages;
    short texts sit farther from the passages than passages do from each other, and need a wider
    beam). Without them, ``sample`` of the library's own vectors, each left out of its results.
    """
    if queries is None:
        rng = np.random.default_rng(seed)
        rows = rng.choice(len(data), size=min(sample, len(data)), replace=False)
        queries = np.ascontiguousarray(data[rows], dtype=np.float32)
    else:
        rows = np.full(len(queries), -1, dtype=np.int64)
        queries = np.ascontiguousarray(queries, dtype=np.float32)

    def top10(ids: np.ndarray, own: int) -> list[int]:
        return [i for i in ids.tolist() if i != own and i >= 0][:10]

    # Tie-aware: a result counts if it scores at least the exact tenth best (equal vectors are
    # common: the same paragraph in two articles).
    floors = []
    for t, r, q in zip(_exact_neighbours(data, queries, 11), rows.tolist(), queries):
        best = top10(t, r)
        floors.append((float(data[best[-1]] @ q) - 1e-4, len(best)) if best else (np.inf, 1))
    recall = 0.0
    ef = HNSW_EF_SEARCH
    while ef <= HNSW_EF_MAX:
        index.hnsw.efSearch = ef
        found = index.search(queries, 11)[1]
        hits = []
        for f, r, q, (floor, want) in zip(found, rows.tolist(), queries, floors):
            got = top10(f, r)
            good = int(np.sum(data[got] @ q >= floor)) if got else 0
            hits.append(min(good, want) / want)
        recall = float(np.mean(hits))
        if recall >= target:
            return ef, recall
        ef *= 2
    return None, recall


class PassageTable(Sequence[Passage]):
    """The passages of a generation, read from passages.jsonl on demand (byte offsets in memory).

    Memory holds about 44 bytes per passage (its byte offset, its article, its embed hash); a quote
    reads its one line from the page cache.
    """

    def __init__(self, path: Path, offsets: np.ndarray) -> None:
        self._path = path
        self._offsets = offsets
        self._fh = open(path, "rb")

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def row(self, i: int) -> dict:
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        lo, hi = int(self._offsets[i]), int(self._offsets[i + 1])
        try:
            row = json.loads(os.pread(self._fh.fileno(), hi - lo, lo))
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(f"passage {i} of {self._path.parent} cannot be read ({type(exc).__name__}). "
                               f"{REBUILD_HINT}") from None
        if not isinstance(row, dict):
            raise IndexCorrupt(f"passage {i} of {self._path.parent} is damaged. {REBUILD_HINT}")
        return row

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        row = self.row(int(i))
        row.pop("embed_hash", None)
        try:
            return Passage(**row)
        except TypeError:
            raise IndexCorrupt(f"passage {i} of {self._path.parent} is damaged. {REBUILD_HINT}") from None

    def __iter__(self) -> Iterator[Passage]:
        # Through the open file, never the path: a newer build may have removed this generation's
        # folder while a reader still holds it.
        for i in range(len(self)):
            yield self[i]


@dataclass
class LoadedIndex:
    """A generation in memory: the FAISS index, its passages (row order) and their articles."""

    path: Path
    manifest: dict
    index: object  # faiss.Index
    passages: Sequence[Passage]
    articles: dict[str, Article]
    embed_hashes: np.ndarray  # one 32-character hex digest (bytes) per row
    article_rows: np.ndarray  # per row: the position of its article in ``articles``
    lexical: "LexicalIndex | None" = None
    _tag_rows: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _tag_display: dict[str, str] = field(default_factory=dict, repr=False)
    _tag_articles: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _rows_of: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _open_selector: object = field(default=None, repr=False)
    unrestricted_rows: np.ndarray | None = field(default=None, repr=False)  # None: nothing is age-restricted

    def __post_init__(self) -> None:
        forms: dict[str, list[str]] = {}
        for article in self.articles.values():
            for tag in article.tags:
                key = tag_key(tag)
                if key:
                    forms.setdefault(key, []).append(tag)
                    self._tag_articles.setdefault(key, [])
                    if article.path not in self._tag_articles[key]:
                        self._tag_articles[key].append(article.path)
        self._tag_display = {key: best_display(f) for key, f in forms.items()}
        # Rows per article from one stable sort: no Python loop over passages.
        order = np.argsort(self.article_rows, kind="stable")
        ids, starts, counts = np.unique(self.article_rows[order], return_index=True, return_counts=True)
        paths = list(self.articles)
        for a, s, c in zip(ids.tolist(), starts.tolist(), counts.tolist()):
            self._rows_of[paths[a]] = order[s:s + c]
        empty = np.zeros(0, dtype=np.int64)
        tag_parts: dict[str, list[np.ndarray]] = {}
        open_parts: list[np.ndarray] = []
        for article in self.articles.values():
            rows = self._rows_of.get(article.path, empty)
            for key in article.tag_keys:
                tag_parts.setdefault(key, []).append(rows)
            if not article.age_restricted:
                open_parts.append(rows)
        self._tag_rows = {k: np.sort(np.concatenate(v)).astype(np.int64) for k, v in tag_parts.items()}
        open_count = sum(len(r) for r in open_parts)
        if open_count < self.size:
            self.unrestricted_rows = (np.sort(np.concatenate(open_parts)).astype(np.int64)
                                      if open_parts else empty)
            # Built once: every question outside age-restricted channels uses it.
            self._open_selector = self._bitmap_selector(self.unrestricted_rows)

    @property
    def size(self) -> int:
        return len(self.passages)

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @property
    def dimension(self) -> int:
        return int(self.manifest["dimension"])

    @property
    def index_type(self) -> str:
        return self.manifest.get("index_type", "flat")

    def tags(self) -> dict[str, tuple[str, int]]:
        """tag key -> (display form, number of articles), most used first."""
        ordered = sorted(self._tag_articles.items(), key=lambda kv: (-len(kv[1]), self._tag_display[kv[0]]))
        return {k: (self._tag_display[k], len(v)) for k, v in ordered}

    def tag_display(self, key: str) -> str:
        return self._tag_display.get(key, key)

    def articles_with_tag(self, key: str) -> list[Article]:
        return [self.articles[p] for p in self._tag_articles.get(key, [])]

    def rows_with_tag(self, key: str) -> np.ndarray:
        return self._tag_rows.get(key, np.zeros(0, dtype=np.int64))

    def rows_of_article(self, article_path: str) -> np.ndarray:
        """The article's rows in passage order."""
        return self._rows_of.get(article_path, np.zeros(0, dtype=np.int64))

    def first_passage(self, article_path: str) -> Passage | None:
        rows = self.rows_of_article(article_path)
        return self.passages[int(rows[0])] if len(rows) else None

    def _bitmap_selector(self, rows: np.ndarray):
        faiss = _faiss()
        bits = np.zeros(self.size, dtype=bool)
        bits[rows] = True
        packed = np.packbits(bits, bitorder="little")
        selector = faiss.IDSelectorBitmap(packed)
        selector.referenced_bits = packed  # FAISS keeps a pointer; the array must outlive it
        return selector

    def search(self, query: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``k`` (row, cosine) for one normalized query vector, optionally within ``rows``.

        Exact indexes filter with a FAISS selector. The HNSW graph searches a small filter (a tag)
        exactly over just those rows, and a large one (all but age-restricted articles) through
        the graph with the selector and a wider beam.
        """
        if self.size == 0 or k <= 0:
            return []
        faiss = _faiss()
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        params = None
        if rows is not None:
            if len(rows) == 0:
                return []
            k = min(k, len(rows))
            if self.index_type == "hnsw":
                if len(rows) <= SUBSET_EXACT_LIMIT:
                    scores = self.index.reconstruct_batch(rows) @ q[0]
                    top = np.argsort(-scores, kind="stable")[:k]
                    return [(int(rows[i]), float(scores[i])) for i in top]
                params = faiss.SearchParametersHNSW()
                params.efSearch = max(HNSW_EF_SEARCH, int(HNSW_EF_SEARCH * self.size / len(rows)))
            else:
                params = faiss.SearchParameters()
            params.sel = (self._open_selector if rows is self.unrestricted_rows and self._open_selector is not None
                          else self._bitmap_selector(rows) if len(rows) > self.size // 64
                          else faiss.IDSelectorBatch(rows))
        k = min(k, self.size)
        scores, ids = self.index.search(q, k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def vector(self, row: int) -> np.ndarray:
        return self.index.reconstruct(int(row))

    def vectors_of(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros((0, self.dimension), np.float32)
        return self.index.reconstruct_batch(np.ascontiguousarray(rows, dtype=np.int64))

    def vectors(self) -> np.ndarray:
        return self.index.reconstruct_n(0, self.size) if self.size else np.zeros((0, self.dimension), np.float32)

    def close(self) -> None:
        if isinstance(self.passages, PassageTable):
            self.passages._fh.close()


# ----------------------------------------------------------------------------------------------
# Serialization


def _passage_row(p: Passage, embed_hash: str) -> dict:
    return {"id": p.id, "article": p.article, "title": p.title, "text": p.text, "start": p.start,
            "end": p.end, "ordinal": p.ordinal, "embed_hash": embed_hash}


def _article_row(a: Article) -> dict:
    return {"path": a.path, "title": a.title, "site": a.site, "url": a.url, "tags": list(a.tags), "date": a.date,
            "age_restricted": a.age_restricted, "content_hash": a.content_hash, "body_chars": len(a.body)}


def _write_json(path: Path, data: object) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class IndexStore:
    """Reads and publishes generations under one index directory."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    # -- reading ---------------------------------------------------------------------------------

    def current_path(self) -> Path | None:
        pointer = self.root / "CURRENT"
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise IndexCorrupt(f"cannot read {pointer} ({exc.strerror}). {REBUILD_HINT}") from None
        if not name or "/" in name or name.startswith("."):
            raise IndexCorrupt(f"{pointer} does not name an index generation. {REBUILD_HINT}")
        return self.root / name

    def exists(self) -> bool:
        try:
            path = self.current_path()
        except IndexCorrupt:
            return True
        return path is not None

    def read_manifest(self) -> dict:
        path = self.current_path()
        if path is None:
            raise IndexMissing(f"no index in {self.root}. Build it with: python -m bot index build")
        try:
            manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(f"the index manifest in {path} is missing or damaged ({type(exc).__name__}). "
                               f"{REBUILD_HINT}") from None
        if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
            raise IndexCorrupt(f"the index in {path} has an unknown format "
                               f"(version {manifest.get('format_version') if isinstance(manifest, dict) else '?'}; "
                               f"this bot reads version {FORMAT_VERSION}). {REBUILD_HINT}")
        return manifest

    def load(self, *, model: str | None = None, dimension: int | None = None) -> LoadedIndex:
        """Load the live generation; refuse it if it was built with another model or dimension."""
        manifest = self.read_manifest()
        path = self.current_path()
        assert path is not None
        if model is not None and manifest.get("model") != model:
            raise IndexMismatch(
                f"the index was built with model '{manifest.get('model')}' but the configured model is "
                f"'{model}'. {REBUILD_HINT}")
        if dimension is not None and manifest.get("dimension") != dimension:
            raise IndexMismatch(
                f"the index has {manifest.get('dimension')}-dimensional vectors but the model makes "
                f"{dimension}-dimensional ones. {REBUILD_HINT}")
        try:
            articles = {}
            for row in json.loads((path / "articles.json").read_text(encoding="utf-8")):
                row.pop("body_chars", None)
                row["tags"] = tuple(row.get("tags") or ())
                articles[row["path"]] = Article(body="", **row)
            offsets = np.load(path / "offsets.npy", allow_pickle=False)
            rows = np.load(path / "rows.npy", allow_pickle=False)
            hashes = np.load(path / "hashes.npy", allow_pickle=False)
            passages = PassageTable(path / "passages.jsonl", offsets)
            index = _faiss().read_index(str(path / "index.faiss"))
            lexical = LexicalIndex.load(path / "lexical", len(passages)) if manifest.get("lexical") else None
            file_size = (path / "passages.jsonl").stat().st_size
        except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
            raise IndexCorrupt(f"the index in {path} is damaged ({type(exc).__name__}). {REBUILD_HINT}") from None
        problems = []
        n = manifest.get("passages")
        if index.ntotal != len(passages):
            problems.append(f"{index.ntotal} vectors for {len(passages)} passages")
        if len(passages) != n:
            problems.append(f"{len(passages)} passages, manifest says {n}")
        if len(rows) != len(passages) or len(hashes) != len(passages):
            problems.append("passage tables of different lengths")
        if len(offsets) and (offsets[-1] != file_size or offsets[0] != 0 or np.any(np.diff(offsets) <= 0)):
            problems.append("passages.jsonl does not match its offsets")
        if index.d != manifest.get("dimension"):
            problems.append(f"dimension {index.d}, manifest says {manifest.get('dimension')}")
        if len(rows) and (rows.min() < 0 or rows.max() >= len(articles)):
            problems.append("passages of unknown articles")
        if problems:
            raise IndexCorrupt(f"the index in {path} is inconsistent ({'; '.join(problems)}). {REBUILD_HINT}")
        # One question is one single-vector search: FAISS's OpenMP threads only add wake-up latency
        # and fight the encoder for the cores (builds raise it again while they add vectors).
        _faiss().omp_set_num_threads(1)
        if manifest.get("index_type") == "hnsw":
            index.hnsw.efSearch = int(manifest.get("ef_search", HNSW_EF_SEARCH))
        return LoadedIndex(path, manifest, index, passages, articles, hashes, rows, lexical)

    # -- writing ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def build_lock(self) -> Iterator[None]:
        """Only one build at a time per index directory, across processes."""
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / ".lock", "a+")
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexBusy("an index refresh is already running; try again when it has finished") from None
            self._clean_leftovers()
            yield
        finally:
            fh.close()

    def clean_if_idle(self) -> None:
        """At start-up: remove what a killed build left, unless a build is running right now."""
        if not self.root.is_dir():
            return
        try:
            with self.build_lock():
                pass  # build_lock cleans leftovers once it holds the lock
        except IndexBusy:
            pass

    def _clean_leftovers(self) -> None:
        """Remove half-written builds and generations no longer referenced (held lock only)."""
        try:
            live = self.current_path()
        except IndexCorrupt:
            live = None
        for child in self.root.iterdir():
            if child.name.startswith(".tmp-"):
                log.warning("removing an unfinished index build: %s", child.name)
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        gens = sorted((c for c in self.root.iterdir() if c.name.startswith("gen-") and c != live),
                      key=lambda c: c.name)
        for old in gens[:-1]:  # keep one previous generation for readers that still hold it
            shutil.rmtree(old, ignore_errors=True)

    def publish(self, manifest: dict, vectors: np.ndarray, passages: Sequence[Passage],
                embed_hashes: Sequence[str], articles: Sequence[Article], lexical: LexicalIndex | None = None,
                probes: np.ndarray | None = None) -> Path:
        """Write a new generation and make it live. Call with build_lock held.

        ``manifest["index_type"]`` ("flat", "exact" or "hnsw") says which FAISS index to build. An
        HNSW index gets the smallest efSearch that reaches RECALL_TARGET on ``probes`` (question-like
        vectors; see tune_ef_search), or becomes an exact index if none does.
        """
        faiss = _faiss()
        tmp = self.root / f".tmp-{secrets.token_hex(4)}"
        tmp.mkdir(parents=True)
        try:
            index = make_faiss_index(manifest["index_type"], int(manifest["dimension"]), vectors)
            if manifest["index_type"] == "hnsw" and len(vectors) > 11:
                manifest = dict(manifest)
                with all_cores():
                    ef, recall = tune_ef_search(index, np.asarray(vectors, dtype=np.float32), probes,
                                                target=RECALL_TARGET)
                manifest["recall_at_10"] = round(recall, 4)
                if ef is None:  # the graph cannot reach the target on these vectors: search exactly
                    log.warning("HNSW recall@10 %.3f < %.2f at efSearch %d; this index searches exactly instead",
                                recall, RECALL_TARGET, HNSW_EF_MAX)
                    manifest.update(index_type="exact", hnsw_fallback=True)
                    manifest.pop("hnsw", None)
                    manifest.pop("ef_search", None)
                    index = make_faiss_index("exact", int(manifest["dimension"]), vectors)
                else:
                    manifest["ef_search"] = ef
                    index.hnsw.efSearch = ef
            faiss.write_index(index, str(tmp / "index.faiss"))
            position = {a.path: i for i, a in enumerate(articles)}
            offsets = np.zeros(len(passages) + 1, dtype=np.int64)
            article_rows = np.zeros(len(passages), dtype=np.int32)
            with open(tmp / "passages.jsonl", "wb") as fh:
                for i, (p, h) in enumerate(zip(passages, embed_hashes)):
                    line = (json.dumps(_passage_row(p, h), ensure_ascii=False) + "\n").encode("utf-8")
                    fh.write(line)
                    offsets[i + 1] = offsets[i] + len(line)
                    article_rows[i] = position[p.article]
                fh.flush()
                os.fsync(fh.fileno())
            np.save(tmp / "offsets.npy", offsets)
            np.save(tmp / "rows.npy", article_rows)
            np.save(tmp / "hashes.npy", np.asarray([h.encode("ascii") for h in embed_hashes], dtype="S32"))
            _write_json(tmp / "articles.json", [_article_row(a) for a in articles])
            if lexical is not None:
                (tmp / "lexical").mkdir()
                lexical.save(tmp / "lexical")
            _write_json(tmp / "manifest.json", manifest)  # last: a generation without one is not valid
            with open(tmp / "index.faiss", "rb") as fh:
                os.fsync(fh.fileno())
            _fsync_dir(tmp)
            final = self.root / f"gen-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"
            os.replace(tmp, final)
            pointer_tmp = self.root / f".tmp-CURRENT-{secrets.token_hex(3)}"
            pointer_tmp.write_text(final.name + "\n", encoding="utf-8")
            with open(pointer_tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(pointer_tmp, self.root / "CURRENT")
            _fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._clean_leftovers()
        return final
