"""The measures the evaluations and the benches share: recall@k, MRR@k and percentiles of timings."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import numpy as np


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile, interpolated between neighbours (numpy's default); NaN for no values."""
    return float(np.percentile(np.asarray(values), q)) if len(values) else float("nan")


def lower_percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile as the lower of its two neighbours (no interpolation); ``values`` sorted."""
    return values[int(q / 100 * (len(values) - 1))]


def recall_at_k(found: Iterable[int], truth: Iterable[int], k: int) -> float:
    """The share of the ``k`` true nearest neighbours among the ``k`` found (approximate vs exact search)."""
    return len(set(found) & set(truth)) / k


def reciprocal_rank(ranked: Sequence[str], relevant: Collection[str], k: int = 10) -> float:
    """1/rank of the first relevant item in the top ``k``; 0 if none is there."""
    for i, item in enumerate(ranked[:k], 1):
        if item in relevant:
            return 1 / i
    return 0.0


def mean_reciprocal_rank(rankings: Sequence[Sequence[str]], relevant: Sequence[Collection[str]], k: int = 10) -> float:
    """MRR@k over questions: ``rankings[i]`` ranked for the question whose relevant items are ``relevant[i]``."""
    return sum(reciprocal_rank(r, rel, k) for r, rel in zip(rankings, relevant)) / len(relevant)
