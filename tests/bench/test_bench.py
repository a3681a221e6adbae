"""python -m bot bench runs end to end on a small generated corpus (figures are printed, not asserted)."""

import json

import pytest

from bot.bench import QUESTIONS, generate_corpus
from bot.core.chunker import chunk_articles
from bot.core.corpus import scan_corpus
from helpers.library import ROOT, FakeEmbedder


def test_generated_corpus_has_about_the_requested_passages_all_unique(tmp_path):
    articles = generate_corpus(tmp_path / "c", 300, ROOT / "corpus")
    scan = scan_corpus(tmp_path / "c")
    assert articles == len(scan.articles) == 30 and not scan.skipped
    passages = chunk_articles(scan.articles, FakeEmbedder().count_tokens, 256)
    assert 270 <= len(passages) <= 330
    assert len({p.text for p in passages}) == len(passages)
    assert sum(a.age_restricted for a in scan.articles) == 0  # one in 50 articles; 30 here
    assert generate_corpus(tmp_path / "c", 300, ROOT / "corpus") == 30  # kept, not rewritten


@pytest.mark.model
def test_bench_measures_both_stacks_side_by_side(tmp_path, capsys, monkeypatch, safety_policy, model_cache):
    from bot.bench import BenchOptions, run

    # The session's model folder: both stacks use the default encoder and the safety model the session
    # trained, and the processes timed for a cold start load it (an int8 product stack would train one
    # for its encoder first: minutes. That the int8 encoder runs without torch: test_onnx_encoder).
    monkeypatch.setenv("BOT_MODEL_CACHE", str(model_cache))
    args = BenchOptions(
        sizes="200",
        encoder="torch",
        index_type="hnsw",
        embed_limit=10_000,
        baseline_embed_limit=100,
        rounds=1,
        cold_runs=1,
        million=20_000,
        recall_vectors=None,
        source=str(ROOT / "corpus"),
        work=str(tmp_path / "bench"),
        reuse_builds=False,
    )
    report = run(args)
    out = capsys.readouterr().out
    entry = report["sizes"][0]
    base, prod = entry["stacks"]["baseline"], entry["stacks"]["product"]
    assert base["index_type"] == "flat" and prod["index_type"] == "hnsw"
    assert base.get("vectors_lent") and "build_per_s" in prod and "build_per_s" not in base
    for figures in (base, prod):
        assert figures["answers"] == len(QUESTIONS)
        assert 0 < figures["p50_ms"] <= figures["p99_ms"]
        assert figures["cold_start_s"] > 0 and figures["rss_mib"] > figures["raw_vectors_mib"] > 0
        assert figures["one_article_embedded"] >= 1
    assert all(0 <= r["recall_at_10"] <= 1 for r in entry["recall"])
    assert report["million"]["n"] == 20_000 and report["million"]["rows"]
    assert "answer p50 ms" in out and "cold start s" in out and "20,000 vectors" in out
    json.dumps(report)  # every figure can be written as JSON


def test_plain_stack_chunks_near_a_thousand_characters_between_sentences():
    from bot.plainbench import CHUNK_CHARS, _chunks, _mrr, _per_question

    text = " ".join(f"Sentence number {i} says something about sleep and stress." for i in range(100))
    chunks = _chunks(text)
    assert len(chunks) > 3 and all(len(c) <= CHUNK_CHARS for c in chunks)
    assert all(c.endswith(".") for c in chunks) and " ".join(chunks) == text
    assert _chunks("x" * 2500) == ["x" * 1000, "x" * 1000, "x" * 500]
    answers = [{"passages": [{"article": "a"}, {"article": "b"}]}, {"passages": []}]
    assert _mrr(answers, {"q1": {"b"}, "q2": {"c"}}, ["q1", "q2"]) == 0.25
    assert _per_question([(1.0, ""), (1.5, ""), (1.6, "")]) == pytest.approx(300)
