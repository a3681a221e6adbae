"""Turn answers and tags into Discord messages that always fit Discord's limits.

What moderators see (reports, status, drafts, insights) is bot.discordbot.render_moderation.

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
from ..core.library import TagInfo
from ..core.pipeline import Kind, Outcome
from ..core.safety import SafetyInfo, messages

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


def is_link(url: str | None) -> bool:
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
        url=first.url if is_link(first.url) else None,
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


def fit(embeds: list[discord.Embed]) -> list[discord.Embed]:
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
        return fit([*head, none, safety_embed(info, answered=False, lead=lead)])
    groups = by_article(quotes, first_number)[: EMBEDS_MAX - 1 - len(head)]
    safety = safety_embed(info, answered=True, lead=lead)
    limit = EXCERPT_MAX
    while True:
        embeds = [*head, *(article_embed(g, note=not lead, limit=limit) for g in groups), safety]
        if visible_chars(embeds, content) <= budget or limit <= EXCERPT_MIN:
            return fit(embeds)
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
            url=article.url if is_link(article.url) else None,
            description=">>> " + cut(opening, 400) if opening else None,
            colour=COLOUR_QUOTE,
        )
        e.set_footer(text=cut(f"{article.site or article.path} · {messages().unreviewed_label}", FOOTER_MAX))
        embeds.append(e)
    return fit(embeds), pages


def outcome_parts(outcome: Outcome) -> tuple[str | None, list[discord.Embed]]:
    """(content, embeds) for an outcome: the answer's embeds, or the safety or plain message."""
    if outcome.kind is Kind.ANSWERED and outcome.answer is not None:
        answer = outcome.answer
        header = question_header(answer.question)
        return header, answer_embeds(answer.quotes, answer.safety, lead=answer.lead_notes, content=header)
    if outcome.answer is not None:  # a card, the message for a minor, or too long to search
        return safety_message(outcome.answer.safety), []
    return cut(outcome.message or "", CONTENT_MAX), []
