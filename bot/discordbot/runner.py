"""Start the bot: settings checked, model and index loaded once, then discord.py's sharded client.

Every way a start can fail is one line on stderr with the way out, never a traceback:
- 78 (configuration): no token, a token Discord rejects, a privileged intent not enabled, the
  development server refusing the bot (not invited, or invited without applications.commands);
- 1: Discord cannot be reached (no network, DNS), or Discord failed on its side.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from typing import Any

import aiohttp
import discord

from ..app import make_library
from ..core.text import plural
from ..settings import EXIT_CONFIG, Settings

log = logging.getLogger(__name__)

EXIT_ERROR = 1

NO_TOKEN = (
    "DISCORD_TOKEN is not set. Create a bot in the Discord developer portal, copy its token, and put "
    "DISCORD_TOKEN=... in the environment or in a .env file here (see the README)."
)
BAD_TOKEN = (
    "Discord rejected DISCORD_TOKEN. Reset the bot's token in the Discord developer portal and update "
    "DISCORD_TOKEN (see the README)."
)
NEEDS_INTENT = (
    "BOT_ANSWER_CHANNEL_IDS and BOT_FORUM_CHANNEL_IDS need the Message Content intent: enable it for the "
    "bot in the Discord developer portal (Bot, Privileged Gateway Intents), or unset them."
)
NO_NETWORK = (
    "cannot reach Discord ({reason}). Check this machine's network and DNS (python -m bot doctor "
    "checks everything else offline); the bot retries by itself once it is connected."
)
DEV_GUILD_REFUSED = (
    "Discord refused to register the commands in BOT_DEV_GUILD_ID {guild} ({reason}): invite the "
    "bot to that server with the applications.commands scope (python -m bot doctor prints the "
    "link), or unset BOT_DEV_GUILD_ID."
)
DISCORD_DOWN = "Discord answered with an error ({reason}). Try again in a few minutes; see discordstatus.com."


class StartupError(Exception):
    """A start-up failure with its one line and exit status."""

    def __init__(self, line: str, status: int) -> None:
        super().__init__(line)
        self.status = status


def _fail(message: str, status: int = EXIT_CONFIG) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


def _network_reason(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorDNSError) or isinstance(getattr(exc, "os_error", None), socket.gaierror):
        return "the name discord.com does not resolve"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return "the connection timed out"
    return type(exc).__name__ if not str(exc) else str(exc).split(" [")[0][:120]


def run(settings: Settings, *, sync_global: bool = False) -> int:
    """Run until stopped; the exit status says how a start failed (see the module's docstring)."""
    token = settings.token
    if not token:
        return _fail(NO_TOKEN)
    from .client import LibraryBot

    library = make_library(settings)
    report = library.load()  # the model and index load once, before connecting
    if report is not None:
        log.warning("built the index at start-up: %s", " ".join(report.lines()))
    stale = library.staleness()
    if stale is not None and stale.stale:
        log.warning("the index is %s; run /library refresh or python -m bot index build", stale.summary())
    sharding: dict[str, Any] = {"shard_count": settings.shard_count} if settings.shard_count else {}
    if settings.shard_ids:
        sharding["shard_ids"] = list(settings.shard_ids)
    bot = LibraryBot(settings, library, **sharding)

    async def main() -> None:
        async with bot:
            if sync_global:
                await bot.login(token)
                synced = await bot.tree.sync()
                print(f"Synced {plural(len(synced), 'command')} globally; Discord may take up to an hour to show them.")
                return
            await bot.start(token)

    try:
        asyncio.run(main())
    except discord.LoginFailure:
        return _fail(BAD_TOKEN)
    except discord.PrivilegedIntentsRequired:
        return _fail(NEEDS_INTENT)
    except StartupError as exc:
        return _fail(str(exc), exc.status)
    except discord.Forbidden as exc:
        return _fail(DEV_GUILD_REFUSED.format(guild=settings.dev_guild, reason=exc.text or exc.status))
    except discord.DiscordServerError as exc:
        return _fail(DISCORD_DOWN.format(reason=exc.status), EXIT_ERROR)
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
        return _fail(NO_NETWORK.format(reason=_network_reason(exc)), EXIT_ERROR)
    except discord.GatewayNotFound:
        return _fail(NO_NETWORK.format(reason="the gateway could not be found"), EXIT_ERROR)
    except KeyboardInterrupt:
        pass
    return 0
