"""Answers: quoted passages with attribution, plus the safety information, and their plain-text form."""

from __future__ import annotations

from dataclasses import dataclass, field

from .safety import CLAIM_NOTE, UNREVIEWED_LABEL, SafetyInfo, claim_guard
from .search import Hit

NO_ANSWER = ("Nothing in the library matches this closely enough to quote, so I won't guess. "
             "Try other words, or browse the topics with the tags list.")


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

    @property
    def source(self) -> str:
        return " — ".join(p for p in (self.site, self.url) if p) or self.article

    def as_dict(self) -> dict:
        return {"text": self.text, "title": self.title, "article": self.article, "passage": self.passage,
                "score": round(self.score, 4), "tags": list(self.tags), "source": self.source, "site": self.site,
                "url": self.url, "label": UNREVIEWED_LABEL, "claim_note": self.claim_note}


def quote_from_hit(hit: Hit, tag_display) -> Quote:
    article = hit.article
    return Quote(
        text=hit.passage.text, title=article.title, article=article.path, passage=hit.passage.id,
        score=hit.score, tags=tuple(dict.fromkeys(tag_display(k) for k in article.tag_keys)),
        site=article.site, url=article.url, claim_note=CLAIM_NOTE if claim_guard(hit.passage.text) else None,
        age_restricted=article.age_restricted,
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

    def as_dict(self) -> dict:
        return {"question": self.question, "answered": self.answered,
                "passages": [q.as_dict() for q in self.quotes], "safety": self.safety.as_dict()}


def render_text(answer: Answer) -> str:
    """The answer for a terminal: numbered quotes with attribution, then the notes."""
    s = answer.safety
    lines = [f"Q: {answer.question}", ""]
    if s.message:  # a crisis card or the message for a minor: nothing is quoted
        lines += [s.message, ""]
        return "\n".join(lines).rstrip() + "\n"
    if not answer.quotes:
        lines += [NO_ANSWER, ""]
    for i, q in enumerate(answer.quotes, 1):
        lines.append(f"{i}. {q.text}")
        meta = [q.title, q.source]
        if q.tags:
            meta.append("tags: " + ", ".join(q.tags))
        meta.append(f"relevance {q.score:.2f}")
        lines.append("   — " + " · ".join(meta))
        lines.append(f"   ({UNREVIEWED_LABEL})")
        if q.claim_note:
            lines.append(f"   Note: {q.claim_note}")
        lines.append("")
    if s.check_in:
        lines += [s.check_in, ""]
    if s.growth_note and answer.quotes:
        lines += [s.growth_note, ""]
    lines.append(s.note)
    return "\n".join(lines).rstrip() + "\n"
