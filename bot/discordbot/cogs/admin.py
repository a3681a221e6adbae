"""Moderators: /reindex refreshes the index from the corpus folder without a restart."""

from __future__ import annotations

import asyncio
import logging
import time

import discord
from discord import app_commands
from discord.ext import commands

from ...core.errors import BotError, IndexBusy
from .. import render
from ..client import LibraryBot, send_private

log = logging.getLogger(__name__)

REFUSED = "Only moderators (Manage Server permission or the moderator role) can refresh the library."


def is_moderator(member, settings) -> bool:
    perms = getattr(member, "guild_permissions", None)
    if perms is not None and (perms.manage_guild or perms.administrator):
        return True
    role = settings.moderator_role
    return bool(role) and any(r.id == role for r in getattr(member, "roles", ()))


def moderator_only():
    """Checked at run time: default_member_permissions only hides the command in Discord's UI."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild is None or not is_moderator(interaction.user, interaction.client.settings):
            raise app_commands.CheckFailure(REFUSED)
        return True

    return app_commands.check(predicate)


class Admin(commands.Cog):
    def __init__(self, bot: LibraryBot) -> None:
        self.bot = bot
        self.library = bot.library

    @app_commands.command(name="reindex", description="Moderators: refresh the index after the articles changed")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @moderator_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        """Re-read the corpus folder, embed what changed and swap the new index in live."""
        if self.library.refreshing:
            await send_private(interaction, "A reindex is already running. Questions are still answered meanwhile; "
                                            "try again when it has finished.")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        loop = asyncio.get_running_loop()
        last = [0.0]

        def progress(done: int, total: int) -> None:  # called from the worker thread
            now = time.monotonic()
            if now - last[0] >= 2.0 or done >= total:
                last[0] = now
                asyncio.run_coroutine_threadsafe(
                    interaction.edit_original_response(content=f"Reindexing: embedded {done:,} of {total:,} new passages…"),
                    loop)

        started = time.perf_counter()
        try:
            report = await asyncio.to_thread(self.library.refresh, progress=progress)
        except IndexBusy:
            await interaction.edit_original_response(content="A reindex is already running. Try again when it has finished.")
            return
        except BotError as exc:
            await interaction.edit_original_response(content=render.cut(f"The reindex failed and the current index "
                                                                        f"keeps serving: {exc}", render.CONTENT_MAX))
            return
        log.info("reindex published=%s embedded=%d reused=%d skipped=%d s=%.1f", report.published,
                 report.passages_embedded, report.passages_reused, len(report.skipped), time.perf_counter() - started)
        await interaction.edit_original_response(content=render.report_text(report))


async def setup(bot: LibraryBot) -> None:
    await bot.add_cog(Admin(bot))
