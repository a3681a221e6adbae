"""From an assessment to what the member sees: the crisis card, the check-in, and the notes."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .claims import ClaimGuard, load_or_train_claims
from .detector import CHECK_IN, CRISIS, NONE, Assessment, CrisisDetector
from .messages import Messages, messages
from .resources import Resource, ResourceBook
from .training import load_or_train

DISCLOSURE_CATEGORIES = ("sexual_assault", "child_abuse", "partner_violence")
CATEGORY_NAMES = {
    "suicide": "suicide or self-harm",
    "sexual_assault": "sexual assault",
    "partner_violence": "partner or family violence",
    "child_abuse": "a child being abused",
    "immediate_danger": "immediate danger",
}

_GROWTH = re.compile(
    r"\b(?:grow|grows|growing|growth|post[- ]?traumatic|ptg|thrive|thriving|resilien\w*|"
    r"self[- ]?reconstruction|stronger after|better after)\b",
    re.I,
)
_HEAL = re.compile(r"\b(?:heal|heals|healing|recover\w*|get over|move on)\b", re.I)
_TRAUMA = re.compile(r"\b(?:trauma\w*|ptsd|assault\w*|abuse\w*|rape\w*|survivor\w*|violence|attack\w*)\b", re.I)


def is_growth_question(question: str) -> bool:
    """A question about growth or healing after trauma: the research note applies."""
    return bool(_GROWTH.search(question) or (_HEAL.search(question) and _TRAUMA.search(question)))


@dataclass(frozen=True)
class SafetyInfo:
    """What the answer carries besides quotes."""

    note: str
    level: str = NONE
    category: str | None = None
    categories: tuple[str, ...] = ()
    supporter: bool = False
    minor: bool = False
    resources: tuple[Resource, ...] = ()
    emergency: str | None = None
    message: str | None = None  # the crisis card or the message for a minor: nothing is quoted
    check_in: str | None = None
    growth_note: str | None = None
    disclosure_note: str | None = None  # the asker disclosed trauma: shown before the quotes
    too_long: bool = False  # assessed in full, but too long to search

    @property
    def crisis(self) -> bool:
        return self.level == CRISIS

    def as_dict(self) -> dict:
        return {
            "note": self.note,
            "crisis": self.crisis,
            "category": self.category,
            "categories": list(self.categories),
            "level": self.level,
            "supporter": self.supporter,
            "minor": self.minor,
            "resources": [r.as_dict() for r in self.resources],
            "emergency": self.emergency,
            "message": self.message,
            "check_in": self.check_in,
            "growth_note": self.growth_note,
            "disclosure_note": self.disclosure_note,
            "too_long": self.too_long,
        }


class SafetyPolicy:
    """The crisis check and everything the safety layer adds to an answer."""

    def __init__(
        self,
        book: ResourceBook | None = None,
        detector: CrisisDetector | None = None,
        claims: ClaimGuard | None = None,
        text: Messages | None = None,
        *,
        moderators_alerted: bool = False,
        learned: bool = True,
    ) -> None:
        self.book = book or ResourceBook.load()
        self.detector = detector or CrisisDetector(None, None)
        self.claims = claims or ClaimGuard()
        self.text = text or messages()
        self.moderators_alerted = moderators_alerted  # the card then says moderators were told
        self.learned = learned  # False: the precise rules alone (fast tests of other parts)
        self._attached: object | None = None
        self._lock = threading.Lock()

    def attach(
        self,
        embedder,
        cache_dir: Path | str,
        notify: Callable[[str], None] | None = None,
        *,
        claims: bool = True,
        encode: Callable | None = None,
    ) -> None:
        """Use ``embedder`` for the learned crisis model and claim guard (trained once, then cached).

        ``encode``: how to reach the encoder while serving (the library's, which puts questions
        ahead of a reindex); training uses the embedder directly.
        """
        if self._attached is embedder or not self.learned:
            return
        with self._lock:
            if self._attached is embedder:
                return

            def train_encode(texts):
                return embedder.encode(list(texts), batch_size=64)

            serve = encode or train_encode
            model = load_or_train(train_encode, embedder.name, embedder.dimension, cache_dir, notify)
            self.detector = CrisisDetector(model, serve)
            if claims:
                head = load_or_train_claims(train_encode, embedder.name, embedder.dimension, cache_dir)
                self.claims = ClaimGuard(head, serve)
            self._attached = embedder

    def assess(self, question: str, vector: np.ndarray | None = None) -> Assessment:
        return self.detector.assess(question, vector)

    def resources_for(self, a: Assessment, locale: str | None) -> list[Resource]:
        cats = [c for c in a.categories if c != "immediate_danger"] or (["suicide"] if a.level != NONE else [])
        if a.minor:
            cats = ["youth", *cats]
        return self.book.for_categories(cats, locale)

    def crisis_card(self, a: Assessment, locale: str | None) -> str:
        t = self.text
        category = a.category or "suicide"
        lines = [(t.supporter_openings if a.supporter else t.openings)[category], "", t.bot_disclaimer]
        lines += [f"• {r.line()}" for r in self.resources_for(a, locale)]
        lines.append(t.emergency_line.format(emergency=self.book.emergency(locale)))
        if self.moderators_alerted:
            lines += ["", t.moderators_told]
        return "\n".join(lines)

    def info(self, question: str, a: Assessment, locale: str | None, *, too_long: bool = False) -> SafetyInfo:
        t = self.text
        emergency = self.book.emergency(locale)
        common = {
            "note": t.consent_note,
            "level": a.level,
            "category": a.category,
            "categories": a.categories,
            "supporter": a.supporter,
            "minor": a.minor,
            "emergency": emergency,
            "too_long": too_long,
        }
        if a.level == CRISIS:
            return SafetyInfo(
                **common, resources=tuple(self.resources_for(a, locale)), message=self.crisis_card(a, locale)
            )
        if a.minor:
            res = tuple(self.resources_for(a, locale))
            message = t.minor_message + "\n" + "\n".join(f"• {r.line()}" for r in res)
            return SafetyInfo(**common, resources=res, message=message)
        growth = t.growth_note if is_growth_question(question) else None
        if a.level == CHECK_IN:
            res = tuple(self.resources_for(a, locale))
            who = t.check_in_who_supporter if a.supporter else t.check_in_who_self
            line = res[0].line() + (", or findahelpline.com" if "findahelpline" not in res[0].line() else "")
            disclosure = t.disclosure_note if a.category in DISCLOSURE_CATEGORIES and not a.supporter else None
            return SafetyInfo(
                **common,
                resources=res,
                check_in=t.check_in.format(who=who, line=line),
                growth_note=growth,
                disclosure_note=disclosure,
            )
        return SafetyInfo(**common, growth_note=growth)
