"""Opt-in automatic refresh: follows the corpus folder (debounced) or looks on a period; reports what it did."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.autorefresh import AutoRefresh, corpus_change
from bot.settings import Settings, SettingsError
from helpers.library import FakeEmbedder, make_test_library, write_article


@pytest.fixture
def library(tmp_path):
    corpus = tmp_path / "corpus"
    write_article(corpus, "a.md", "Alpha", "Alpha text about rest.")
    lib = make_test_library(corpus, tmp_path / "index", FakeEmbedder())
    lib.load()
    return lib


async def wait_for(condition, timeout=10.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_watch_refreshes_once_for_a_burst_of_changes(library):
    reports = []

    async def report(rep, err):
        reports.append((rep, err))

    auto = AutoRefresh(library, report, watch=True, debounce=0.3)
    auto.start()
    try:
        await asyncio.sleep(0.5)  # the watcher is up (and found nothing stale at start)
        assert reports == []
        for i in range(5):  # a folder copied in: one refresh
            write_article(library.corpus_dir, f"new{i}.md", f"New {i}", f"New text number {i} about sleep.")
        (library.corpus_dir / ".a.md.swp").write_text("editor noise")
        await wait_for(lambda: reports)
        await asyncio.sleep(1.0)
        assert len(reports) == 1 and reports[0][1] is None
        assert reports[0][0].articles_added == [f"new{i}.md" for i in range(5)]
        assert len(library.index.articles) == 6
    finally:
        await auto.stop()


async def test_period_refreshes_only_when_stale_and_reports_a_failure_once(library):
    reports = []

    async def report(rep, err):
        reports.append((rep, err))

    auto = AutoRefresh(library, report, every=0.2)
    auto.start()
    try:
        await asyncio.sleep(0.6)
        assert reports == []  # nothing changed: nothing done
        library.embedder.fail_after = library.embedder.calls  # the next encoding fails
        write_article(library.corpus_dir, "b.md", "Beta", "Beta text about sleep.")
        await wait_for(lambda: reports)
        await asyncio.sleep(0.6)
        assert len(reports) == 1 and reports[0][0] is None  # tried at every period, said once
        assert str(reports[0][1]) == "the refresh failed unexpectedly (RuntimeError); see the bot's log"
        assert library.last_refresh_error == "unexpected RuntimeError"
        library.embedder.fail_after = None
        await wait_for(lambda: any(r for r, _ in reports))
        assert "b.md" in {a.path for a in library.index.articles.values()}
    finally:
        await auto.stop()


def test_the_watch_filter_ignores_hidden_and_other_files(tmp_path):
    accept = corpus_change(tmp_path)
    assert accept(None, str(tmp_path / "a.md")) and accept(None, str(tmp_path / "sub" / "b.html"))
    assert accept(None, str(tmp_path / "folder"))
    assert not accept(None, str(tmp_path / ".removed" / "x.md"))
    assert not accept(None, str(tmp_path / ".a.md.tmp")) and not accept(None, str(tmp_path / "photo.png"))


@pytest.mark.parametrize(
    "value,watch,minutes",
    [
        ("", False, None),
        ("off", False, None),
        ("watch", True, None),
        ("WATCH", True, None),
        ("15", False, 15.0),
        ("1.5", False, 1.5),
    ],
)
def test_auto_refresh_setting(value, watch, minutes):
    s = Settings.from_env({"BOT_AUTO_REFRESH": value}, dotenv=False)
    assert (s.auto_refresh_watch, s.auto_refresh_minutes) == (watch, minutes)


@pytest.mark.parametrize("value", ["sometimes", "0", "-5", "99999"])
def test_bad_auto_refresh_setting(value):
    with pytest.raises(SettingsError, match="BOT_AUTO_REFRESH"):
        Settings.from_env({"BOT_AUTO_REFRESH": value}, dotenv=False)


def test_moderator_settings():
    s = Settings.from_env(
        {
            "BOT_MODERATOR_CHANNEL_ID": "123456789012345678",
            "BOT_FORUM_CHANNEL_IDS": "1, 2",
            "BOT_ANSWER_IN_THREADS": "true",
            "BOT_FETCH_ALLOW_PRIVATE": "yes",
        },
        dotenv=False,
    )
    assert s.moderator_channel == 123456789012345678 and s.forum_channels == (1, 2)
    assert s.answer_in_threads and s.fetch_allow_private and s.message_content
    default = Settings.from_env({}, dotenv=False)
    assert not (
        default.auto_refresh_watch
        or default.auto_refresh_minutes
        or default.fetch_allow_private
        or default.answer_in_threads
        or default.message_content
    )
    assert default.unanswered_path == default.feedback_file.with_name("unanswered.jsonl")
