"""Any question, tag or autocomplete text gets a well-formed answer or a clear refusal, never a crash."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.library import TagNotFound
from bot.discordbot import render

# Text of every shape: control and zero-width characters, right-to-left, emoji, markdown, mentions.
SPECIAL = st.sampled_from(
    [
        "\u200b",
        "\u200f",
        "\u202e",
        "\x00",
        "\x07",
        "\ufeff",
        "@everyone",
        "<@&123>",
        "<@456>",
        "```py\nprint(1)\n```",
        "**bold**",
        "> quote",
        "https://example.org/x?y=1",
        "🙂",
        "👩‍👩‍👧",
        "مرحبا كيف حالك",
        "שלום",
        "我该怎么办",
        "¿Qué hago?",
        "\n\n",
        "#",
        " ",
    ]
)
QUESTIONS = st.lists(st.one_of(st.text(max_size=80), SPECIAL), max_size=12).map("".join)


@pytest.fixture(scope="module")
def shared_library(tmp_path_factory):
    import shutil

    from helpers.library import SEED_ARTICLE, FakeEmbedder, make_test_library, write_article

    tmp = tmp_path_factory.mktemp("bad")
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_ARTICLE, corpus / SEED_ARTICLE.name)
    write_article(corpus, "b.md", "Boundaries", "Saying no is a complete sentence.", tags=["Boundaries"])
    lib = make_test_library(corpus, tmp / "index", FakeEmbedder(), min_score=0.1)
    lib.load()
    return lib


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=QUESTIONS)
def test_any_question_gets_an_answer_that_fits_discord_or_a_clear_refusal(shared_library, question):
    outcome = shared_library.ask(question)
    if outcome.answer is None:
        assert outcome.message and len(outcome.message) < 300
        return
    answer = outcome.answer
    assert len(answer.question) <= 300
    embeds = render.answer_embeds(answer.quotes, answer.safety)
    assert sum(len(e) for e in embeds) <= render.EMBEDS_TOTAL_MAX and len(embeds) <= render.EMBEDS_MAX
    assert len(render.question_header(answer.question)) <= render.CONTENT_MAX
    if answer.safety.message:
        assert len(render.safety_message(answer.safety)) <= render.CONTENT_MAX


def test_the_listed_awkward_questions(shared_library):
    for q in [
        "",
        "   ",
        "\u200b\u200b",
        "x" * 6000,
        "```\ncode\n```",
        "@everyone what is consent?",
        "<@&1> <@2>",
        "https://example.org",
        "🙂🙂🙂",
        "مرحبا كيف حالك",
        "זה בסדר?",
        "\x00\x01\x02",
        "\u202eevil",
    ]:
        outcome = shared_library.ask(q)
        if outcome.answer is None:
            assert "Please write a question" in outcome.message
        else:
            assert "\x00" not in outcome.answer.question and "\u202e" not in outcome.answer.question


def test_a_crisis_hidden_in_a_very_long_message_still_gets_the_card(shared_library):
    answer = shared_library.ask("blah " * 1500 + " I want to kill myself").answer
    assert answer.safety.crisis and not answer.quotes


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_tag_lookups_and_autocomplete_of_any_shape(shared_library, text):
    choices = shared_library.complete_tags(text)
    assert len(choices) <= 25
    try:
        key = shared_library.resolve_tag(text)
    except TagNotFound as exc:
        assert len(str(exc)) < 400 and all(len(s) <= 100 for s in exc.suggestions)
    else:
        assert key in {t.key for t in shared_library.tags()}
    outcome = shared_library.ask("what is consent?", tag=text)
    assert outcome.answer is not None or outcome.message
