"""Answers: quoted passages with attribution, plus the safety information, and their plain-text form."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from .safety import SafetyInfo, messages
from .search import Hit
from .text import sentence_spans

_spans = lru_cache(maxsize=512)(sentence_spans)  # an answer is trimmed a few times to fit a screen

NO_ANSWER = (
    "Nothing in the library matches this closely enough to quote, so I won't guess. "
    "Try other words, or browse the topics with the tags list."
)

# The answering sentence is shown whole up to this length, even where the excerpt is trimmed shorter.
WHOLE_SENTENCE = 480


@dataclass(frozen=True)
class Quote:
    text: str
    title: str
    article: str
    passage: str
    score: float
    tags: tuple[str, ...]
    site: str | None
    url: str | None
    claim_note: str | None = None
    age_restricted: bool = False
    # For rendering (search.Hit): spans of ``text`` that answer (to show in bold), the passage
    # trimmed to its best excerpt, the relevance in words, and the two cosines behind ``score``.
    highlights: tuple[tuple[int, int], ...] = ()
    window: tuple[int, int] | None = None
    match: str = ""
    passage_score: float = 0.0
    sentence_score: float = 0.0

    @property
    def relevance(self) -> float:
        """The relevance shown: it only goes down the list of an answer's quotes."""
        return self.score

    def excerpt(
        self, mark: tuple[str, str] = ("**", "**"), ellipsis: str = "…", limit: int | None = None, escape=None
    ) -> str:
        """The best window of the passage with the answering sentences between ``mark``s.

        ``limit``: at most this many characters of passage text, whole sentences kept around the
        answering ones (the best alone, cut at a word, if even it is longer). ``escape``: applied to
        the passage's text, never to the marks (Discord's Markdown).
        """
        lo, hi = self.window or (0, len(self.text))
        if limit is not None and hi - lo > limit:
            lo, hi = self._trim(lo, hi, limit)
        esc = escape or (lambda t: t)
        out, pos = [], lo
        for s, e in self.highlights:
            s, e = max(s, lo), min(e, hi)
            if s >= e:
                continue
            out += [esc(self.text[pos:s]), mark[0], esc(self.text[s:e].strip()), mark[1]]
            pos = e
        out.append(esc(self.text[pos:hi]))
        return (ellipsis if lo > 0 else "") + "".join(out).strip() + (ellipsis if hi < len(self.text) else "")

    def _trim(self, lo: int, hi: int, limit: int) -> tuple[int, int]:
        """A span of at most ``limit`` characters inside (lo, hi): the answering sentences (or the
        first of them, whole, even over ``limit`` when it is under WHOLE_SENTENCE; else its first
        ``limit`` characters cut at a word), widened by whole sentences, the next one first, then
        the one before, in turn."""
        units = [(s, e) for s, e in _spans(self.text) if s >= lo and e <= hi] or [(lo, hi)]
        marked = [(s, e) for s, e in self.highlights if s >= lo and e <= hi]
        core = (marked[0][0], marked[-1][1]) if marked else units[0]
        if core[1] - core[0] > limit and marked:
            core = marked[0]
            if core[1] - core[0] <= WHOLE_SENTENCE:  # the answer is never cut mid-sentence
                return core
        if core[1] - core[0] > limit:
            cut = self.text.rfind(" ", core[0], core[0] + limit)
            return core[0], cut if cut > core[0] + limit // 2 else core[0] + limit
        start, end = core
        before = [u for u in units if u[1] <= start][::-1]
        after = [u for u in units if u[0] >= end]
        while before or after:
            grew = False
            for side in (after, before):
                if side and max(end, side[0][1]) - min(start, side[0][0]) <= limit:
                    start, end = min(start, side[0][0]), max(end, side[0][1])
                    side.pop(0)
                    grew = True
            if not grew:
                break
        return start, end

    @property
    def source(self) -> str:
        """How a quote is attributed: site and link where known, else the article's file."""
        return " — ".join(p for p in (self.site, self.url) if p) or self.article

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "title": self.title,
            "article": self.article,
            "passage": self.passage,
            "score": round(self.score, 4),
            "tags": list(self.tags),
            "source": self.source,
            "site": self.site,
            "url": self.url,
            "label": messages().unreviewed_label,
            "claim_note": self.claim_note,
            "match": self.match,
            "highlights": [list(h) for h in self.highlights],
            "window": list(self.window) if self.window else None,
            "passage_score": round(self.passage_score, 4),
            "sentence_score": round(self.sentence_score, 4),
        }


def quote_from_hit(hit: Hit, tag_display, claim: bool) -> Quote:
    article = hit.article
    return Quote(
        text=hit.passage.text,
        title=article.title,
        article=article.path,
        passage=hit.passage.id,
        score=hit.score,
        tags=tuple(dict.fromkeys(tag_display(k) for k in article.tag_keys)),
        site=article.site,
        url=article.url,
        claim_note=messages().claim_note if claim else None,
        age_restricted=article.age_restricted,
        highlights=hit.highlights,
        window=hit.window,
        match=hit.match,
        passage_score=hit.cosine,
        sentence_score=hit.sentence_score,
    )


@dataclass(frozen=True)
class Answer:
    question: str
    quotes: tuple[Quote, ...]
    safety: SafetyInfo
    more: tuple[Quote, ...] = field(default=(), repr=False)  # further results, for paging

    @property
    def answered(self) -> bool:
        return bool(self.quotes)

    @property
    def lead_notes(self) -> tuple[str, ...]:
        """Shown before the quotes: after a disclosure, the supportive line and the counter-note."""
        s = self.safety
        if not s.disclosure_note:
            return ()
        notes = [s.disclosure_note]
        if s.check_in:
            notes.append(s.check_in)
        if any(q.claim_note for q in self.quotes):
            notes.append(messages().claim_note)
        return tuple(notes)

    def as_dict(self) -> dict:
        return {
            "question": self.question,
            "answered": self.answered,
            "passages": [q.as_dict() for q in self.quotes],
            "safety": self.safety.as_dict(),
        }


def render_text(answer: Answer) -> str:
    """The answer for a terminal: numbered quotes with attribution, then the notes."""
    s = answer.safety
    lines = [f"Q: {answer.question}", ""]
    if s.message or s.too_long:  # a card, the message for a minor, or too long: nothing is quoted
        if s.too_long:
            lines += [messages().too_long_note, ""]
        lines += [s.message or s.check_in or "", ""]
        return "\n".join(lines).rstrip() + "\n"
    lead = answer.lead_notes
    lines += [*lead, ""] if lead else []
    if s.too_long:
        lines += [messages().too_long_note, ""]
    elif not answer.quotes:
        lines += [NO_ANSWER, ""]
    label = messages().unreviewed_label
    groups: dict[str, list[tuple[int, Quote]]] = {}
    for i, q in enumerate(answer.quotes, 1):
        groups.setdefault(q.article, []).append((i, q))
    for entries in groups.values():  # one article: title, source, tags and label once, then its quotes
        first = entries[0][1]
        meta = [first.title, first.source]
        if first.tags:
            meta.append("tags: " + ", ".join(first.tags))
        lines += [" · ".join(meta), f"({label})"]
        for i, q in entries:
            lines.append(f"  {i}. {q.excerpt()} ({q.match or f'relevance {q.score:.2f}'})")
            if q.claim_note and not lead:
                lines.append(f"     Note: {q.claim_note}")
        lines.append("")
    if s.check_in and not lead:
        lines += [s.check_in, ""]
    if s.growth_note and answer.quotes:
        lines += [s.growth_note, ""]
    lines.append(s.note)
    return "\n".join(lines).rstrip() + "\n"
