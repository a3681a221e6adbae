"""Start-up: a missing or rejected token is one clear line and never echoed; shards come from settings."""

from __future__ import annotations

import asyncio
import logging

import discord
import discord.http
import pytest

from bot.discordbot import runner
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
