"""Start the bot: settings checked, model and index loaded once, then discord.py's sharded client."""

from __future__ import annotations

import asyncio
import logging
import sys

import discord

from ..app import make_library
from ..settings import Settings

log = logging.getLogger(__name__)

EXIT_CONFIG = 78

NO_TOKEN = ("DISCORD_TOKEN is not set. Create a bot in the Discord developer portal, copy its token, and put "
            "DISCORD_TOKEN=... in the environment or in a .env file here (see the README).")
BAD_TOKEN = ("Discord rejected DISCORD_TOKEN. Reset the bot's token in the Discord developer portal and update "
             "DISCORD_TOKEN (see the README).")
NEEDS_INTENT = ("BOT_ANSWER_CHANNEL_IDS needs the Message Content intent: enable it for the bot in the Discord "
                "developer portal (Bot, Privileged Gateway Intents), or unset BOT_ANSWER_CHANNEL_IDS.")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_CONFIG


def run(settings: Settings, *, sync_global: bool = False) -> int:
    """Run until stopped. Exit status 78 (configuration error) for a missing or rejected token."""
    if not settings.token:
        return _fail(NO_TOKEN)
    from .client import LibraryBot

    library = make_library(settings)
    report = library.load()  # the model and index load once, before connecting
    if report is not None:
        log.warning("built the index at start-up: %s", " ".join(report.lines()))
    sharding = {"shard_count": settings.shard_count} if settings.shard_count else {}
    if settings.shard_ids:
        sharding["shard_ids"] = list(settings.shard_ids)
    bot = LibraryBot(settings, library, **sharding)

    async def main() -> None:
        async with bot:
            if sync_global:
                await bot.login(settings.token)
                synced = await bot.tree.sync()
                print(f"Synced {len(synced)} commands globally; Discord may take up to an hour to show them.")
                return
            await bot.start(settings.token)

    try:
        asyncio.run(main())
    except discord.LoginFailure:
        return _fail(BAD_TOKEN)
    except discord.PrivilegedIntentsRequired:
        return _fail(NEEDS_INTENT)
    except KeyboardInterrupt:
        pass
    return 0
