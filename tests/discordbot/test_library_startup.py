"""At start the bot says when the index is out of date with the corpus folder, and how to refresh it."""

from __future__ import annotations

import logging

import discord
import discord.http

from bot.discordbot import runner
from bot.settings import Settings
from helpers.library import make_test_library, write_article


def test_the_bot_says_at_start_that_the_index_is_out_of_date(monkeypatch, corpus_dir, tmp_path, fake_embedder, caplog):
    make_test_library(corpus_dir, tmp_path / "index", fake_embedder).load()
    write_article(corpus_dir, "rivers.md", "Rivers", "Rivers carve valleys.")
    monkeypatch.setattr(
        runner, "make_library", lambda settings: make_test_library(corpus_dir, tmp_path / "index", fake_embedder)
    )
    monkeypatch.setattr(discord.http.Route, "BASE", "http://discord.invalid/api/v10")  # stops right after
    with caplog.at_level(logging.WARNING, logger="bot.discordbot.runner"):
        runner.run(Settings.from_env({"DISCORD_TOKEN": "MTIz.abc.def"}, dotenv=False))
    assert (
        "the index is out of date: 1 article added, changed or removed since the last build: rivers.md (added); "
        "run /library refresh or python -m bot index build"
    ) in caplog.messages
