"""The evaluation harness on a tiny synthetic BEIR dataset, and the answerability sweep."""

import json

import pytest

from bot.core.search import DEFAULT_FUSION_ALPHA
from bot.evaluation.answerability import Sample, choose, sweep
from bot.evaluation.retrieval import Config, build_index, evaluate, load_beir

DOCS = {
    "d1": ("sleep", "Regular sleep routines calm the nervous system and help recovery."),
    "d2": ("trust", "Trust grows when a partner keeps small promises again and again."),
    "d3": ("garden", "Compost feeds earthworms and improves garden soil structure."),
    "d4": ("boundaries", "Saying no is a complete sentence; boundaries protect wellbeing."),
}
QUERIES = {
    "q1": ("how do sleep routines help recovery", "train"),
    "q2": ("how does trust grow with promises", "test"),
    "q3": ("what feeds earthworms in soil", "test"),
}
QRELS = [("q1", "d1", 1), ("q2", "d2", 4), ("q2", "d4", 2), ("q3", "d3", 3)]


@pytest.fixture
def dataset(tmp_path):
    folder = tmp_path / "tiny"
    folder.mkdir()
    with open(folder / "corpus.jsonl", "w") as fh:
        for did, (title, text) in DOCS.items():
            fh.write(json.dumps({"_id": did, "title": title, "text": text}) + "\n")
    with open(folder / "queries.jsonl", "w") as fh:
        for qid, (text, split) in QUERIES.items():
            fh.write(json.dumps({"_id": qid, "text": text, "split": split}) + "\n")
    (folder / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t{s}\n" for q, d, s in QRELS))
    return folder


def test_loader_grades_and_splits(dataset):
    ds = load_beir(dataset, min_grade=3)
    assert ds.qrels == {"q2": {"d2": 1}, "q3": {"d3": 1}}  # q1's grade-1 and q2's grade-2 judgements dropped
    assert set(load_beir(dataset).qrels["q2"]) == {"d2", "d4"}
    assert set(load_beir(dataset).subset("test").queries) == {"q2", "q3"}
    assert set(load_beir(dataset).subset("train,test", limit=2).queries) == {"q1", "q2"}


def test_index_is_built_with_the_product_pipeline_and_cached(dataset, tmp_path, fake_embedder):
    ds = load_beir(dataset)
    index, info = build_index(ds, tmp_path / "work", fake_embedder)
    assert info["passages"] == 4 and info["embedded"] == 4 and index.lexical is not None
    again, info = build_index(ds, tmp_path / "work", fake_embedder)
    assert info["embedded"] == 0


def test_metrics_come_out_right(dataset, tmp_path, fake_embedder):
    ds = load_beir(dataset)
    index, _ = build_index(ds, tmp_path / "work", fake_embedder)
    results = evaluate(
        ds, index, fake_embedder, [Config.parse(c) for c in ("dense", "bm25", "rrf", "hybrid:0.3")], latency_sample=3
    )
    for r in results:
        assert r.queries == 3
        assert r.metrics["recall@1"] == pytest.approx(5 / 6)  # q2 has two relevant documents: 1/2 at rank 1
        assert r.metrics["mrr@10"] == pytest.approx(1.0)
        assert 0 < r.latency_ms["p50"] < 1000
    assert (Config.parse("hybrid:0.2").alpha, Config.parse("hybrid:0.2").bm25_depth) == (0.2, 300)
    assert Config.parse("hybrid:0.2:30").bm25_depth == 30
    assert Config.parse("hybrid").alpha == DEFAULT_FUSION_ALPHA
    for bad in ("nonsense", "hybrid:x", "hybrid:0.1:y", "hybrid:1.5", "hybrid:0.1:0"):
        with pytest.raises(ValueError):
            Config.parse(bad)


def test_threshold_sweep_and_choice():
    samples = [Sample("a", True, s) for s in (0.5, 0.45, 0.4, 0.35)] + [Sample("b", False, s) for s in (0.1, 0.2, 0.38)]
    rows = {r["threshold"]: r for r in sweep(samples, thresholds=[0.3, 0.36, 0.39, 0.6])}
    assert rows[0.3]["recall"] == 1.0 and rows[0.3]["quoted_noise"] == 1
    assert rows[0.39]["precision"] == 1.0 and rows[0.39]["recall"] == 0.75
    assert rows[0.6]["recall"] == 0.0
    assert choose(list(rows.values()), min_precision=0.95)["threshold"] == 0.39
