"""The bench's tables on stdout (progress goes to stderr)."""

from __future__ import annotations

import sys


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
