"""The Discord layer's plain parts: start-up errors, rate limits, and the renderer under any input."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import discord.http
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.answer import Quote
from bot.core.pipeline import Question
from bot.core.safety import SafetyInfo, messages
from bot.discordbot import render, runner
from bot.discordbot.limits import CooldownLimiter
from bot.settings import Settings
from helpers.library import make_test_library


def test_missing_token_is_one_clear_line_and_a_config_exit(capsys):
    assert runner.run(Settings(token=None)) == 78
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: DISCORD_TOKEN is not set")


def test_rejected_token_is_one_clear_line_and_never_echoed(
    monkeypatch, tmp_path, corpus_dir, fake_embedder, capsys, caplog
):
    """discord.py logs in against a stand-in that answers 401, as Discord does for a bad token."""
    from aiohttp import web

    secret = "rejected-test-token-0123456789-abcdefghij"

    async def unauthorized(request):
        return web.Response(
            status=401,
            body=b'{"message": "401: Unauthorized", "code": 0}',
            headers={"Content-Type": "application/json"},
        )

    app = web.Application()
    app.router.add_route("*", "/{p:.*}", unauthorized)
    server = {}

    def start_server():
        loop = asyncio.new_event_loop()
        runner_ = web.AppRunner(app)
        loop.run_until_complete(runner_.setup())
        site = web.TCPSite(runner_, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        server["port"] = runner_.addresses[0][1]
        server["loop"], server["runner"] = loop, runner_
        import threading

        threading.Thread(target=loop.run_forever, daemon=True).start()

    start_server()
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{server['port']}/api/v10")
    library = make_test_library(corpus_dir, tmp_path / "index", fake_embedder)
    monkeypatch.setattr(runner, "make_library", lambda settings: library)
    caplog.set_level(logging.DEBUG)
    try:
        code = runner.run(Settings(token=secret, corpus_dir=corpus_dir, index_dir=tmp_path / "index"))
    finally:
        server["loop"].call_soon_threadsafe(server["loop"].stop)
    assert code == 78
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {runner.BAD_TOKEN}"]
    assert secret not in caplog.text and secret not in "\n".join(err)


def test_settings_never_show_the_token():
    s = Settings(token="secret-token-value")
    assert "secret-token-value" not in repr(s)


def test_cooldowns_per_member_and_per_channel():
    now = [1000.0]
    limiter = CooldownLimiter(member_seconds=10, channel_per_minute=3, clock=lambda: now[0])

    def ask(member, channel):
        return limiter.check(Question("q", member=member, channel=channel))

    assert ask(1, 9) is None
    wait = ask(1, 9)
    assert wait is not None and not wait.channel and wait.seconds == pytest.approx(10)
    assert ask(2, 9) is None
    now[0] += 4
    wait = ask(1, 9)
    assert wait is not None and wait.seconds == pytest.approx(6)
    assert ask(3, 9) is None  # the channel's third question this minute
    wait = ask(4, 9)
    assert wait is not None and wait.channel and ask(4, 8) is None
    now[0] += 61
    assert ask(4, 9) is None and ask(1, 9) is None


def test_shards_of_this_process_come_from_settings(tmp_path, corpus_dir, fake_embedder):
    from bot.discordbot.client import LibraryBot
    from bot.settings import SettingsError

    settings = Settings.from_env({"BOT_SHARD_COUNT": "4", "BOT_SHARD_IDS": "2, 3"}, dotenv=False)
    assert (settings.shard_count, settings.shard_ids) == (4, (2, 3))
    for bad, message in [
        ({"BOT_SHARD_IDS": "0"}, "needs BOT_SHARD_COUNT"),
        ({"BOT_SHARD_COUNT": "2", "BOT_SHARD_IDS": "2"}, "below"),
        ({"BOT_SHARD_COUNT": "2", "BOT_SHARD_IDS": "one"}, "shard numbers"),
    ]:
        with pytest.raises(SettingsError, match=message):
            Settings.from_env(bad, dotenv=False)
    bot = LibraryBot(
        settings,
        make_test_library(corpus_dir, tmp_path / "index", fake_embedder),
        shard_count=settings.shard_count,
        shard_ids=list(settings.shard_ids),
    )
    assert bot.shard_count == 4 and bot.shard_ids == [2, 3]


def test_the_vote_record_is_bounded_and_refuses_a_second_vote():
    from bot.discordbot.feedback import RecentSet

    voted = RecentSet(size=3)
    assert voted.add(("a", 1)) and not voted.add(("a", 1))
    for member in range(2, 6):
        voted.add(("a", member))
    assert len(voted) == 3 and ("a", 1) not in voted and ("a", 5) in voted


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
    q = Quote(
        text="Say *yes* or __no__. Then stop.",
        title="t",
        article="a.md",
        passage="p",
        score=0.5,
        tags=(),
        site=None,
        url=None,
        highlights=((0, 20),),
        window=(0, 31),
    )
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
