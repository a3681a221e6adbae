"""Starting the real bot against the stand-in Discord, shared by the Discord and load tests."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil

import pytest

from bot.discordbot.client import LibraryBot
from bot.settings import Settings
from helpers.discord_harness import GUILD_ID, MOD_ROLE_ID, FakeDiscord, spec_check
from helpers.library import SEED_ARTICLE, FakeEmbedder, make_test_library, write_article

LONG_TITLE = "A Very Long Title " * 20
LONG_PARAGRAPH = " ".join(["consent reversible enthusiastic specific freely informed"] * 60)


@dataclasses.dataclass
class Env:
    fake: FakeDiscord
    bot: LibraryBot
    embedder: FakeEmbedder
    settings: Settings
    corpus: object
    allow_refusals: bool = False  # a test that provokes Discord's refusals on purpose


def _corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_ARTICLE, corpus / SEED_ARTICLE.name)
    write_article(
        corpus,
        "long.md",
        LONG_TITLE,
        LONG_PARAGRAPH,
        tags=[f"a rather long tag name {i}" for i in range(60)],
        url="https://example.org/" + "x" * 300,
    )
    write_article(
        corpus,
        "after-dark.md",
        "Explicit Guide",
        "Unicorn nebula techniques described explicitly.",
        tags=["explicit"],
        age_restricted="true",
    )
    topics = [
        "sleep routines and rest",
        "journaling every evening",
        "walking outdoors among trees",
        "breathing exercises before bed",
        "cooking simple warm meals",
        "calling an old friend",
        "music lessons and singing",
    ]
    for i, topic in enumerate(topics):
        write_article(
            corpus, f"heal{i}.md", f"Healing Note {i}", f"Healing with patience through {topic}.", tags=["Healing"]
        )
    return corpus


@pytest.fixture
async def start_bot(tmp_path, monkeypatch):
    started = []

    async def start(embedder=None, policy=None, extra_channels=(), **overrides) -> Env:
        corpus = _corpus(tmp_path)
        embedder = embedder or FakeEmbedder()
        library = make_test_library(
            corpus, tmp_path / "index", embedder, policy=policy, min_score=0.15, model_cache=tmp_path / "models"
        )
        library.load()
        settings = Settings(
            corpus_dir=corpus,
            index_dir=tmp_path / "index",
            token="fake-token",
            dev_guild=int(GUILD_ID),
            moderator_role=int(MOD_ROLE_ID),
            cooldown_seconds=0,
            cooldown_per_channel=1000,
            feedback_file=tmp_path / "feedback.jsonl",
        )
        settings = settings.model_copy(update=overrides)
        fake = FakeDiscord()
        fake.guild["channels"] += list(extra_channels)
        await fake.start(monkeypatch)
        bot = LibraryBot(settings, library, guild_ready_timeout=0.1)
        assert settings.token is not None  # the settings above give one
        task = asyncio.create_task(bot.start(settings.token))
        await asyncio.wait_for(fake.ready.wait(), 15)
        await asyncio.wait_for(bot.wait_until_ready(), 15)
        env = Env(fake, bot, embedder, settings, corpus)
        started.append((env, task))
        return env

    yield start
    for env, task in started:
        await env.bot.close()
        task.cancel()
        await env.fake.stop()
        if not env.allow_refusals:  # under Discord's rules, nothing the bot sent may be refused
            assert not env.fake.refused(), [(c.method, c.path, c.error_code) for c in env.fake.refused()]
        try:
            failures = spec_check(env.fake.calls)
        except RuntimeError:
            pytest.skip("node is not installed: the Discord API spec check was skipped")
        assert not failures, json.dumps(failures, indent=1)[:4000]
