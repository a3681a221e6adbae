"""Turn answers, tags and reports into Discord messages that always fit Discord's limits.

Limits (Discord API docs): content 2,000 characters; embed title 256, description 4,096, field
name 256, field value 1,024, footer 2,048, 25 fields, 6,000 characters across all embeds of a
message, 10 embeds. Long text is cut at a word boundary with an ellipsis.
"""

from __future__ import annotations

import re
from typing import Sequence

import discord

from ..core.answer import NO_ANSWER, Quote
from ..core.corpus import Article
from ..core.indexer import BuildReport
from ..core.insights import Insights, PassageVotes, Votes
from ..core.intake import Draft
from ..core.library import TagInfo
from ..core.pipeline import Kind, Outcome
from ..core.safety import SafetyInfo, messages
from ..core.status import Status
from ..core.text import plural

CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBEDS_TOTAL_MAX = 6000
EMBEDS_MAX = 10
# An answer fits about one phone screen before "More passages": excerpts are trimmed (whole
# sentences around the answering ones) until the message is at most PHONE_CHARS characters.
PHONE_CHARS = 1200
EXCERPT_MAX = 480  # search.WINDOW_CHARS: the excerpt window is never longer
EXCERPT_MIN = 120

COLOUR_QUOTE = discord.Colour(0x5B7DB1)
COLOUR_SAFETY = discord.Colour(0x6AA37A)
COLOUR_NONE = discord.Colour(0x9AA0A6)


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut at a word boundary with an ellipsis if it is longer."""
    text = text.strip()
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = max(head.rfind(" "), head.rfind("\n"))
    if space >= limit // 2:  # a boundary near the end; a single giant word is cut where it must be
        head = head[:space]
    return head.rstrip() + "…"


def _is_link(url: str | None) -> bool:
    return bool(url) and url.startswith(("https://", "http://")) and len(url) <= 2000 and " " not in url


def _escape(text: str) -> str:
    """Passage text shown as text: Discord's Markdown characters escaped (the marks are added after)."""
    return discord.utils.escape_markdown(text, as_needed=False)


def quote_text(q: Quote, limit: int = EXCERPT_MAX) -> str:
    """A quote as members read it: its best excerpt, the answering sentences in bold, "…" where cut."""
    return q.excerpt(("**", "**"), "…", limit=limit, escape=_escape)


def article_embed(
    entries: Sequence[tuple[int, Quote]], *, note: bool = True, limit: int = EXCERPT_MAX
) -> discord.Embed:
    """One article's quotes, numbered as in the answer: its title, link, tags and label once."""
    first = entries[0][1]
    numbers = ", ".join(str(n) for n, _ in entries)
    if len(entries) == 1:
        body = quote_text(first, limit)
    else:
        body = "\n\n".join(f"`{n}` {quote_text(q, limit)}" for n, q in entries)
    embed = discord.Embed(
        title=cut(f"{numbers}. {first.title}", TITLE_MAX),
        url=first.url if _is_link(first.url) else None,
        description=">>> " + cut(body, DESCRIPTION_MAX - 4),
        colour=COLOUR_QUOTE,
    )
    if len(entries) == 1:
        relevance = first.match or f"{first.score:.2f}"
    else:
        relevance = ", ".join(f"{n}: {q.match or f'{q.score:.2f}'}" for n, q in entries)
    embed.add_field(name="Relevance", value=cut(relevance, FIELD_VALUE_MAX), inline=True)
    if first.tags:
        embed.add_field(name="Tags", value=cut(", ".join(first.tags), FIELD_VALUE_MAX), inline=True)
    claim = next((q.claim_note for _, q in entries if q.claim_note), None)
    if claim and note:
        embed.add_field(name="Note", value=cut(claim, FIELD_VALUE_MAX), inline=False)
    source = first.site or first.article
    embed.set_footer(text=cut(f"{source} · {messages().unreviewed_label}", FOOTER_MAX))
    return embed


def by_article(quotes: Sequence[Quote], first_number: int = 1) -> list[list[tuple[int, Quote]]]:
    """Quotes numbered in rank order, grouped by article in the order each article first appears."""
    groups: dict[str, list[tuple[int, Quote]]] = {}
    for i, q in enumerate(quotes):
        groups.setdefault(q.article, []).append((first_number + i, q))
    return list(groups.values())


_MARKS = re.compile(r"\*\*|`|^>>> |\\(?=[^\w\s])", re.M)


def visible_chars(embeds: Sequence[discord.Embed], content: str | None = None) -> int:
    """Characters a member reads in a message: its text without the Markdown marks."""
    parts = [content or ""]
    for e in embeds:
        parts += [e.title or "", e.description or "", (e.footer.text if e.footer else None) or ""]
        parts += [f"{f.name}{f.value}" for f in e.fields]
    return sum(len(_MARKS.sub("", p)) for p in parts)


def safety_embed(info: SafetyInfo, *, answered: bool, lead: Sequence[str] = ()) -> discord.Embed:
    parts = []
    if info.check_in and not lead:
        parts.append(f"**{info.check_in}**")
    if info.growth_note and answered:
        parts.append(info.growth_note)
    parts.append(info.note)
    return discord.Embed(
        title="Safety and consent", description=cut("\n\n".join(parts), DESCRIPTION_MAX), colour=COLOUR_SAFETY
    )


def _fit(embeds: list[discord.Embed]) -> list[discord.Embed]:
    """Shrink the longest quote until all embeds together fit in 6,000 characters."""
    embeds = embeds[:EMBEDS_MAX]
    while sum(len(e) for e in embeds) > EMBEDS_TOTAL_MAX:
        longest = max(embeds[:-1] or embeds, key=lambda e: len(e.description or ""))
        desc = longest.description or ""
        over = sum(len(e) for e in embeds) - EMBEDS_TOTAL_MAX
        new_len = max(40, len(desc) - over - 1)
        if new_len >= len(desc):
            embeds.pop(-2 if len(embeds) > 1 else -1)
            continue
        longest.description = cut(desc, new_len)
    return embeds


def answer_embeds(
    quotes: Sequence[Quote],
    info: SafetyInfo,
    *,
    first_number: int = 1,
    lead: Sequence[str] = (),
    budget: int = PHONE_CHARS,
    content: str | None = None,
) -> list[discord.Embed]:
    """The quotes, one embed per article, then the safety and consent note; or the no-answer message.

    ``lead``: notes that go before the quotes (after a disclosure: support, then the counter-note).
    The excerpts are trimmed until the message (with ``content``) is at most ``budget``
    characters, about one phone screen, or each is down to EXCERPT_MIN.
    """
    head = [discord.Embed(description=cut("\n\n".join(lead), DESCRIPTION_MAX), colour=COLOUR_SAFETY)] if lead else []
    if not quotes:
        none = discord.Embed(description=NO_ANSWER.replace("the tags list", "`/tags`"), colour=COLOUR_NONE)
        return _fit([*head, none, safety_embed(info, answered=False, lead=lead)])
    groups = by_article(quotes, first_number)[: EMBEDS_MAX - 1 - len(head)]
    safety = safety_embed(info, answered=True, lead=lead)
    limit = EXCERPT_MAX
    while True:
        embeds = [*head, *(article_embed(g, note=not lead, limit=limit) for g in groups), safety]
        if visible_chars(embeds, content) <= budget or limit <= EXCERPT_MIN:
            return _fit(embeds)
        limit = max(EXCERPT_MIN, limit * 4 // 5)


def question_header(question: str) -> str:
    return cut(f"**Q:** {discord.utils.escape_markdown(question)}", 400)


def safety_message(info: SafetyInfo) -> str:
    """The crisis card or the message for a minor, as plain content (with the too-long note)."""
    parts = [messages().too_long_note] if info.too_long else []
    parts += [info.message] if info.message else [info.check_in] if info.check_in else []
    return cut("\n\n".join(parts), CONTENT_MAX)


def tags_page(tags: Sequence[TagInfo], page: int, per_page: int = 20) -> tuple[discord.Embed, int]:
    """One page of the tag list and the number of pages."""
    pages = max(1, -(-len(tags) // per_page))
    page = min(max(page, 0), pages - 1)
    chunk = tags[page * per_page : (page + 1) * per_page]
    lines = [f"**{cut(t.display, 80)}** · {t.articles} article{'s' if t.articles != 1 else ''}" for t in chunk]
    embed = discord.Embed(
        title="Tags in the library",
        colour=COLOUR_QUOTE,
        description=cut("\n".join(lines) or "No tags yet.", DESCRIPTION_MAX),
    )
    embed.set_footer(text=f"Page {page + 1} of {pages} · /tag name:<tag> shows its articles")
    return embed, pages


def tag_embeds(
    display: str, articles: Sequence[tuple[Article, str]], page: int, per_page: int = 5
) -> tuple[list[discord.Embed], int]:
    """Articles with a tag and their opening passage, paged."""
    pages = max(1, -(-len(articles) // per_page))
    page = min(max(page, 0), pages - 1)
    head = discord.Embed(
        title=cut(f"Articles tagged '{display}'", TITLE_MAX),
        colour=COLOUR_QUOTE,
        description=f"{len(articles)} article{'s' if len(articles) != 1 else ''} · page {page + 1} of {pages}",
    )
    embeds = [head]
    for article, opening in articles[page * per_page : (page + 1) * per_page]:
        e = discord.Embed(
            title=cut(article.title, TITLE_MAX),
            url=article.url if _is_link(article.url) else None,
            description=">>> " + cut(opening, 400) if opening else None,
            colour=COLOUR_QUOTE,
        )
        e.set_footer(text=cut(f"{article.site or article.path} · {messages().unreviewed_label}", FOOTER_MAX))
        embeds.append(e)
    return _fit(embeds), pages


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


def outcome_parts(outcome: Outcome) -> tuple[str | None, list[discord.Embed]]:
    """(content, embeds) for an outcome: the answer's embeds, or the safety or plain message."""
    if outcome.kind is Kind.ANSWERED and outcome.answer is not None:
        answer = outcome.answer
        header = question_header(answer.question)
        return header, answer_embeds(answer.quotes, answer.safety, lead=answer.lead_notes, content=header)
    if outcome.answer is not None:  # a card, the message for a minor, or too long to search
        return safety_message(outcome.answer.safety), []
    return cut(outcome.message or "", CONTENT_MAX), []


# -- moderators: /library ------------------------------------------------------------------------


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
        url=a.url if _is_link(a.url) else None,
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
        url=article.url if _is_link(article.url) else None,
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
    return _fit([votes, gaps])
