"""Moderators run the library from Discord: /library status, refresh, add, remove and feedback.

All of them sit in one command group, hidden from members without Manage Server and checked again
when they run (checks.py); every reply is ephemeral. Each command is acknowledged at once, then its
work runs in a worker thread through bot/core. Adding and removing show what will change, with
Confirm and Cancel buttons that only the moderator who asked can press.

Longer than 300 lines on purpose: discord.py binds an app_commands.Group's subcommands to the cog
class that defines the group, so /library's five subcommands live in one class; their messages
are built in render_moderation.py and their work is done in bot/core (intake, status, insights).
"""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import urlsplit

import discord
from discord import app_commands
from discord.ext import commands

from ...core.article_files import slugify
from ...core.background import in_background
from ...core.corpus import MAX_FILE_BYTES, Article
from ...core.errors import BotError, CorpusError, IndexBusy
from ...core.fetch import fetch
from ...core.insights import gather
from ...core.intake import article_file, check_type, commit, draft_article, remove_article
from ...core.status import library_status
from ...core.tags import split_tag_field
from ...core.text import plural
from .. import render, render_moderation
from ..checks import REFUSED, allowed, moderator_only
from ..client import NO_MENTIONS, LibraryBot, send_private

log = logging.getLogger(__name__)

REFRESH_WAIT = 600.0  # seconds an add or a removal waits for a refresh that is already running
PROGRESS = "Refreshing: embedded {done:,} of {total:,} new passages…"
EXPIRED = "This has expired or was already answered, and nothing was changed. Run the command again."
NOT_YOURS = "Only the moderator who asked can confirm or cancel this."
PERIOD_CHOICES = [
    app_commands.Choice(name=name, value=days)
    for days, name in ((1, "last 24 hours"), (7, "last 7 days"), (30, "last 30 days"), (0, "all time"))
]


class ConfirmButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"lib:(?P<kind>add|rm):(?P<key>[0-9a-f]{12}):(?P<act>ok|no)"
):
    """Confirm or Cancel of a pending add or removal (the pending action itself is in memory)."""

    def __init__(self, kind: str, key: str, act: str) -> None:
        if act == "no":
            label, style = "Cancel", discord.ButtonStyle.secondary
        elif kind == "add":
            label, style = "Confirm: add it", discord.ButtonStyle.success
        else:
            label, style = "Confirm: remove it", discord.ButtonStyle.danger
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"lib:{kind}:{key}:{act}"))
        self.kind, self.key, self.act = kind, key, act

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["kind"], match["key"], match["act"])

    async def callback(self, interaction: discord.Interaction) -> None:
        cog: LibraryAdmin = interaction.client.get_cog("LibraryAdmin")  # type: ignore[assignment]
        await cog.answer_confirm(interaction, self.kind, self.key, self.act == "ok")


def confirm_view(kind: str, key: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmButton(kind, key, "ok"))
    view.add_item(ConfirmButton(kind, key, "no"))
    return view


def _choice_value(path: str) -> str:
    """An article's path as an autocomplete value (Discord allows 100 characters)."""
    return path if len(path) <= 100 else path[:100]


class LibraryAdmin(commands.Cog):
    group = app_commands.Group(
        name="library",
        description="Moderators: manage the article library",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: LibraryBot) -> None:
        self.bot = bot
        self.library = bot.library
        self.settings = bot.settings

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ConfirmButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ConfirmButton)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Every /library command, whatever Discord's menus showed: Manage Server or the moderator role."""
        if not allowed(interaction):
            raise app_commands.CheckFailure(REFUSED)
        return True

    # -- status and refresh ----------------------------------------------------------------------

    @group.command(
        name="status", description="What the library holds, when it was built, and whether it is out of date"
    )
    async def status(self, interaction: discord.Interaction) -> None:
        """Articles, passages and tags; the encoder; the last build and refresh; whether the corpus changed since."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        status = await asyncio.to_thread(library_status, self.library)
        await interaction.followup.send(
            embed=render_moderation.status_embed(
                status, encoder=self.settings.encoder, auto_refresh=self.bot.auto_refresh.mode
            ),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @group.command(name="refresh", description="Re-read the corpus folder and swap the new index in live")
    async def refresh(self, interaction: discord.Interaction) -> None:
        """Re-read the corpus folder, embed what changed and swap the new index in without a restart."""
        if self.library.refreshing:
            await send_private(
                interaction,
                "A refresh is already running. Questions are still answered meanwhile; try again when it has finished.",
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        loop = asyncio.get_running_loop()
        last = [0.0]

        def progress(done: int, total: int) -> None:  # called from the worker thread
            now = time.monotonic()
            if now - last[0] >= 2.0 or done >= total:
                last[0] = now
                asyncio.run_coroutine_threadsafe(
                    interaction.edit_original_response(content=PROGRESS.format(done=done, total=total)), loop
                )

        started = time.perf_counter()
        report, failure = await self._refresh(progress=progress)
        if report is None:
            await interaction.edit_original_response(
                content=render.cut(f"Not refreshed: {failure}", render.CONTENT_MAX)
            )
            return
        log.info(
            "refresh published=%s embedded=%d reused=%d skipped=%d s=%.1f",
            report.published,
            report.passages_embedded,
            report.passages_reused,
            len(report.skipped),
            time.perf_counter() - started,
        )
        await interaction.edit_original_response(content=render_moderation.report_text(report))

    async def _refresh(self, *, progress=None, wait: float = 0.0):
        """(report, None), or (None, why not) with the current index still serving."""
        try:
            return await in_background(self.library.refresh, progress=progress, wait=wait), None
        except IndexBusy:
            return None, "a refresh is already running. Try again when it has finished."
        except BotError as exc:
            return None, f"the refresh failed and the current index keeps serving: {exc}"
        except Exception as exc:  # noqa: BLE001 - the moderator is told; the add or removal is not left hanging
            log.exception("refresh failed")
            return None, (
                f"the refresh failed unexpectedly ({type(exc).__name__}) and the current index keeps "
                "serving; see the bot's log"
            )

    # -- add -------------------------------------------------------------------------------------

    @group.command(name="add", description="Add an article from a file (.md, .txt, .html) or a web address")
    @app_commands.describe(
        file="A Markdown file with front matter, a .txt or a saved .html page",
        url="The article's web address (http or https)",
        tags="Extra tags, separated by commas",
        age_restricted="Quote it only in age-restricted channels",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment | None = None,
        url: app_commands.Range[str, 1, 2000] | None = None,
        tags: app_commands.Range[str, 1, 500] | None = None,
        age_restricted: bool = False,
    ) -> None:
        """Check and clean an article, show a preview, and add it when the moderator confirms."""
        if (file is None) == (url is None):
            await send_private(interaction, "Give either `file:` (an attachment) or `url:`, not both.")
            return
        if file is not None:
            try:
                check_type(file.filename, file.content_type)
            except BotError as exc:
                await send_private(interaction, f"Not added: {exc}. Nothing was changed.")
                return
            if file.size > MAX_FILE_BYTES:
                await send_private(
                    interaction,
                    f"Not added: the file is too large ({file.size // 1024} KiB; the limit "
                    f"is {MAX_FILE_BYTES // 1024} KiB). Nothing was changed.",
                )
                return
        await interaction.response.defer(ephemeral=True, thinking=True)
        tag_list = split_tag_field(tags)
        added_by = getattr(interaction.user, "display_name", None)
        try:
            if file is not None:
                data = await file.read()
                draft = await asyncio.to_thread(
                    draft_article,
                    data,
                    file.filename,
                    self.settings.corpus_dir,
                    self.library.passages_of,
                    content_type=file.content_type,
                    source=f"the file {file.filename}",
                    tags=tag_list,
                    age_restricted=age_restricted,
                    added_by=added_by,
                )
            else:
                assert url is not None  # exactly one of file and url, checked above
                page = await asyncio.to_thread(fetch, url, allow_private=self.settings.fetch_allow_private)
                parts = urlsplit(page.url)
                name = slugify(f"{parts.hostname} {parts.path}", 60) + page.suffix
                draft = await asyncio.to_thread(
                    draft_article,
                    page.data,
                    name,
                    self.settings.corpus_dir,
                    self.library.passages_of,
                    site=(parts.hostname or "").removeprefix("www."),
                    url=page.url,
                    source=page.url,
                    tags=tag_list,
                    age_restricted=age_restricted,
                    added_by=added_by,
                )
        except BotError as exc:  # FetchError, ArticleError: the reason is safe to show
            await send_private(interaction, f"Not added: {exc}. Nothing was changed.")
            return
        except discord.HTTPException as exc:
            await send_private(
                interaction, f"Not added: the attachment could not be downloaded ({exc.status}). Nothing was changed."
            )
            return
        key = self.bot.pending.put("add", interaction.user.id, draft)
        log.info("library add previewed passages=%d", len(draft.passages))
        await interaction.followup.send(
            embed=render_moderation.draft_embed(draft, self.bot.pending.minutes),
            view=confirm_view("add", key),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    async def _finish_add(self, draft) -> str:
        try:
            path = await asyncio.to_thread(commit, draft, self.settings.corpus_dir)
        except BotError as exc:
            return f"Not added: {exc}. Nothing was changed."
        except OSError as exc:
            return f"Not added: the file could not be written ({exc.strerror or exc}). Nothing was changed."
        rel = draft.article.path
        report, failure = await self._refresh(wait=REFRESH_WAIT)
        if report is None:
            return f"Saved as corpus/{rel}, but {failure}"
        skipped = next((s for s in report.skipped if s.path == rel), None)
        if skipped is not None:  # e.g. another copy arrived meanwhile: take it out again
            await asyncio.to_thread(path.unlink, missing_ok=True)
            return f"Not added: {skipped.reason}. Nothing was changed."
        log.info("library add done passages=%d", len(draft.passages))
        headline = (
            f"**Added “{discord.utils.escape_markdown(draft.article.title)}”** as corpus/"
            f"{discord.utils.escape_markdown(rel)}: {plural(len(draft.passages), 'passage')}, quoted from now on."
        )
        return render_moderation.report_text(report, headline=headline)

    # -- remove ----------------------------------------------------------------------------------

    @group.command(name="remove", description="Take an article out of the library")
    @app_commands.describe(article="The article (start typing its title)")
    async def remove(self, interaction: discord.Interaction, article: app_commands.Range[str, 1, 300]) -> None:
        """Show the article, and remove it when the moderator confirms (the file is kept aside)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await asyncio.to_thread(self._find, article)
        if found is None:
            await send_private(
                interaction,
                f"There is no article '{render.cut(article, 200)}' in the library. Pick one from the list as you type.",
            )
            return
        found_article, passages = found
        key = self.bot.pending.put("rm", interaction.user.id, (found_article.path, found_article.title))
        await interaction.followup.send(
            embed=render_moderation.removal_embed(found_article, passages, self.bot.pending.minutes),
            view=confirm_view("rm", key),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    def _find(self, value: str) -> tuple[Article, int] | None:
        """The article a moderator picked (its path) or typed (its exact title), and its passage count."""
        try:
            index = self.library.index
            articles = list(index.articles.values())
        except BotError:
            index, articles = None, []
        value = value.strip()
        match = next((a for a in articles if value in (a.path, _choice_value(a.path))), None)
        if match is None:
            titled = [a for a in articles if a.title.casefold() == value.casefold()]
            match = titled[0] if len(titled) == 1 else None
        if match is not None:
            return match, len(index.rows_of_article(match.path)) if index is not None else 0
        try:  # a file on disk that is not indexed (skipped, or added since the last build)
            article_file(self.settings.corpus_dir, value)
        except CorpusError:
            return None
        return Article(path=value, title=value, body=""), 0

    @remove.autocomplete("article")
    @moderator_only()  # members are offered nothing
    async def remove_autocomplete(self, interaction: discord.Interaction, current: str):
        try:
            articles = self.library.articles()
        except BotError:
            return []
        key = current.casefold().strip()
        starts = [a for a in articles if a.title.casefold().startswith(key)]
        inside = [a for a in articles if a not in starts and (key in a.title.casefold() or key in a.path.casefold())]
        return [
            app_commands.Choice(name=render.cut(f"{a.title} · {a.path}", 100), value=_choice_value(a.path))
            for a in (starts + inside)[:25]
        ]

    async def _finish_remove(self, payload: tuple[str, str]) -> str:
        path, title = payload
        try:
            kept = await asyncio.to_thread(remove_article, self.settings.corpus_dir, path)
        except BotError as exc:
            return f"Not removed: {exc}."
        except OSError as exc:
            return f"Not removed: the file could not be moved ({exc.strerror or exc})."
        log.info("library remove done")
        report, failure = await self._refresh(wait=REFRESH_WAIT)
        where = f"corpus/.removed/{kept.name}"
        if report is None:
            return f"Moved corpus/{path} to {where}, but {failure}"
        headline = (
            f"**Removed “{discord.utils.escape_markdown(title)}”** (corpus/{discord.utils.escape_markdown(path)}"
            f"). A copy is kept in {discord.utils.escape_markdown(where)}."
        )
        return render_moderation.report_text(report, headline=headline)

    # -- Confirm / Cancel ------------------------------------------------------------------------

    async def answer_confirm(self, interaction: discord.Interaction, kind: str, key: str, ok: bool) -> None:
        if not allowed(interaction):
            await send_private(interaction, REFUSED)
            return
        pending = self.bot.pending.get(key)
        if pending is not None and pending.owner != interaction.user.id:
            await send_private(interaction, NOT_YOURS)
            return
        pending = self.bot.pending.pop(key) if pending is not None else None
        if pending is None or pending.kind != kind:
            await interaction.response.edit_message(content=EXPIRED, view=None, allowed_mentions=NO_MENTIONS)
            return
        if not ok:
            await interaction.response.edit_message(
                content="Cancelled: nothing was changed.", embeds=[], view=None, allowed_mentions=NO_MENTIONS
            )
            return
        doing = (
            "Adding the article and refreshing the index…"
            if kind == "add"
            else "Removing the article and refreshing the index…"
        )
        await interaction.response.edit_message(content=doing, view=None, allowed_mentions=NO_MENTIONS)
        if kind == "add":
            text = await self._finish_add(pending.payload)
        else:
            assert isinstance(pending.payload, tuple)  # a removal's payload: (path, title)
            text = await self._finish_remove(pending.payload)
        await interaction.edit_original_response(
            content=render.cut(text, render.CONTENT_MAX), allowed_mentions=NO_MENTIONS
        )

    # -- feedback --------------------------------------------------------------------------------

    @group.command(name="feedback", description="Helpful and not-helpful votes, and the questions left unanswered")
    @app_commands.describe(period="Which votes and questions to count (default: the last 7 days)")
    @app_commands.choices(period=PERIOD_CHOICES)
    async def feedback(self, interaction: discord.Interaction, period: app_commands.Choice[int] | None = None) -> None:
        """Votes per article and passage, the least helpful passages, and unanswered questions per day and by theme."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        days = period.value if period is not None else 7
        try:
            index = self.library.index
        except BotError:
            index = None
        insights = await in_background(
            gather,
            self.settings.feedback_file,
            self.settings.unanswered_path,
            index,
            days=days,
            keep_question=self.settings.feedback_keep_question,
            encode=self.library.encode_bulk,
        )
        await interaction.followup.send(
            embeds=render_moderation.insights_embeds(insights), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: LibraryBot) -> None:
    await bot.add_cog(LibraryAdmin(bot))
