"""Crisis detection: the learned model over each sentence of a message, with the precise rules beside it.

A message is read as units: the whole message and, in a long one, each run of three sentences.
Every unit is scored; the message takes the highest score of each head. A long message is
assessed in full, whatever its length.

Levels: ``crisis`` (a card, nothing quoted), ``check_in`` (the answer and one line pointing to
helplines; also what an unsure score gets), ``none``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..text import normalize, sentences
from . import rules
from .model import CrisisModel, UnitScores
from .resources import CATEGORIES

NONE, CHECK_IN, CRISIS = "none", "check_in", "crisis"
# Resource order on a card: the most urgent category first.
PRIORITY = ("immediate_danger", "child_abuse", "suicide", "sexual_assault", "partner_violence")
# A second category is named (and its helplines added) when the deciding unit gives it this share.
SECOND_CATEGORY = 0.3
WINDOW = 3  # sentences per unit of a long message
MAX_UNITS = 200  # a 6,000-character message has about 60 sentences: 58 windows and the whole

Encode = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Assessment:
    """What the check found. ``reasons`` names rules and heads, never the message's words."""

    level: str = NONE
    category: str | None = None
    categories: tuple[str, ...] = ()
    supporter: bool = False
    minor: bool = False
    reasons: tuple[str, ...] = ()
    risk: float = 0.0  # the highest unit scores, for measurement
    crisis_score: float = 0.0

    @property
    def stops_quoting(self) -> bool:
        """A crisis, or a member who said they are under 18: nothing from the library is quoted."""
        return self.level == CRISIS or self.minor


def message_units(text: str) -> list[str]:
    """The texts scored for one message: the whole, and in a long one every run of three sentences.

    Idioms that are spelling slips are rewritten and clauses that deny risk are removed first.
    A sentence alone loses the context that tells an idiom from a threat ("my sister is going to
    kill me" about a borrowed dress); three sentences keep it, and still find a crisis buried in a
    long post, which the whole message's vector dilutes (chosen on the development split).
    """
    text = rules.rewrite_idioms(normalize(text, keep_newlines=True))
    parts = [p for p in (rules.remove_negations(s) for s in sentences(text)) if p]
    if not parts:
        return []
    units = [" ".join(parts)]
    if len(parts) > WINDOW:
        units += [" ".join(parts[i : i + WINDOW]) for i in range(len(parts) - WINDOW + 1)]
    return list(dict.fromkeys(units))[:MAX_UNITS]


@dataclass(frozen=True)
class MessageScores:
    """The highest score of each head over a message's units, and the unit that gave it."""

    risk: float
    crisis: float
    supporter: float
    minor: float
    category: np.ndarray  # of the deciding unit
    rules: rules.RuleHits

    @classmethod
    def of(cls, units: UnitScores | None, hits: rules.RuleHits) -> MessageScores:
        if units is None or len(units.risk) == 0:
            return cls(0.0, 0.0, 0.0, 0.0, np.zeros(len(CATEGORIES)), hits)
        # The unit that decides: the most crisis-like if any unit nears a card, else the riskiest.
        top = int(np.argmax(units.crisis + units.risk))
        return cls(
            float(units.risk.max()),
            float(units.crisis.max()),
            float(units.supporter[top]),
            float(units.minor.max()),
            units.category[top],
            hits,
        )


class CrisisDetector:
    def __init__(self, model: CrisisModel | None, encode: Encode | None) -> None:
        self.model = model
        self.encode = encode

    def scores(self, text: str, vector: np.ndarray | None = None) -> MessageScores:
        units = message_units(text)
        if self.model is None or self.encode is None or not units:
            return self.unit_scores(units, None)
        if vector is not None and units[0] == normalize(text):
            # The whole message is the question the answer path embedded already.
            rest = self.encode(units[1:]) if len(units) > 1 else np.zeros((0, len(vector)), np.float32)
            vectors = np.vstack([np.asarray(vector, np.float32).reshape(1, -1), rest])
        else:
            vectors = self.encode(units)
        return self.unit_scores(units, vectors)

    def unit_scores(self, units: Sequence[str], vectors: np.ndarray | None) -> MessageScores:
        """Scores of a message from its units (``message_units``) and their vectors."""
        hits = rules.check(units[0] if units else "")
        if self.model is None or vectors is None or not len(units):
            return MessageScores.of(None, hits)
        return MessageScores.of(self.model.predict(vectors), hits)

    def assess(self, text: str, vector: np.ndarray | None = None) -> Assessment:
        return self.decide(self.scores(text, vector))

    def decide(self, s: MessageScores) -> Assessment:
        t = self.model.thresholds if self.model is not None else None
        hits = s.rules
        reasons = list(hits.reasons)
        model_card = t is not None and s.crisis >= t.card
        model_risk = t is not None and (s.risk >= t.check_in or s.crisis >= t.check_in)
        ranked = [CATEGORIES[i] for i in np.argsort(-s.category)]
        model_categories = [
            c for c, p in zip(ranked, sorted(s.category, reverse=True)) if c == ranked[0] or p >= SECOND_CATEGORY
        ]
        if hits.crisis:
            level, categories = CRISIS, list(hits.crisis) + (model_categories if model_card else [])
        elif model_card and not hits.joke:
            level, categories = CRISIS, model_categories
            reasons.append("model_card")
        elif hits.means and (model_risk or model_card):
            level, categories = CRISIS, ["suicide"]
        elif model_card or model_risk or hits.means:
            level = CHECK_IN
            categories = ["suicide"] if hits.means and not model_risk else model_categories
            reasons.append("model_check_in" if model_risk or model_card else "means_alone")
        else:
            level, categories = NONE, []
        supporter = level != NONE and t is not None and s.supporter >= t.supporter and not hits.crisis
        minor = hits.minor or (t is not None and s.minor >= t.minor)
        if minor and not supporter and "sexual_assault" in categories:
            categories.append("child_abuse")  # a minor assaulted is a child abused: both sets of helplines
        ordered = tuple(sorted(dict.fromkeys(categories), key=PRIORITY.index))
        return Assessment(
            level,
            ordered[0] if ordered else None,
            ordered,
            supporter,
            minor,
            tuple(reasons),
            round(s.risk, 4),
            round(s.crisis, 4),
        )

    @staticmethod
    def quick(text: str) -> Assessment | None:
        """The precise rules alone, in well under a millisecond: a crisis they are sure of, or None.

        For deciding before any model work whether a reply must be private.
        """
        units = message_units(text)
        hits = rules.check(units[0] if units else "")
        if not hits.crisis:
            return None
        ordered = tuple(sorted(hits.crisis, key=PRIORITY.index))
        return Assessment(CRISIS, ordered[0], ordered, False, hits.minor, hits.reasons)
