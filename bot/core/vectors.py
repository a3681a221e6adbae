"""The vector index component: FAISS over normalized vectors (inner product = cosine).

Builds the kind of index a size calls for (exact float16 search up to APPROX_THRESHOLD vectors, an
HNSW graph above, or the old float32 flat index), tunes the graph's beam at build time against
exact search, searches with row filters (tags, age restriction), and saves and loads itself as one
``index.faiss`` file in its own folder. Passages and sentence units each have one.

A little over 300 lines on purpose: one class around one FAISS index (build, tune efSearch, save,
load, filtered search) whose parts share the index's kind and its selectors.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Literal, get_args

import numpy as np

from .errors import IndexCorrupt

if TYPE_CHECKING:
    import faiss

log = logging.getLogger(__name__)

REBUILD_HINT = "Rebuild it with: python -m bot index build"
FILE = "index.faiss"


def _faiss():
    import faiss  # imported late: after torch, if torch is used (two OpenMP runtimes clash otherwise)

    return faiss


IndexType = Literal["auto", "flat", "exact", "hnsw"]  # BOT_INDEX_TYPE
INDEX_TYPES: tuple[str, ...] = get_args(IndexType)
# Above this many vectors "auto" builds HNSW: exact fp16 search takes about 1.3 ms here at 50k
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
    """FAISS on every core for a build's batch work; serving sets it to one thread (serve_one_thread)."""
    faiss = _faiss()
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


def serve_one_thread() -> None:
    """One question is one single-vector search: FAISS's OpenMP threads only add wake-up latency
    and fight the encoder for the cores (builds raise it again while they add vectors)."""
    _faiss().omp_set_num_threads(1)


def make_faiss_index(kind: str, dimension: int, vectors: np.ndarray) -> Any:
    """A filled FAISS index of ``kind`` over normalized ``vectors`` (inner product = cosine).

    Typed Any: the three FAISS classes share no stub type that has ``hnsw``, which callers set."""
    faiss = _faiss()
    ip = faiss.METRIC_INNER_PRODUCT
    fp16 = faiss.ScalarQuantizer.QT_fp16
    if kind == "flat":
        index = faiss.IndexFlatIP(dimension)
    elif kind == "exact":
        # FAISS's stubs list the quantizer type as a ScalarQuantizer; the constructors take its int code
        index = faiss.IndexScalarQuantizer(dimension, fp16, ip)  # pyright: ignore[reportArgumentType]
    elif kind == "hnsw":
        index = faiss.IndexHNSWSQ(dimension, fp16, HNSW_M, ip)  # pyright: ignore[reportArgumentType]
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
        block = data[lo : lo + 65536] @ queries.T  # (block, queries)
        top = (
            np.argpartition(-block, min(k, len(block) - 1), axis=0)[:k].T
            if len(block) > k
            else np.tile(np.arange(len(block)), (len(queries), 1))
        )
        scores = np.take_along_axis(block.T, top, axis=1)
        best_s = np.concatenate([best_s, scores], axis=1)
        best_i = np.concatenate([best_i, top + lo], axis=1)
        keep = np.argsort(-best_s, axis=1)[:, :k]
        best_s, best_i = np.take_along_axis(best_s, keep, 1), np.take_along_axis(best_i, keep, 1)
    return best_i


def tune_ef_search(
    index,
    data: np.ndarray,
    queries: np.ndarray | None = None,
    *,
    target: float | None = None,
    sample: int = 200,
    seed: int = 0,
) -> tuple[int | None, float]:
    """The smallest efSearch whose recall@10 against exact search reaches ``target`` (None if none
    up to HNSW_EF_MAX does), and that recall.

    ``queries``: question-like vectors (the indexer embeds sentences of the library's passages;
    short texts sit farther from the passages than passages do from each other, and need a wider
    beam). Without them, ``sample`` of the library's own vectors, each left out of its results.
    """
    target = RECALL_TARGET if target is None else target
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


class VectorIndex:
    """A FAISS index and what its manifest entry says about it (kind, tuned beam, recall at build)."""

    def __init__(self, index, kind: str, info: dict | None = None) -> None:
        self.index = index
        self.kind = kind
        self.info = info or {"index_type": kind}  # recorded in the manifest
        # id(rows) -> (rows, a bitmap selector built once; see remember)
        self._selectors: dict[int, tuple[np.ndarray, faiss.IDSelectorBitmap]] = {}

    # -- building ----------------------------------------------------------------------------------

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str, dimension: int, probes: np.ndarray | None = None) -> "VectorIndex":
        """An index of ``kind`` over ``vectors``. An HNSW graph gets the smallest efSearch that reaches
        RECALL_TARGET on ``probes`` (question-like vectors; see tune_ef_search), or becomes an exact
        index if none does."""
        index = make_faiss_index(kind, dimension, vectors)
        info: dict = {"index_type": kind}
        if kind == "hnsw":
            info.update(hnsw={"M": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION}, ef_search=HNSW_EF_SEARCH)
        if kind == "hnsw" and len(vectors) > 11:
            with all_cores():
                ef, recall = tune_ef_search(index, np.asarray(vectors, dtype=np.float32), probes)
            info["recall_at_10"] = round(recall, 4)
            if ef is None:  # the graph cannot reach the target on these vectors: search exactly
                log.warning(
                    "HNSW recall@10 %.3f < %.2f at efSearch %d; this index searches exactly instead",
                    recall,
                    RECALL_TARGET,
                    HNSW_EF_MAX,
                )
                info.update(index_type="exact", hnsw_fallback=True)
                info.pop("hnsw", None)
                info.pop("ef_search", None)
                index = make_faiss_index("exact", dimension, vectors)
                kind = "exact"
            else:
                info["ef_search"] = ef
                index.hnsw.efSearch = ef
        return cls(index, kind, info)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        _faiss().write_index(self.index, str(folder / FILE))

    @classmethod
    def load(cls, folder: Path, info: dict, *, size: int, dimension: int) -> "VectorIndex":
        """The index saved in ``folder``; IndexCorrupt unless it holds ``size`` vectors of ``dimension``."""
        try:
            index = _faiss().read_index(str(folder / FILE))
        except (OSError, RuntimeError) as exc:
            raise IndexCorrupt(f"the vectors in {folder} are damaged ({type(exc).__name__}). {REBUILD_HINT}") from None
        problems = []
        if index.ntotal != size:
            problems.append(f"{index.ntotal} vectors for {size} entries")
        if index.d != dimension:
            problems.append(f"dimension {index.d}, manifest says {dimension}")
        if problems:
            raise IndexCorrupt(f"the index in {folder.parent} is inconsistent ({'; '.join(problems)}). {REBUILD_HINT}")
        kind = info.get("index_type", "flat")
        if kind == "hnsw":
            graph: Any = index  # read_index's stub says Index; it returns the saved class, here an IndexHNSWSQ
            graph.hnsw.efSearch = int(info.get("ef_search", HNSW_EF_SEARCH))
        return cls(index, kind, dict(info))

    # -- reading -----------------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self.index.d)

    def bitmap_selector(self, rows: np.ndarray) -> faiss.IDSelectorBitmap:
        faiss = _faiss()
        bits = np.zeros(self.size, dtype=bool)
        bits[rows] = True
        packed = np.packbits(bits, bitorder="little")
        # FAISS's stub lists only the (n, bitmap) constructor and no attribute to keep the array alive.
        selector = faiss.IDSelectorBitmap(packed)  # pyright: ignore[reportCallIssue]
        # FAISS keeps a pointer; the array must outlive it
        selector.referenced_bits = packed  # pyright: ignore[reportAttributeAccessIssue]
        return selector

    def remember(self, rows: np.ndarray) -> None:
        """Build the selector for ``rows`` now and reuse it (the unrestricted rows: most questions)."""
        self._selectors[id(rows)] = (rows, self.bitmap_selector(rows))

    def forget(self, rows: np.ndarray) -> None:
        self._selectors.pop(id(rows), None)

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
            if self.kind == "hnsw":
                if len(rows) <= SUBSET_EXACT_LIMIT:
                    scores = self.index.reconstruct_batch(rows) @ q[0]
                    top = np.argsort(-scores, kind="stable")[:k]
                    return [(int(rows[i]), float(scores[i])) for i in top]
                # missing from FAISS's stub
                params = faiss.SearchParametersHNSW()  # pyright: ignore[reportAttributeAccessIssue]
                params.efSearch = max(HNSW_EF_SEARCH, int(HNSW_EF_SEARCH * self.size / len(rows)))
            else:
                params = faiss.SearchParameters()
            known = self._selectors.get(id(rows))
            params.sel = (
                known[1]
                if known is not None and known[0] is rows
                else self.bitmap_selector(rows)
                if len(rows) > self.size // 64
                else faiss.IDSelectorBatch(rows)
            )
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
