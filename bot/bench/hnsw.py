"""Approximate (HNSW) against exact search: recall@10 and time per efSearch, on the index's stored
vectors, on a file of real vectors, and on a million synthesized ones."""

from __future__ import annotations

import os
import time

import numpy as np

from ..evaluation.metrics import percentile, recall_at_k


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

    from ..core.vectors import HNSW_EF_SEARCH, make_faiss_index

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


def _recall_file(vectors: np.ndarray, holdout: int = 300, seed: int = 0) -> list[dict]:
    """Recall@10 of HNSW vs exact on stored real vectors; held-out passages are the queries."""
    import faiss

    from ..core.vectors import make_faiss_index

    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(vectors))
    queries, base = vectors[perm[:holdout]], vectors[perm[holdout:]]
    hnsw = make_faiss_index("hnsw", base.shape[1], base)
    faiss.omp_set_num_threads(1)

    class _View:  # what _recall needs of a LoadedIndex: its vectors and its FAISS index
        class vector_index:
            index = hnsw

        @staticmethod
        def vectors():
            return base

    return _recall(_View, queries)
