"""Asking: /ask, a mention or a reply to one of the bot's answers, the opt-in answer channels and forums.

Each path builds a Question, awaits the one pipeline (AnswerService) and renders its Outcome. An
interaction is acknowledged before any model work, within milliseconds of arriving: Discord
forgets an interaction not answered in 3 seconds. Crisis replies to /ask stay private: the precise
rules decide before the acknowledgement whether it must be private; if only the model finds the
crisis later, the public placeholder becomes a neutral line and the card follows privately.

Opt-in: in answer channels the answer can go into a thread started on the question
(BOT_ANSWER_IN_THREADS; a crisis card, a limit or an error stays a plain reply, so nothing private
becomes a thread's title); in the forums listed in BOT_FORUM_CHANNEL_IDS the first message of each
new post is answered in the post. Unanswered questions are counted for /library feedback.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from ...core.pipeline import Kind, Outcome, Question
from .. import render
from ..client import NO_MENTIONS, LibraryBot, answer_view
from ..tag_option import TagOption

log = logging.getLogger(__name__)

HELP = (
    "Ask me a question about intimacy, trauma or growth, for example: "
    "*in what ways does intimacy aid growth?* You can also use `/ask`."
)
REPLIED_PRIVATELY = "I've replied to this privately."
MAX_QUESTION_OPTION = 6000  # Discord's longest string option; longer text cannot be sent
THREAD_NAME_MAX = 100  # Discord's limit for a thread's name


def age_restricted(channel) -> bool:
    """Age-restricted passages only in age-restricted channels (threads follow their parent; DMs never)."""
    is_nsfw = getattr(channel, "is_nsfw", None)
    return bool(is_nsfw()) if callable(is_nsfw) else False


class Ask(commands.Cog):
    def __init__(self, bot: LibraryBot) -> None:
        self.bot = bot

    async def _count_unanswered(self, outcome: Outcome) -> None:
        """A question nothing in the library could answer: counted (its text only where the server keeps it)."""
        if outcome.kind is Kind.ANSWERED and outcome.answer is not None and not outcome.answer.quotes:
            try:
                await asyncio.to_thread(self.bot.unanswered.record, outcome.answer.question)
            except OSError as exc:
                log.warning("could not record an unanswered question (%s)", exc.strerror or exc)

    def _log(self, source: str, outcome: Outcome, started: float, text: str) -> None:
        a = outcome.assessment
        quotes = len(outcome.answer.quotes) if outcome.answer else 0
        extra = f" question={text!r}" if self.bot.settings.log_questions else ""
        log.info(
            "ask source=%s outcome=%s level=%s category=%s quotes=%d ms=%.0f%s",
            source,
            outcome.kind.value,
            a.level if a else None,
            a.category if a else None,
            quotes,
            (time.perf_counter() - started) * 1000,
            extra,
        )

    @app_commands.command(name="ask", description="Ask the article library a question")
    @app_commands.describe(question="What you want to know, in your own words", tag="Only quote articles with this tag")
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_OPTION],
        tag: app_commands.Transform[str, TagOption(resolve=False)] | None = None,
    ) -> None:
        """Ask the article library a question; the answer quotes the most relevant passages."""
        started = time.perf_counter()
        private = self.bot.settings.ephemeral_answers or self.bot.service.quick(question) is not None
        await interaction.response.defer(thinking=True, ephemeral=private)  # before any model work
        locale = str(interaction.locale) if interaction.locale else self.bot.settings.locale
        outcome = await self.bot.service.ask(
            Question(
                question,
                locale=locale,
                tag=tag,
                age_restricted=age_restricted(interaction.channel),
                member=interaction.user.id,
                channel=interaction.channel_id,
            )
        )
        content, embeds = render.outcome_parts(outcome)
        view = None
        if outcome.kind is Kind.ANSWERED and outcome.answer is not None and outcome.answer.quotes:
            view = answer_view(self.bot.remember(outcome.answer), 0 if outcome.answer.more else None)
        if outcome.private and not private:
            # The placeholder is public: it becomes a neutral line, and the reply goes to the asker alone.
            await interaction.edit_original_response(content=REPLIED_PRIVATELY, allowed_mentions=NO_MENTIONS)
        await interaction.followup.send(
            content=content or discord.utils.MISSING,
            embeds=embeds,
            view=view if view is not None else discord.utils.MISSING,
            ephemeral=outcome.private or private,
            allowed_mentions=NO_MENTIONS,
        )
        if outcome.kind is Kind.CRISIS:
            await self.bot.alerts.notify(
                outcome,
                member=interaction.user.id,
                channel=interaction.channel,
                jump_url=_channel_link(interaction),
                text=question,
            )
        self._log("slash", outcome, started, question)
        await self._count_unanswered(outcome)

    # -- messages --------------------------------------------------------------------------------

    def _forum_post(self, message: discord.Message) -> bool:
        """The first message of a new post in one of the opted-in forums (it has the post's id)."""
        channel = message.channel
        return (
            isinstance(channel, discord.Thread)
            and channel.parent_id in self.bot.settings.forum_channels
            and message.id == channel.id
        )

    def _question_from(self, message: discord.Message) -> str | None:
        """The question in a message addressed to the bot, or None if it is not addressed to it."""
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return None
        mentioned = any(u.id == me.id for u in message.mentions)
        ref = message.reference.resolved if message.reference else None
        replied = isinstance(ref, discord.Message) and ref.author.id == me.id
        opted_in = message.channel.id in self.bot.settings.answer_channels
        forum = self._forum_post(message)
        if not (mentioned or replied or opted_in or forum):
            return None
        text = re.sub(rf"<@!?{me.id}>", " ", message.content or "").strip()
        if forum and isinstance(message.channel, discord.Thread):  # the post's title is often the question itself
            title = message.channel.name.strip()
            text = text if not title or text.startswith(title) else f"{title}\n{text}".strip()
        return text

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        text = self._question_from(message)
        if text is None:
            return
        started = time.perf_counter()
        if not text:
            if message.channel.id not in self.bot.settings.answer_channels and not self._forum_post(message):
                await message.reply(HELP, mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        locale = str(message.guild.preferred_locale) if message.guild else self.bot.settings.locale
        async with message.channel.typing():
            outcome = await self.bot.service.ask(
                Question(
                    text,
                    locale=locale,
                    age_restricted=age_restricted(message.channel),
                    member=message.author.id,
                    channel=message.channel.id,
                )
            )
        content, embeds = render.outcome_parts(outcome)
        view = None
        if outcome.kind is Kind.ANSWERED and outcome.answer is not None and outcome.answer.quotes:
            view = answer_view(self.bot.remember(outcome.answer), 0 if outcome.answer.more else None)
        transient = outcome.kind in (Kind.RATE_LIMITED, Kind.BUSY)
        if not (
            self._in_thread(message, outcome) and await self._answer_in_thread(message, outcome, content, embeds, view)
        ):
            options: dict[str, Any] = {}  # left out, not None: discord.py's types take no None for these
            if view is not None:
                options["view"] = view
            if transient:
                options["delete_after"] = 15
            await message.reply(
                content=content, embeds=embeds, mention_author=False, allowed_mentions=NO_MENTIONS, **options
            )
        if outcome.kind is Kind.CRISIS:
            await self.bot.alerts.notify(
                outcome, member=message.author.id, channel=message.channel, jump_url=message.jump_url, text=text
            )
        self._log("forum" if self._forum_post(message) else "message", outcome, started, text)
        await self._count_unanswered(outcome)

    def _in_thread(self, message: discord.Message, outcome: Outcome) -> bool:
        """Answer in a new thread: an answer (never a card or a limit) in an answer channel, where opted in."""
        return (
            self.bot.settings.answer_in_threads
            and outcome.kind is Kind.ANSWERED
            and message.channel.id in self.bot.settings.answer_channels
            and isinstance(message.channel, discord.TextChannel)
        )

    async def _answer_in_thread(self, message: discord.Message, outcome: Outcome, content, embeds, view) -> bool:
        """Start a thread on the question and answer there; False (answer as a reply) if Discord refuses."""
        try:
            thread = await message.create_thread(
                name=render.cut(outcome.question, THREAD_NAME_MAX) or "Answer", auto_archive_duration=1440
            )
            await thread.send(content=content, embeds=embeds, view=view, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("could not answer in a thread (%s %s); replying in the channel", exc.status, exc.code)
            return False
        return True


def _channel_link(interaction: discord.Interaction) -> str | None:
    if interaction.guild_id is None or interaction.channel_id is None:
        return None
    return f"https://discord.com/channels/{interaction.guild_id}/{interaction.channel_id}"


async def setup(bot: LibraryBot) -> None:
    await bot.add_cog(Ask(bot))
