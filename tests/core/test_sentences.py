"""Sentence evidence with the fake embedder: units, highlights, excerpt windows, relevance in order."""

import numpy as np
import pytest

from bot.core.search import STRONG_MARGIN, WINDOW_CHARS, describe_relevance, search, sentence_weight
from bot.core.sentences import SentenceIndex, sentence_units
from bot.core.text import sentence_spans
from bot.core.vectors import VectorIndex
from helpers.library import make_test_library, quote_of, write_article

LONG = (
    "Consent is an ongoing conversation between partners. "
    "Each person can pause or stop at any moment without giving a reason. "
    "Checking in with a simple question keeps both people comfortable. "
    "The FRIES model says consent is freely given, reversible, informed, enthusiastic and specific. "
    "Partners who practise asking find that it becomes natural over time. "
    "Silence or stillness is never the same as a yes."
)


@pytest.fixture
def consent_library(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    write_article(
        corpus,
        "consent.md",
        "Talking About Consent",
        LONG + "\n\nA second paragraph about rivers, "
        "boats and the sea, which has nothing to do with the first one at all.",
        tags=["consent"],
    )
    write_article(corpus, "other.md", "Gardening Notes", "Compost feeds earthworms. Mulch keeps moisture in.")
    lib = make_test_library(corpus, tmp_path / "index", fake_embedder, min_score=0.1)
    lib.load()
    return lib


def test_units_are_the_sentences_the_claim_guard_reads():
    text = "Dr. Hertlein found closeness. It helps!\n\nA heading\nAnd a line."
    assert sentence_units(text) == sentence_spans(text)
    assert sentence_units("   ") == [(0, 3)]  # never a passage without a unit
    first, spans, units = SentenceIndex.split(["One. Two.", "Three"])
    assert first.tolist() == [0, 2, 3] and units == ["One.", "Two.", "Three"]
    vectors = VectorIndex.build(np.eye(3, dtype=np.float32), "flat", 3)  # units_of reads none of it
    index = SentenceIndex(vectors, first, spans, np.zeros(3, dtype="S16"))
    got, owner = index.units_of(np.asarray([1, 0]))
    assert got.tolist() == [2, 0, 1] and owner.tolist() == [0, 1, 1]
    assert index.passage_of(np.asarray([0, 1, 2])).tolist() == [0, 0, 1]


def test_the_answering_sentence_is_highlighted_and_the_window_trims_the_passage(consent_library):
    question = "what does the FRIES model say consent is?"
    answer = consent_library.ask(question).answer
    top = answer.quotes[0]
    assert top.article == "consent.md"
    marked = [top.text[s:e] for s, e in top.highlights]
    assert any("FRIES model" in m for m in marked)
    lo, hi = top.window
    assert lo <= top.highlights[0][0] and top.highlights[-1][1] <= hi
    assert hi - lo <= WINDOW_CHARS and (lo, hi) != (0, len(top.text))
    excerpt = top.excerpt()
    assert "**The FRIES model" in excerpt and excerpt.endswith("…") and "rivers" not in excerpt
    assert top.sentence_score > top.passage_score  # the sentence says it better than the passage
    assert top.match in ("strong match", "partial match")
    data = top.as_dict()
    assert data["highlights"] and data["window"] == [lo, hi] and data["match"] == top.match


def test_relevance_only_goes_down_the_list(consent_library):
    for question in ("consent pause stop partners", "rivers boats sea", "compost earthworms moisture"):
        quotes = consent_library.ask(question, k=5).answer.quotes
        scores = [q.relevance for q in quotes]
        assert scores == sorted(scores, reverse=True) and all(s >= 0.1 for s in scores)


def test_relevance_in_words_and_sentence_weight_by_length():
    assert describe_relevance(0.35 + STRONG_MARGIN, 0.35) == "strong match"
    assert describe_relevance(0.36, 0.35) == "partial match"
    short, long = sentence_weight("what is fries?"), sentence_weight(" ".join(["word"] * 60))
    middle = sentence_weight(" ".join(["word"] * 19))
    assert short > middle > long >= 0


def test_excerpt_marks_every_span_inside_the_window():
    q = quote_of("One two. Three four. Five six.", ((9, 20),), (9, 30))
    assert q.excerpt(("<b>", "</b>")) == "…<b>Three four.</b> Five six."
    assert quote_of("x").excerpt() == "x"


def test_without_a_sentence_index_search_still_ranks_passages(consent_library):
    index = consent_library.index
    q = consent_library.embedder.encode(["FRIES model consent"])[0]
    with_sentences = search(index, q, k=2, min_score=0.0, query_text="FRIES model consent")
    index.sentences, saved = None, index.sentences
    try:
        plain = search(index, q, k=2, min_score=0.0, query_text="FRIES model consent")
    finally:
        index.sentences = saved
    assert plain and plain[0].highlights == () and plain[0].window is None
    assert with_sentences[0].highlights


def test_an_excerpt_within_a_limit_keeps_whole_sentences_around_the_answer():
    text = "Alpha one two. Beta three four. The answer is here. Gamma five six. Delta seven eight."
    s = text.index("The answer")
    q = quote_of(text, ((s, s + len("The answer is here.")),), (0, len(text)))
    assert q.excerpt(limit=200) == text.replace("The answer is here.", "**The answer is here.**")
    assert q.excerpt(limit=40) == "…**The answer is here.** Gamma five six.…"  # the next sentence first
    assert q.excerpt(limit=19) == "…**The answer is here.**…"
    assert q.excerpt(limit=12) == "…**The answer is here.**…"  # the answering sentence is never cut
    long = "word " * 120 + "end."
    q2 = quote_of(long, ((0, len(long)),), (0, len(long)))
    assert q2.excerpt(limit=40).endswith("…") and len(q2.excerpt(limit=40)) < 50  # over WHOLE_SENTENCE: cut
    plain = quote_of(text)
    assert plain.excerpt(limit=35) == "Alpha one two. Beta three four.…"
