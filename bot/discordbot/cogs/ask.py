"""Asking: /ask, a mention or a reply to one of the bot's answers, and the opt-in answer channels."""

from __future__ import annotations

import asyncio
import logging
import re
import time

import discord
from discord import app_commands
from discord.ext import commands

from ...core.errors import BotError
from ...core.library import Prepared
from .. import render
from ..client import NO_MENTIONS, LibraryBot, answer_view, send_private

log = logging.getLogger(__name__)

HELP = ("Ask me a question about intimacy, trauma or growth, for example: "
        "*in what ways does intimacy aid growth?* You can also use `/ask`.")


def _nsfw(channel) -> bool:
    """Age-restricted passages only in age-restricted channels (threads follow their parent; DMs never)."""
    is_nsfw = getattr(channel, "is_nsfw", None)
    return bool(is_nsfw()) if callable(is_nsfw) else False


def _wait_message(seconds: float, channel: bool) -> str:
    s = max(1, round(seconds))
    if channel:
        return f"This channel is getting a lot of questions right now. Please try again in {s} seconds."
    return f"You're asking quickly. Please wait {s} seconds before your next question."


class Ask(commands.Cog):
    def __init__(self, bot: LibraryBot) -> None:
        self.bot = bot
        self.library = bot.library

    def _log(self, source: str, prepared: Prepared | None, quotes: int, started: float, text: str) -> None:
        level = prepared.assessment.level if prepared else "error"
        category = prepared.assessment.category if prepared else None
        extra = f" question={text!r}" if self.bot.settings.log_questions else ""
        log.info("ask source=%s level=%s category=%s quotes=%d ms=%.0f%s", source, level, category, quotes,
                 (time.perf_counter() - started) * 1000, extra)

    @app_commands.command(name="ask", description="Ask the article library a question")
    @app_commands.describe(question="What you want to know, in your own words",
                           tag="Only quote articles with this tag")
    async def ask(self, interaction: discord.Interaction, question: str, tag: str | None = None) -> None:
        """Ask the article library a question; the answer quotes the most relevant passages."""
        started = time.perf_counter()
        locale = str(interaction.locale) if interaction.locale else self.bot.settings.locale
        try:
            prepared = await asyncio.to_thread(self.library.prepare, question, locale=locale)
        except BotError as exc:
            await send_private(interaction, str(exc))
            return
        if prepared.stop:  # crisis card or a minor: private to the asker, never rate limited
            await interaction.response.send_message(render.safety_message(prepared.info),
                                                    ephemeral=True, allowed_mentions=NO_MENTIONS)
            self._log("slash", prepared, 0, started, question)
            return
        channel_id = interaction.channel_id or 0
        user_wait = self.bot.limiter.user_wait(interaction.user.id)
        channel_wait = self.bot.limiter.channel_wait(channel_id)
        if user_wait or channel_wait:
            await send_private(interaction, _wait_message(user_wait or channel_wait, channel=not user_wait))
            return
        if tag:
            try:
                self.library.resolve_tag(tag)
            except BotError as exc:
                await send_private(interaction, str(exc))
                return
        self.bot.limiter.hit(interaction.user.id, channel_id)
        await interaction.response.defer(thinking=True, ephemeral=self.bot.settings.ephemeral_answers)
        answer = await asyncio.to_thread(self.library.answer, prepared, tag=tag,
                                         allow_age_restricted=_nsfw(interaction.channel))
        key = self.bot.remember(answer)
        await interaction.followup.send(
            content=render.question_header(answer.question),
            embeds=render.answer_embeds(answer.quotes, answer.safety),
            view=answer_view(key, 0 if answer.more else None) if answer.quotes else discord.utils.MISSING,
            allowed_mentions=NO_MENTIONS)
        self._log("slash", prepared, len(answer.quotes), started, question)

    @ask.autocomplete("tag")
    async def ask_tag_autocomplete(self, interaction: discord.Interaction, current: str):
        return tag_choices(self.library, current)

    # -- messages --------------------------------------------------------------------------------

    def _question_from(self, message: discord.Message) -> str | None:
        """The question in a message addressed to the bot, or None if it is not addressed to it."""
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return None
        mentioned = any(u.id == me.id for u in message.mentions)
        ref = message.reference.resolved if message.reference else None
        replied = isinstance(ref, discord.Message) and ref.author.id == me.id
        opted_in = message.channel.id in self.bot.settings.answer_channels
        if not (mentioned or replied or opted_in):
            return None
        return re.sub(rf"<@!?{me.id}>", " ", message.content or "").strip()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        question = self._question_from(message)
        if question is None:
            return
        started = time.perf_counter()
        if not question:
            if message.channel.id not in self.bot.settings.answer_channels:
                await message.reply(HELP, mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        locale = str(message.guild.preferred_locale) if message.guild else self.bot.settings.locale
        try:
            prepared = await asyncio.to_thread(self.library.prepare, question, locale=locale)
        except BotError as exc:
            await message.reply(str(exc), mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        if prepared.stop:
            await message.reply(render.safety_message(prepared.info), mention_author=False,
                                allowed_mentions=NO_MENTIONS)
            self._log("message", prepared, 0, started, question)
            return
        user_wait = self.bot.limiter.user_wait(message.author.id)
        channel_wait = self.bot.limiter.channel_wait(message.channel.id)
        if user_wait or channel_wait:
            await message.reply(_wait_message(user_wait or channel_wait, channel=not user_wait), mention_author=False,
                                allowed_mentions=NO_MENTIONS, delete_after=15)
            return
        self.bot.limiter.hit(message.author.id, message.channel.id)
        async with message.channel.typing():
            answer = await asyncio.to_thread(self.library.answer, prepared, allow_age_restricted=_nsfw(message.channel))
        key = self.bot.remember(answer)
        await message.reply(embeds=render.answer_embeds(answer.quotes, answer.safety),
                            view=answer_view(key, 0 if answer.more else None) if answer.quotes else None,
                            mention_author=False, allowed_mentions=NO_MENTIONS)
        self._log("message", prepared, len(answer.quotes), started, question)


def tag_choices(library, current: str) -> list[app_commands.Choice[str]]:
    """At most 25 tags matching what the member has typed (case, spaces and # do not matter)."""
    try:
        tags = library.complete_tags(current or "", limit=25)
    except BotError:
        return []
    return [app_commands.Choice(name=render.cut(f"{t.display} ({t.articles})", 100), value=render.cut(t.display, 100))
            for t in tags]


async def setup(bot: LibraryBot) -> None:
    await bot.add_cog(Ask(bot))

