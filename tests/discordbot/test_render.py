"""The renderer under any input: Discord's limits, a phone screen, the answer in bold, the notes."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.answer import Quote
from bot.core.safety import SafetyInfo, messages
from bot.discordbot import render
from helpers.library import make_test_library, quote_of


def test_cut_never_splits_a_word_when_it_can_avoid_it():
    assert render.cut("short", 10) == "short"
    assert render.cut("one two three four", 12) == "one two…"
    assert render.cut("x" * 50, 10) == "x" * 9 + "…"  # a single giant word has to be cut
    assert len(render.cut("word " * 1000, 1024)) <= 1024


text = st.text(min_size=0, max_size=6000)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(text, min_size=0, max_size=12),
    title=text,
    tags=st.lists(st.text(max_size=300), max_size=80),
    url=st.one_of(st.none(), text),
    note=st.one_of(st.none(), text),
    check_in=st.one_of(st.none(), text),
)
def test_answers_always_fit_discord_limits(texts, title, tags, url, note, check_in):
    quotes = [
        Quote(
            text=t or "x",
            title=title or "t",
            article="a.md",
            passage=str(i),
            score=0.5,
            tags=tuple(tags),
            site=title,
            url=url,
            claim_note=note,
        )
        for i, t in enumerate(texts)
    ]
    info = SafetyInfo(note=messages().consent_note, check_in=check_in, growth_note=note)
    embeds = render.answer_embeds(quotes, info)
    assert 1 <= len(embeds) <= render.EMBEDS_MAX
    assert sum(len(e) for e in embeds) <= render.EMBEDS_TOTAL_MAX
    for e in embeds:
        d = e.to_dict()
        assert len(d.get("title", "")) <= 256 and len(d.get("description", "")) <= 4096
        assert all(len(f["value"]) <= 1024 and len(f["name"]) <= 256 for f in d.get("fields", []))
        assert len(d.get("footer", {}).get("text", "")) <= 2048
        assert "url" not in d or d["url"].startswith(("http://", "https://"))
    assert len(render.question_header(title)) <= 2000


PARAGRAPH = " ".join(
    f"Sentence {i} is context that a member does not need to read for this question." for i in range(12)
)
ANSWER = "The answering sentence says exactly what was asked."


def _quote(article: str, title: str, score: float, match: str, *, answer_at: int = 6) -> Quote:
    before = " ".join(PARAGRAPH.split(". ")[:answer_at]) + ". "
    text = before + ANSWER + " " + PARAGRAPH
    start = len(before)
    return Quote(
        text=text,
        title=title,
        article=article,
        passage=f"{article}#{score}",
        score=score,
        tags=("consent", "communication", "trauma"),
        site="ZeroOpposite",
        url=f"https://example.org/{article}",
        highlights=((start, start + len(ANSWER)),),
        window=(0, len(text)),
        match=match,
    )


def test_an_answer_fits_a_phone_screen_with_the_answer_in_bold_and_each_article_once():
    quotes = [
        _quote("a.md", "Talking About Consent", 0.71, "strong match"),
        _quote("b.md", "Gardening Notes", 0.52, "partial match"),
        _quote("a.md", "Talking About Consent", 0.49, "partial match", answer_at=2),
    ]
    info = SafetyInfo(note=messages().consent_note)
    header = render.question_header("what does the answering sentence say?")
    embeds = render.answer_embeds(quotes, info, content=header)
    data: list[dict[str, Any]] = [dict(e.to_dict()) for e in embeds]
    assert render.visible_chars(embeds, header) <= render.PHONE_CHARS
    assert [d.get("title") for d in data] == ["1, 3. Talking About Consent", "2. Gardening Notes", "Safety and consent"]
    consent = data[0]
    assert consent["url"] == "https://example.org/a.md"
    assert consent["description"].count(f"**{ANSWER}**") == 2  # both quotes of the article, each in bold
    assert "…" in consent["description"] and "Sentence 11 is" not in consent["description"]  # trimmed
    assert [f["name"] for f in consent["fields"]] == ["Relevance", "Tags"]
    assert consent["fields"][0]["value"] == "1: strong match, 3: partial match"
    assert data[1]["fields"][0]["value"] == "partial match"
    footers = [d.get("footer", {}).get("text", "") for d in data]
    assert sum(messages().unreviewed_label in f for f in footers) == 2  # once per article, none on the note
    assert sum(d.get("fields", [{}])[-1].get("value") == "consent, communication, trauma" for d in data) == 2


def test_the_label_and_the_growth_note_only_when_they_apply():
    info = SafetyInfo(note=messages().consent_note, growth_note=messages().growth_note)
    none = [e.to_dict() for e in render.answer_embeds([], info)]
    assert not any(messages().unreviewed_label in str(d) for d in none)
    assert not any(messages().growth_note in str(d) for d in none)  # the research note goes with quotes
    quoted = [e.description or "" for e in render.answer_embeds([_quote("a.md", "T", 0.6, "strong match")], info)]
    assert messages().growth_note in quoted[-1]


def test_markdown_in_a_passage_cannot_break_the_bold():
    q = quote_of("Say *yes* or __no__. Then stop.", ((0, 20),), (0, 31), article="a.md")
    assert render.quote_text(q) == r"**Say \*yes\* or \_\_no\_\_.** Then stop."


def test_the_growth_note_only_on_growth_questions(tmp_path, corpus_dir, fake_embedder):
    lib = make_test_library(corpus_dir, tmp_path / "index", fake_embedder, min_score=-1.0)
    lib.load()
    shown = {}
    for question in (
        "how long does it take to rebuild trust after my partner cheated?",
        "what is post traumatic growth?",
    ):
        content, embeds = render.outcome_parts(lib.ask(question))
        shown[question] = growth = messages().growth_note in (embeds[-1].description or "")
        # The research note, the counter-note and the answering sentences are never cut: with the
        # research note the answer may pass the screen by that note's length; without, it fits.
        allowance = len(messages().growth_note) if growth else 0
        assert len(embeds) >= 2 and render.visible_chars(embeds, content) <= render.PHONE_CHARS + allowance
    assert shown == {
        "how long does it take to rebuild trust after my partner cheated?": False,
        "what is post traumatic growth?": True,
    }
