"""Search and the library service with the fake embedder: threshold, duplicates, tags, age limits, live swap."""

import threading
from types import SimpleNamespace
from typing import cast

import numpy as np
import pytest

from bot.core.errors import IndexBusy
from bot.core.pipeline import Kind
from bot.core.search import rank
from bot.core.store import LoadedIndex
from helpers.library import make_test_library, write_article


def test_answer_quotes_relevant_passages_with_attribution(library):
    answer = library.ask("what are boundaries and why saying no is complete?").answer
    assert answer.answered
    top = answer.quotes[0]
    assert top.article == "boundaries.md"
    assert top.title == "Setting Boundaries After Trauma"
    assert top.source == "Example Site — https://example.org/boundaries"
    assert "boundaries" in [t.lower() for t in top.tags]
    assert 0 < top.score <= 1
    data = answer.as_dict()
    assert set(data) == {"question", "answered", "passages", "safety"}
    assert {"text", "title", "article", "passage", "score", "tags", "source"} <= set(data["passages"][0])
    assert {"note", "crisis", "category", "resources"} <= set(data["safety"])
    assert data["safety"]["crisis"] is False and data["safety"]["note"]


def test_nothing_relevant_means_no_quotes(library):
    answer = library.ask("zzzz qqqq xxxx").answer
    assert not answer.answered and answer.quotes == ()
    assert answer.safety.note


def test_empty_or_whitespace_questions_are_refused(library):
    for q in ("", "   ", "\u200b\u200b", "\n\t"):
        outcome = library.ask(q)
        assert outcome.kind is Kind.EMPTY and outcome.answer is None and "Please write a question" in outcome.message


def test_an_overlong_question_is_assessed_in_full_never_silent(library):
    answer = library.ask("boundaries " * 600).answer
    assert answer.safety.too_long and not answer.quotes
    answer = library.ask("boundaries " * 600 + ". I am going to kill myself tonight.", locale="en-US").answer
    assert answer.safety.too_long and answer.safety.crisis and "988" in answer.safety.message


def test_tag_filter_and_unknown_tag_suggestions(library):
    answer = library.ask("soil compost earthworms", tag="#Gardening").answer
    assert answer.quotes and all(q.article == "garden/soil.md" for q in answer.quotes)
    answer = library.ask("compost soil earthworms", tag="boundaries").answer
    assert all(q.article == "boundaries.md" for q in answer.quotes)
    outcome = library.ask("soil", tag="gardenning")
    assert outcome.kind is Kind.UNKNOWN_TAG and "Did you mean: gardening" in outcome.message


def test_tags_listing_autocomplete_and_lookup(library):
    tags = {t.key: (t.display, t.articles) for t in library.tags()}
    assert tags["healing"] == ("healing", 2)
    assert tags["posttraumaticgrowth"] == ("post-traumatic growth", 1)
    assert [t.key for t in library.complete_tags("#Post Trau")] == ["posttraumaticgrowth"]
    assert len(library.complete_tags("")) <= 25
    display, articles = library.articles_with_tag("HEALING")
    assert display == "healing" and {a.path for a in articles} >= {"boundaries.md"}
    assert library.opening_passage(articles[0])


def test_near_duplicate_passages_are_quoted_once(tmp_path, corpus_dir, fake_embedder):
    text = "Consent can be withdrawn at any moment, and a caring partner stops at once."
    write_article(corpus_dir, "dup1.md", "Consent One", text)
    write_article(corpus_dir, "dup2.md", "Consent One", text + " ")
    lib = make_test_library(corpus_dir, tmp_path / "i2", fake_embedder, min_score=0.1)
    lib.load()
    answer = lib.ask("consent withdrawn caring partner stops", k=5).answer
    assert answer is not None
    texts = [" ".join(q.text.split()) for q in answer.quotes]
    assert len(texts) == len(set(texts))


def test_age_restricted_articles_only_where_allowed(tmp_path, corpus_dir, fake_embedder):
    write_article(
        corpus_dir,
        "explicit.md",
        "Explicit Techniques",
        "Explicit unicorn techniques described plainly.",
        age_restricted="true",
    )
    lib = make_test_library(corpus_dir, tmp_path / "i3", fake_embedder, min_score=0.1)
    lib.load()
    hidden = lib.ask("explicit unicorn techniques").answer
    assert hidden is not None and all(q.article != "explicit.md" for q in hidden.quotes)
    allowed = lib.ask("explicit unicorn techniques", age_restricted=True).answer
    assert allowed is not None
    assert allowed.quotes[0].article == "explicit.md" and allowed.quotes[0].age_restricted


def test_questions_during_a_refresh_are_answered_from_the_old_index(library, corpus_dir, fake_embedder):
    old = library.index
    write_article(corpus_dir, "rivers.md", "Rivers", "Rivers carve valleys over thousands of years of flowing water.")
    started, release = threading.Event(), threading.Event()
    real_encode = fake_embedder.encode

    def slow_encode(texts, **kw):
        if len(texts) > 1 or "Rivers" in texts[0]:
            started.set()
            release.wait(5)
        return real_encode(texts, **kw)

    fake_embedder.encode = slow_encode
    worker = threading.Thread(target=library.refresh)
    worker.start()
    assert started.wait(5)
    assert library.refreshing
    with pytest.raises(IndexBusy):
        library.refresh()
    answer = library.ask("boundaries saying no").answer  # served meanwhile
    assert answer.answered and library.index is old
    release.set()
    worker.join(5)
    assert library.index is not old
    assert library.ask("rivers carve valleys flowing water").answer.quotes[0].article == "rivers.md"


def test_a_serving_library_follows_an_index_another_process_published(
    library, corpus_dir, fake_embedder, monkeypatch, caplog
):
    import logging

    from bot.core import library as library_module

    monkeypatch.setattr(library_module, "FOLLOW_SECONDS", 3600.0)
    other = make_test_library(corpus_dir, library.store.root, fake_embedder, min_score=0.2)  # e.g. a second shard
    write_article(
        corpus_dir,
        "lighthouse.md",
        "Lighthouse Keepers",
        "Lighthouse keepers trimmed the lamp wicks every evening before the storms.",
    )
    other.refresh()
    question = "what did lighthouse keepers trim before storms?"
    assert not library.ask(question).answer.answered  # looked at once every FOLLOW_SECONDS
    monkeypatch.setattr(library_module, "FOLLOW_SECONDS", 0.0)
    assert library.ask(question).answer.quotes[0].article == "lighthouse.md"
    # a damaged new generation is not swapped in: the library keeps serving the one it has
    write_article(corpus_dir, "lamps.md", "Lamps", "Oil lamps need clean glass chimneys to burn brightly.")
    other.refresh()
    published = other.store.current_path()
    assert published is not None
    (published / "vectors" / "index.faiss").write_bytes(b"garbage")
    with caplog.at_level(logging.WARNING, logger="bot.core.library"):
        for _ in range(3):
            assert library.ask(question).answer.quotes[0].article == "lighthouse.md"
    assert sum("cannot be used" in r.getMessage() for r in caplog.records) == 1  # said once


class _FusionIndex:
    """Just what rank() reads: dense top-n, BM25 top-n and vectors by row (unit vectors, cosine = dot)."""

    def __init__(self, cosines: dict[int, float], bm25: list[tuple[int, float]]):
        self.cosines = cosines
        self.lexical = SimpleNamespace(search=lambda text, n, rows=None: bm25[:n])

    def search(self, query, n, rows=None):
        return sorted(self.cosines.items(), key=lambda t: -t[1])[:n]

    def vectors_of(self, rows):
        return np.asarray([[self.cosines[r]] for r in rows.tolist()])


def _fusion_index(cosines: dict[int, float], bm25: list[tuple[int, float]]) -> LoadedIndex:
    return cast(LoadedIndex, _FusionIndex(cosines, bm25))  # a stand-in with just what rank() reads


def test_fusion_spreads_bm25_between_its_floor_and_best():
    query = np.asarray([1.0])
    # rows 0-2 are the dense top 3; row 3 is found by BM25 only
    cosines = {0: 0.60, 1: 0.58, 2: 0.50, 3: 0.40}
    index = _fusion_index(cosines, [(2, 8.0), (3, 6.0), (1, 4.0)])
    # the BM25 list was not cut (3 < depth): every matching passage is in it, the floor is 0
    fused = {row: score for row, score, _ in rank(index, query, k=4, query_text="q", alpha=0.5, depth=4, bm25_depth=4)}
    assert fused == pytest.approx({0: 0.30, 1: 0.29 + 0.25, 2: 0.25 + 0.5, 3: 0.20 + 0.375})
    # depth 3: the third BM25 candidate is the floor, so it gains nothing over the passages outside
    ranked = rank(index, query, k=3, query_text="q", alpha=0.5, depth=3, bm25_depth=3)
    assert [(row, round(score, 6)) for row, score, _ in ranked] == [(2, 0.75), (3, 0.45), (0, 0.30)]
    assert all(cos == cosines[row] for row, _, cos in ranked)  # the cosine is carried for the threshold
    # depth 2: the floor is the second score, whatever k asks for, so a longer list keeps the same order
    longer = rank(index, query, k=4, query_text="q", alpha=0.5, depth=2, bm25_depth=2)
    assert [(row, round(score, 6)) for row, score, _ in longer] == [(2, 0.75), (0, 0.30), (1, 0.29), (3, 0.20)]
    assert rank(index, query, k=2, query_text="q", alpha=0.5, depth=2, bm25_depth=2) == longer[:2]
    # alpha 0 is dense only; equal BM25 scores in a cut list tell nothing apart
    assert [row for row, _, _ in rank(index, query, k=3, query_text="q", alpha=0.0)] == [0, 1, 2]
    flat = _fusion_index(cosines, [(2, 5.0), (3, 5.0)])
    assert [row for row, _, _ in rank(flat, query, k=2, query_text="q", alpha=0.5, depth=2, bm25_depth=2)] == [0, 1]
