"""What moderators see from /library: refresh reports, the library's status, a draft or a removal to
confirm, and the members' feedback (insights). Within the same Discord limits as bot.discordbot.render.
"""

from __future__ import annotations

import discord

from ..core.corpus import Article
from ..core.indexer import BuildReport
from ..core.insights import Insights, PassageVotes, Votes
from ..core.intake import Draft
from ..core.status import Status
from ..core.text import plural
from .render import (
    COLOUR_NONE,
    COLOUR_QUOTE,
    COLOUR_SAFETY,
    CONTENT_MAX,
    DESCRIPTION_MAX,
    FIELD_VALUE_MAX,
    FOOTER_MAX,
    TITLE_MAX,
    cut,
    fit,
    is_link,
)


def report_text(report: BuildReport, *, limit: int = CONTENT_MAX, headline: str = "**Index refreshed.**") -> str:
    lines = report.lines()
    skipped = [line for line in lines if line.startswith("Skipped")]
    main = [line for line in lines if not line.startswith("Skipped")]
    text = headline + "\n" + "\n".join(main)
    if skipped:
        shown = skipped[:10]
        text += f"\n\n**{len(skipped)} file{'s' if len(skipped) != 1 else ''} skipped:**\n" + "\n".join(
            f"• {discord.utils.escape_markdown(line.removeprefix('Skipped '))}" for line in shown
        )
        if len(skipped) > len(shown):
            text += f"\n… and {len(skipped) - len(shown)} more (see the bot's log)."
    return cut(text, limit)


def _when(epoch: float | None) -> str:
    """A Discord timestamp: each reader sees it in their own time zone."""
    return f"<t:{int(epoch)}:f> (<t:{int(epoch)}:R>)" if epoch else "unknown"


def _md(text: str) -> str:
    return discord.utils.escape_markdown(text)


def staleness_line(status: Status) -> str:
    stale = status.staleness
    if stale is None:
        return "**No index yet.** Run `/library refresh` to build it."
    if not stale.stale:
        return "Up to date with the corpus."
    return f"**{_md(stale.summary()[0].upper() + stale.summary()[1:])}.** Run `/library refresh`" + (
        " (one is running now)." if status.refreshing else "."
    )


def status_embed(status: Status, *, encoder: str, auto_refresh: str) -> discord.Embed:
    stale = status.staleness is None or status.staleness.stale
    embed = discord.Embed(
        title="Library status",
        colour=COLOUR_NONE if stale else COLOUR_SAFETY,
        description=cut(staleness_line(status), DESCRIPTION_MAX),
    )
    embed.add_field(
        name="Library",
        value=f"{plural(status.articles, 'article')}, {plural(status.passages, 'passage')}, "
        f"{plural(status.tags, 'tag')}",
        inline=False,
    )
    embed.add_field(
        name="Encoder",
        value=cut(f"{status.model} ({encoder}), {status.index_type} index", FIELD_VALUE_MAX),
        inline=False,
    )
    embed.add_field(name="Index built", value=_when(status.built_at), inline=False)
    if status.last_refresh_error:
        last = f"failed: {_md(status.last_refresh_error)}"
    elif status.last_report is not None:
        main = [line for line in status.last_report.lines() if not line.startswith("Skipped")]
        skipped = len(status.last_report.skipped)
        last = (
            f"{_when(status.last_refresh_at)}\n"
            + "\n".join(main)
            + (f"\n{plural(skipped, 'file')} skipped" if skipped else "")
        )
    else:
        last = "none since the bot started"
    embed.add_field(name="Last refresh", value=cut(last, FIELD_VALUE_MAX), inline=False)
    embed.add_field(name="Refresh running", value="yes" if status.refreshing else "no", inline=True)
    embed.add_field(name="Automatic refresh", value=auto_refresh, inline=True)
    return embed


def draft_embed(draft: Draft, minutes: int) -> discord.Embed:
    a = draft.article
    embed = discord.Embed(
        title=cut(f"Add “{a.title}”?", TITLE_MAX),
        url=a.url if is_link(a.url) else None,
        description=">>> " + cut(draft.first_passage, 1500) if draft.first_passage else None,
        colour=COLOUR_QUOTE,
    )
    embed.add_field(name="Tags", value=cut(", ".join(a.tags) or "none", FIELD_VALUE_MAX), inline=False)
    embed.add_field(name="Passages", value=str(len(draft.passages)), inline=True)
    embed.add_field(name="File", value=cut(f"corpus/{a.path}", FIELD_VALUE_MAX), inline=True)
    if a.site:
        embed.add_field(name="Site", value=cut(_md(a.site), FIELD_VALUE_MAX), inline=True)
    if a.age_restricted:
        embed.add_field(name="Age-restricted", value="yes: quoted only in age-restricted channels", inline=False)
    embed.set_footer(
        text=cut(
            f"From {draft.source}. The first passage is shown above. Confirm adds it and refreshes "
            f"the index; this preview expires in {minutes} minutes.",
            FOOTER_MAX,
        )
    )
    return embed


def removal_embed(article: Article, passages: int, minutes: int) -> discord.Embed:
    embed = discord.Embed(
        title=cut(f"Remove “{article.title}”?", TITLE_MAX),
        url=article.url if is_link(article.url) else None,
        colour=COLOUR_NONE,
        description=f"corpus/{_md(article.path)} · {plural(passages, 'passage')}",
    )
    embed.set_footer(
        text=f"Remove moves the file to corpus/.removed/ and refreshes the index; this expires in {minutes} minutes."
    )
    return embed


def _votes(v: Votes) -> str:
    return f"{v.helpful} helpful, {v.not_helpful} not helpful"


def _passage_line(p: PassageVotes, chars: int = 120) -> str:
    text = f" — “{_md(cut(' '.join(p.text.split()), chars))}”" if p.text else ""
    return f"• **{_md(cut(p.title, 80))}**{text}: {_votes(p.votes)}"


def _lines_field(embed: discord.Embed, name: str, lines: list[str], empty: str) -> None:
    """A field of whole lines, as many as fit in Discord's 1,024 characters."""
    out, used = [], 0
    for line in lines:
        line = cut(line, 300)
        if used + len(line) + 1 > FIELD_VALUE_MAX - 20:
            out.append(f"… and {len(lines) - len(out)} more")
            break
        out.append(line)
        used += len(line) + 1
    embed.add_field(name=name, value="\n".join(out) or empty, inline=False)


PERIODS = {1: "the last 24 hours", 7: "the last 7 days", 30: "the last 30 days", 0: "all time"}


def insights_embeds(ins: Insights) -> list[discord.Embed]:
    period = PERIODS.get(ins.days, f"the last {ins.days} days")
    votes = discord.Embed(
        title=f"Feedback: {period}",
        colour=COLOUR_QUOTE,
        description=f"{plural(ins.votes.total, 'vote')}: {_votes(ins.votes)}.",
    )
    _lines_field(
        votes,
        "By article",
        [f"• **{_md(cut(a.title, 100))}**: {_votes(a.votes)}" for a in ins.articles[:10]],
        "No votes in this period.",
    )
    _lines_field(
        votes, "By passage (most votes first)", [_passage_line(p) for p in ins.passages[:8]], "No votes in this period."
    )
    _lines_field(
        votes,
        "Least helpful passages",
        [_passage_line(p, 200) for p in ins.least_helpful[:5]],
        "None: no passage has more not-helpful than helpful votes.",
    )
    gaps = discord.Embed(
        title="Knowledge gaps",
        colour=COLOUR_NONE,
        description=f"{plural(ins.unanswered, 'question')} went unanswered (nothing in the library "
        f"was close enough to quote).",
    )
    _lines_field(gaps, "Per day", [f"{day}: {n}" for day, n in ins.unanswered_by_day[:14]], "None in this period.")
    if ins.themes is None:
        gaps.add_field(
            name="Themes",
            value="Question text is not kept on this server (BOT_FEEDBACK_KEEP_QUESTION is "
            "off), so only the counts are shown.",
            inline=False,
        )
    else:
        _lines_field(
            gaps,
            f"Themes ({plural(ins.themed, 'question')} kept, grouped by meaning)",
            [f"• {plural(t.count, 'question')}, e.g. “{_md(cut(t.example, 160))}”" for t in ins.themes[:10]],
            "No unanswered question text in this period.",
        )
    return fit([votes, gaps])
