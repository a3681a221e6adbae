from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.chunker import chunk_article, chunk_articles, split_spans
from bot.core.corpus import Article
from helpers.library import FakeEmbedder

COUNT = FakeEmbedder().count_tokens

words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30)
paragraph = st.lists(words, min_size=1, max_size=60).map(" ".join)
body = st.lists(
    st.one_of(paragraph, st.sampled_from(["", "Short title", "A. B. C.", "x" * 500, "😀" * 40])),
    min_size=1,
    max_size=12,
).map(lambda ps: "\n\n".join(ps))


def _check_cover(text, spans):
    """Spans are in order, do not overlap, and only whitespace lies between them."""
    pos = 0
    for s, e in spans:
        assert s >= pos and e > s
        assert text[pos:s].strip() == ""
        pos = e
    assert text[pos:].strip() == ""


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=body, max_tokens=st.integers(min_value=1, max_value=120), min_tokens=st.integers(0, 60))
def test_every_character_lands_in_a_passage_and_no_passage_is_too_long(text, max_tokens, min_tokens):
    spans = split_spans(text, COUNT, max_tokens, min_tokens)
    _check_cover(text, spans)
    for s, e in spans:
        assert COUNT(text[s:e]) <= max_tokens


def test_paragraphs_are_kept_whole_when_they_fit():
    text = (
        "First paragraph has enough words to stand alone as a passage here.\n\n"
        "Second one also has enough words to stand."
    )
    spans = split_spans(text, COUNT, max_tokens=50, min_tokens=5)
    assert [text[s:e] for s, e in spans] == text.split("\n\n")


def test_long_paragraph_splits_on_sentences():
    sentences = [f"Sentence number {i} talks about trust and time." for i in range(30)]
    text = " ".join(sentences)
    spans = split_spans(text, COUNT, max_tokens=40, min_tokens=5)
    assert len(spans) > 1
    for s, e in spans:
        assert text[s:e].endswith(".")  # cut at a sentence end, not mid-sentence
        assert COUNT(text[s:e]) <= 40


def test_short_heading_joins_the_next_paragraph():
    text = "A Heading\n\nThe paragraph that follows it has plenty of words to make a passage on its own."
    spans = split_spans(text, COUNT, max_tokens=100, min_tokens=8)
    assert [text[s:e] for s, e in spans] == [text]


def test_passages_have_stable_content_ids_and_title_context():
    article = Article(path="a.md", title="Title", body="One paragraph of text.\n\nAnother paragraph of text here.")
    first = chunk_article(article, COUNT, 100, min_tokens=1)
    again = chunk_article(article, COUNT, 100, min_tokens=1)
    assert [p.id for p in first] == [p.id for p in again]
    assert len({p.id for p in first}) == len(first)
    assert first[0].embed_text.startswith("Title\n")
    edited = Article(path="a.md", title="Title", body="One paragraph of text.\n\nA changed paragraph.")
    assert chunk_article(edited, COUNT, 100, min_tokens=1)[0].id == first[0].id


def test_repeated_paragraphs_get_distinct_ids():
    article = Article(path="a.md", title="T", body="Same words again.\n\nSame words again.")
    ids = [p.id for p in chunk_article(article, COUNT, 100, min_tokens=0)]
    assert len(ids) == 2 and ids[0] != ids[1]


def test_real_tokenizer_limits_hold_with_the_title(real_embedder):
    long_para = " ".join(["Post-traumatic growth is possible but never required."] * 80)
    article = Article(
        path="long.md",
        title="A fairly long title about intimacy, trauma and growth",
        body=long_para + "\n\nhttps://example.org/" + "x" * 3000,
    )
    passages = chunk_articles([article], real_embedder.count_tokens, real_embedder.max_tokens)
    assert len(passages) > 3
    for p in passages:
        assert real_embedder.count_tokens(p.embed_text) + 2 <= real_embedder.max_tokens
        assert p.text == article.body[p.start : p.end]
    _check_cover(article.body, [(p.start, p.end) for p in passages])
