"""Looking articles up by tag: /tags lists them, /tag shows the articles with one."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from .. import render
from ..client import NO_MENTIONS, LibraryBot, TagPageButton, TagsPageButton, pager_view
from ..tag_option import TagOption


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
    async def tag(self, interaction: discord.Interaction, name: app_commands.Transform[str, TagOption()]) -> None:
        """Show the articles with a tag and their opening passage; ``name`` is the tag's key (TagOption)."""
        key = name
        embeds, pages = await self.bot.tag_page(key, 0)
        view = pager_view(TagPageButton, (key,), 0, pages) if len(key) <= 80 else None
        await interaction.response.send_message(
            embeds=embeds, view=view or discord.utils.MISSING, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: LibraryBot) -> None:
    await bot.add_cog(Tags(bot))
