"""The Discord client: a thin adapter over the library. Cogs check input, defer, call one core
function in a worker thread, and render the result. Nothing here blocks the event loop.

A little over 300 lines: the bot class and the persistent buttons it registers at start-up (their
custom ids outlive a restart, and their callbacks read the bot's library and service) belong
together; the cogs and the rendering live in their own modules.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
from typing import Any, Callable

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from ..core.answer import Answer
from ..core.autorefresh import AutoRefresh
from ..core.errors import BotError
from ..core.indexer import BuildReport
from ..core.insights import UnansweredLog
from ..core.library import Library
from ..core.service import AnswerService
from ..settings import Settings
from . import render, render_moderation
from .alerts import CrisisAlerts
from .feedback import AnswerCache, FeedbackStore, RecentSet
from .limits import CooldownLimiter
from .pending import PendingActions
from .tag_option import UnknownTag

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.discordbot.cogs.ask", "bot.discordbot.cogs.tags", "bot.discordbot.cogs.library")
NO_MENTIONS = discord.AllowedMentions.none()
PAGE = 3  # passages per "More passages" page
HTTP_CONNECTIONS = 100  # kept-alive connections to Discord's API (discord.py opens one per request in flight)


class MoreButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"lib:more:(?P<key>[0-9a-f]{8,32}):(?P<page>\d{1,2})"
):
    """Shows the next passages of an answer to whoever clicks (only to them)."""

    def __init__(self, key: str, page: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="More passages", style=discord.ButtonStyle.secondary, custom_id=f"lib:more:{key}:{page}"
            )
        )
        self.key, self.page = key, page

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["key"], int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: LibraryBot = interaction.client  # type: ignore[assignment]
        answer = bot.answers.get(self.key)
        if answer is None:
            await interaction.response.send_message(
                "This answer has expired. Please ask again to see more.", ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        start = self.page * PAGE
        quotes = answer.more[start : start + PAGE]
        if not quotes:
            await interaction.response.send_message(
                "There are no more passages for this question.", ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        has_more = len(answer.more) > start + PAGE
        view = answer_view(self.key, self.page + 1 if has_more else None, feedback=False)
        await interaction.response.send_message(
            embeds=render.answer_embeds(quotes, answer.safety, first_number=len(answer.quotes) + start + 1),
            view=view if view is not None else discord.utils.MISSING,
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )


class FeedbackButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"lib:fb:(?P<key>[0-9a-f]{8,32}):(?P<vote>up|down)"
):
    """Helpful / Not helpful: stored without user ids (and without the question unless opted in)."""

    def __init__(self, key: str, vote: str) -> None:
        label = "Helpful" if vote == "up" else "Not helpful"
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=f"lib:fb:{key}:{vote}")
        )
        self.key, self.vote = key, vote

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["key"], match["vote"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: LibraryBot = interaction.client  # type: ignore[assignment]
        voter = (self.key, interaction.user.id)
        if not bot.voted.add(voter):
            await interaction.response.send_message(
                "You've already rated this answer. Thank you!", ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        answer = bot.answers.get(self.key)
        await asyncio.to_thread(bot.feedback.record, self.key, self.vote == "up", answer)
        log.info("feedback helpful=%s", self.vote == "up")
        await interaction.response.send_message(
            "Thanks for the feedback.", ephemeral=True, allowed_mentions=NO_MENTIONS
        )


class PagerButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"lib:pager:(?P<page>\d{1,4}):(?P<dir>prev|next)"
):
    """Previous or Next on a paged list. A subclass names its list in the custom id, reads the id back
    (``from_custom_id``) and builds its page (``page_of``); only the subclasses are registered."""

    def __init__(self, list_id: str, page: int, direction: str, disabled: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label="Previous" if direction == "prev" else "Next",
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"{list_id}:{page}:{direction}",
            )
        )
        self.page = page

    def pager_args(self) -> tuple:
        """What comes before the page in this button's constructor (pager_view passes it on)."""
        return ()

    async def page_of(self, bot: LibraryBot) -> tuple[dict[str, Any], int]:
        """The message's new embeds (edit_message's keywords) and the number of pages."""
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: LibraryBot = interaction.client  # type: ignore[assignment]
        content, pages = await self.page_of(bot)
        await interaction.response.edit_message(
            **content, view=pager_view(type(self), self.pager_args(), self.page, pages), allowed_mentions=NO_MENTIONS
        )


class TagsPageButton(PagerButton, template=r"lib:tags:(?P<page>\d{1,4}):(?P<dir>prev|next)"):
    def __init__(self, page: int, direction: str, disabled: bool = False) -> None:
        super().__init__("lib:tags", page, direction, disabled)

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(int(match["page"]), match["dir"])

    async def page_of(self, bot: LibraryBot) -> tuple[dict[str, Any], int]:
        embed, pages = render.tags_page(bot.library.tags(), self.page)
        return {"embed": embed}, pages


class TagPageButton(PagerButton, template=r"lib:tag:(?P<key>\w{1,80}):(?P<page>\d{1,4}):(?P<dir>prev|next)"):
    def __init__(self, key: str, page: int, direction: str, disabled: bool = False) -> None:
        super().__init__(f"lib:tag:{key}", page, direction, disabled)
        self.key = key

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["key"], int(match["page"]), match["dir"])

    def pager_args(self) -> tuple:
        return (self.key,)

    async def page_of(self, bot: LibraryBot) -> tuple[dict[str, Any], int]:
        embeds, pages = await bot.tag_page(self.key, self.page)
        return {"embeds": embeds}, pages


def answer_view(key: str, more_page: int | None, *, feedback: bool = True) -> discord.ui.View | None:
    view = discord.ui.View(timeout=None)
    if more_page is not None:
        view.add_item(MoreButton(key, more_page))
    if feedback:
        view.add_item(FeedbackButton(key, "up"))
        view.add_item(FeedbackButton(key, "down"))
    return view if view.children else None


def pager_view(button: Callable[..., PagerButton], args: tuple, page: int, pages: int) -> discord.ui.View | None:
    if pages <= 1:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(button(*args, max(page - 1, 0), "prev", disabled=page <= 0))
    view.add_item(button(*args, min(page + 1, pages - 1), "next", disabled=page >= pages - 1))
    return view


class LibraryBot(commands.AutoShardedBot):
    """discord.py's own sharding; one library and model shared by every shard."""

    def __init__(
        self,
        settings: Settings,
        library: Library,
        *,
        feedback: FeedbackStore | None = None,
        service: AnswerService | None = None,
        **options,
    ) -> None:
        intents = discord.Intents.default()  # guilds, guild and DM messages; no privileged intent
        intents.message_content = settings.message_content  # only for the opt-in answer channels and forums
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=NO_MENTIONS,
            **options,
        )
        self.settings = settings
        self.library = library
        self.feedback = feedback or FeedbackStore(settings.feedback_file, keep_question=settings.feedback_keep_question)
        self.service = service or AnswerService(
            library, limiter=CooldownLimiter(settings.cooldown_seconds, settings.cooldown_per_channel)
        )
        self.alerts = CrisisAlerts(self, settings.crisis_alert_channel, settings.crisis_alert_text)
        self.answers = AnswerCache()
        self.voted = RecentSet()  # (answer key, member): one vote each, bounded like the answer cache
        self.unanswered = UnansweredLog(settings.unanswered_path, keep_question=settings.feedback_keep_question)
        self.pending = PendingActions()  # /library add and remove waiting for Confirm
        minutes = settings.auto_refresh_minutes
        self.auto_refresh = AutoRefresh(
            library,
            self.post_refresh_report,
            watch=settings.auto_refresh_watch,
            every=minutes * 60 if minutes else None,
        )

    async def login(self, token: str) -> None:
        # discord.py's default pool has no limit: 300 interactions acknowledged at once opened 300
        # connections (each a TLS handshake on the event loop against discord.com) instead of reusing some.
        if self.http.connector is discord.utils.MISSING:
            self.http.connector = aiohttp.TCPConnector(limit=HTTP_CONNECTIONS)
        await super().login(token)

    async def setup_hook(self) -> None:
        # The model, the index and the libraries are loaded and live as long as the bot: hundreds of
        # thousands of objects that every full garbage collection walked again, blocking the event loop
        # (and any thread) for 0.3-0.5 s, several times in a burst of questions. Frozen, a collection
        # walks only what was made since. close() unfreezes them.
        gc.collect()
        gc.freeze()
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_dynamic_items(MoreButton, FeedbackButton, TagsPageButton, TagPageButton)
        self.tree.on_error = self.on_app_command_error
        self.auto_refresh.start()
        if self.settings.dev_guild:  # instant sync to one guild while developing; global sync is deliberate
            guild = discord.Object(id=self.settings.dev_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to the development guild", len(synced))

    async def on_message(self, message: discord.Message) -> None:
        """No text commands: mentions and replies are questions (see the ask cog)."""

    async def close(self) -> None:
        await self.auto_refresh.stop()
        await self.service.close()
        await super().close()
        gc.unfreeze()

    async def post_refresh_report(self, report: BuildReport | None, error: BotError | None) -> None:
        """An automatic refresh's report (or failure), to BOT_MODERATOR_CHANNEL_ID where it is set."""
        if report is not None:
            text = render_moderation.report_text(report, headline="**Automatic refresh.**")
        else:
            text = render.cut(
                f"**Automatic refresh failed**; the current index keeps serving: {error}", render.CONTENT_MAX
            )
        if self.settings.moderator_channel is None:
            return
        await self.wait_until_ready()
        channel = self.get_channel(self.settings.moderator_channel)
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("BOT_MODERATOR_CHANNEL_ID %s is not a channel the bot can see", self.settings.moderator_channel)
            return
        try:
            await channel.send(text, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("could not post the refresh report (%s)", exc.status)

    async def on_ready(self) -> None:
        log.info(
            "ready: %d guilds, %d shards, %d passages", len(self.guilds), self.shard_count or 1, self.library.index.size
        )

    def remember(self, answer: Answer) -> str:
        key = secrets.token_hex(6)
        self.answers.put(key, answer)
        return key

    async def tag_page(self, key: str, page: int) -> tuple[list[discord.Embed], int]:
        def work():
            display, articles = self.library.articles_with_tag(key)
            return display, [(a, self.library.opening_passage(a)) for a in articles]

        display, rows = await asyncio.to_thread(work)
        return render.tag_embeds(display, rows, page)

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        if isinstance(error, app_commands.CheckFailure):
            message = str(error) or "You can't use this command here."
        elif isinstance(error, UnknownTag):  # the tag option (TagOption): the closest tags
            message = str(error)
        else:
            log.exception("command %s failed", interaction.command.name if interaction.command else "?", exc_info=error)
            message = "Something went wrong on my side and nothing was changed. Please try again in a moment."
        await send_private(interaction, message)


async def send_private(interaction: discord.Interaction, content: str, **kwargs) -> None:
    """An ephemeral reply, whether or not the interaction was already answered or deferred."""
    content = render.cut(content, render.CONTENT_MAX)
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs)
