"""Crisis detection: the learned model over each sentence of a message, with the precise rules beside it.

A message is read as units: the whole message and, in a long one, each run of three sentences;
in a message of two or three sentences that shows some risk, each sentence on its own, held to
stricter thresholds. Every unit is scored; the message takes the highest score of each head. A
long message is assessed in full, whatever its length.

Levels: ``crisis`` (a card, nothing quoted), ``check_in`` (the answer and one line pointing to
helplines; also what an unsure score gets), ``none``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..text import normalize, sentences
from . import rules
from .model import CrisisModel, Thresholds, UnitScores
from .resources import CATEGORIES

NONE, CHECK_IN, CRISIS = "none", "check_in", "crisis"
# Resource order on a card: the most urgent category first.
PRIORITY = ("immediate_danger", "child_abuse", "suicide", "sexual_assault", "partner_violence")
# A second category is named (and its helplines added) when the deciding unit gives it this share.
SECOND_CATEGORY = 0.3
WINDOW = 3  # sentences per unit of a long message
MAX_UNITS = 200  # a 6,000-character message has about 60 sentences: 58 windows and the whole
# The single sentences of a short message are read only when the whole already shows this much
# risk: on the development split every message they rightly raised scored 0.063 or more as a
# whole, and below 0.05 they raised only harmless ones. Ordinary questions score far below it,
# so they cost no second encoder pass.
SENTENCE_GATE = 0.05

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


def split_message(text: str) -> tuple[list[str], int]:
    """The texts scored for one message, and how many of them (at the end) are single sentences.

    - The whole message, and in a long one (more than WINDOW sentences) every run of three: each
      can give a card or a check-in. A sentence alone loses the context that tells an idiom from a
      threat ("my sister is going to kill me" about a borrowed dress); three sentences keep it,
      and still find a crisis buried in a long post, which the whole message's vector dilutes.
    - In a message of two or three sentences, each sentence on its own: one grave line among
      friendly ones is diluted in the whole too. Out of context a sentence is read more strictly
      (``Thresholds.sentence_card`` and ``sentence_check_in``, calibrated on the development split).

    Idioms that are spelling slips are rewritten and clauses that deny risk are removed first.
    """
    text = rules.rewrite_idioms(normalize(text, keep_newlines=True))
    parts = [p for p in (rules.remove_negations(s) for s in sentences(text)) if p]
    if not parts:
        return [], 0
    units = [" ".join(parts)]
    if len(parts) > WINDOW:
        units += [" ".join(parts[i : i + WINDOW]) for i in range(len(parts) - WINDOW + 1)]
        return list(dict.fromkeys(units))[:MAX_UNITS], 0
    single = [p for p in dict.fromkeys(parts) if p != units[0]] if len(parts) > 1 else []
    return units + single, len(single)


def reads_sentences(risk: float, crisis: float) -> bool:
    """Whether the single sentences of a short message are read, from its whole units' highest scores."""
    return max(risk, crisis) >= SENTENCE_GATE


def message_units(text: str) -> list[str]:
    """Every text scored for one message (``split_message``), single sentences included."""
    return split_message(text)[0]


def whole_units(text: str) -> list[str]:
    """The whole message and its runs of sentences, without the single sentences (``split_message``)."""
    units, single = split_message(text)
    return units[: len(units) - single]


@dataclass(frozen=True)
class MessageScores:
    """The highest score of each head over a message's units, and the unit that gave it.

    ``sentence_risk`` and ``sentence_crisis``: the highest over the single sentences of a short
    message (``split_message``), kept apart: they are held to their own thresholds.
    """

    risk: float
    crisis: float
    supporter: float
    minor: float
    category: np.ndarray  # of the deciding unit
    rules: rules.RuleHits
    sentence_risk: float = 0.0
    sentence_crisis: float = 0.0
    sentence_category: np.ndarray | None = None  # of the most crisis-like single sentence

    @classmethod
    def of(cls, units: UnitScores | None, hits: rules.RuleHits, single: int = 0) -> MessageScores:
        if units is None or len(units.risk) == 0:
            return cls(0.0, 0.0, 0.0, 0.0, np.zeros(len(CATEGORIES)), hits)
        whole = len(units.risk) - single
        risk, crisis = units.risk[:whole], units.crisis[:whole]
        # The unit that decides: the most crisis-like if any unit nears a card, else the riskiest.
        top = int(np.argmax(crisis + risk))
        extra: dict = {}
        if single and reads_sentences(float(risk.max()), float(crisis.max())):
            s_risk, s_crisis = units.risk[whole:], units.crisis[whole:]
            pick = whole + int(np.argmax(s_crisis + s_risk))
            extra = {
                "sentence_risk": float(s_risk.max()),
                "sentence_crisis": float(s_crisis.max()),
                "sentence_category": units.category[pick],
            }
        return cls(
            float(risk.max()),
            float(crisis.max()),
            float(units.supporter[top]),
            float(units.minor[:whole].max()),
            units.category[top],
            hits,
            **extra,
        )


def _past_joke(s: MessageScores, t: Thresholds) -> bool:
    """Whether a card stands despite a joke marker: the whole past the joke threshold, or a single
    sentence past it and past its own sentence threshold."""
    return s.crisis >= t.joke_card or s.sentence_crisis >= max(t.sentence_card, t.joke_card)


class CrisisDetector:
    def __init__(self, model: CrisisModel | None, encode: Encode | None) -> None:
        self.model = model
        self.encode = encode

    def scores(self, text: str, vector: np.ndarray | None = None) -> MessageScores:
        units, single = split_message(text)
        if self.model is None or self.encode is None or not units:
            return self.unit_scores(units, None)
        whole = units[: len(units) - single]
        if vector is not None and whole[0] == normalize(text):
            # The whole message is the question the answer path embedded already.
            rest = self.encode(whole[1:]) if len(whole) > 1 else np.zeros((0, len(vector)), np.float32)
            vectors = np.vstack([np.asarray(vector, np.float32).reshape(1, -1), rest])
        else:
            vectors = self.encode(whole)
        if single and self.wants_sentences(vectors):
            return self.unit_scores(units, np.vstack([vectors, self.encode(units[len(whole) :])]), single)
        return self.unit_scores(whole, vectors)

    def wants_sentences(self, whole_vectors: np.ndarray) -> bool:
        """Whether a short message's single sentences are worth encoding (``reads_sentences``), from
        the vectors of its whole units."""
        if self.model is None or self.model.thresholds.sentence_check_in > 1 or not len(whole_vectors):
            return False
        p = self.model.predict(whole_vectors)
        return reads_sentences(float(p.risk.max()), float(p.crisis.max()))

    def unit_scores(self, units: Sequence[str], vectors: np.ndarray | None, single: int = 0) -> MessageScores:
        """Scores of a message from its units (``split_message``: the last ``single`` of them are
        single sentences) and their vectors."""
        hits = rules.check(units[0] if units else "")
        if self.model is None or vectors is None or not len(units):
            return MessageScores.of(None, hits)
        return MessageScores.of(self.model.predict(vectors), hits, single)

    def assess(self, text: str, vector: np.ndarray | None = None) -> Assessment:
        return self.decide(self.scores(text, vector))

    def decide(self, s: MessageScores) -> Assessment:
        t = self.model.thresholds if self.model is not None else None
        hits = s.rules
        reasons = list(hits.reasons)
        whole_card = t is not None and s.crisis >= t.card
        whole_risk = t is not None and (s.risk >= t.check_in or s.crisis >= t.check_in)
        sentence_card = t is not None and s.sentence_crisis >= t.sentence_card
        sentence_risk = t is not None and max(s.sentence_risk, s.sentence_crisis) >= t.sentence_check_in
        model_card = whole_card or sentence_card
        model_risk = whole_risk or sentence_risk
        # The categories of what decided: the whole (or a run), unless only a single sentence did.
        by_sentence = (sentence_card and not whole_card) or (sentence_risk and not (whole_card or whole_risk))
        category = s.sentence_category if by_sentence and s.sentence_category is not None else s.category
        ranked = [CATEGORIES[i] for i in np.argsort(-category)]
        model_categories = [
            c for c, p in zip(ranked, sorted(category, reverse=True)) if c == ranked[0] or p >= SECOND_CATEGORY
        ]
        # A rule's card needs the model to see at least check-in risk: a quoted line, a game or an
        # idiom the rules read literally ("i want to die (in game) 💀") gets a check-in instead.
        rule_confirmed = t is None or model_risk or model_card
        if hits.crisis and rule_confirmed:
            level, categories = CRISIS, list(hits.crisis) + (model_categories if model_card else [])
        elif hits.crisis:
            level, categories = CHECK_IN, list(hits.crisis)
            reasons.append("rule_unconfirmed")
        elif model_card and t is not None and (not hits.joke or _past_joke(s, t)):
            level, categories = CRISIS, model_categories
            reasons.append("model_card" if whole_card else "sentence_card")
        elif hits.means and (model_risk or model_card):
            level, categories = CRISIS, ["suicide"]
        elif model_card or model_risk or hits.means:
            level = CHECK_IN
            categories = ["suicide"] if hits.means and not model_risk else model_categories
            reasons.append(
                ("model_check_in" if whole_card or whole_risk else "sentence_check_in")
                if model_risk or model_card
                else "means_alone"
            )
        else:
            level, categories = NONE, []
        supporter = (
            level != NONE and t is not None and s.supporter >= t.supporter and not (hits.crisis and rule_confirmed)
        )
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
