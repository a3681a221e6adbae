"""Looking articles up by tag: /tags lists them, /tag shows the articles with one."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from ...core.errors import BotError
from .. import render
from ..client import NO_MENTIONS, LibraryBot, TagPageButton, TagsPageButton, pager_view, send_private
from .ask import tag_choices


class Tags(commands.Cog):
    def __init__(self, bot: LibraryBot) -> None:
        self.bot = bot
        self.library = bot.library

    @app_commands.command(name="tags", description="List the tags in the library with their article counts")
    async def tags(self, interaction: discord.Interaction) -> None:
        """List every tag with how many articles carry it."""
        tags = await asyncio.to_thread(self.library.tags)
        embed, pages = render.tags_page(tags, 0)
        await interaction.response.send_message(
            embed=embed,
            view=pager_view(TagsPageButton, (), 0, pages) or discord.utils.MISSING,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="tag", description="Show the articles with a tag and how each one opens")
    @app_commands.describe(name="The tag, for example: post-traumatic growth")
    async def tag(self, interaction: discord.Interaction, name: str) -> None:
        """Show the articles with a tag and their opening passage."""
        try:
            key = self.library.resolve_tag(name)
        except BotError as exc:
            await send_private(interaction, str(exc))
            return
        embeds, pages = await self.bot.tag_page(key, 0)
        view = pager_view(TagPageButton, (key,), 0, pages) if len(key) <= 80 else None
        await interaction.response.send_message(
            embeds=embeds, view=view or discord.utils.MISSING, allowed_mentions=NO_MENTIONS
        )

    @tag.autocomplete("name")
    async def tag_autocomplete(self, interaction: discord.Interaction, current: str):
        return tag_choices(self.library, current)


async def setup(bot: LibraryBot) -> None:
    await bot.add_cog(Tags(bot))
