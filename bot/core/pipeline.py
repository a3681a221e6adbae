"""One answer pipeline: a question and its context in, one outcome out.

The CLI, /ask, mentions, replies and answer channels all build a ``Question`` and render the
``Outcome``; none of them decides anything about safety, limits or tags on its own. The order
is fixed: the crisis check first (a crisis is never rate limited and never searched), then the
member's limit, then the tag, then retrieval.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

import numpy as np

from .answer import Answer
from .safety import Assessment

SHOWN_CHARS = 300  # the question as echoed back


class Kind(str, Enum):
    ANSWERED = "answered"  # quotes, or the honest "nothing matches"
    CRISIS = "crisis"  # a crisis card, nothing quoted
    MINOR = "minor"  # the member said they are under 18: youth resources, nothing quoted
    TOO_LONG = "too_long"  # assessed in full, too long to search: its card or check-in, and a note
    OTHER_LANGUAGE = "other_language"  # a language the model does not read: a kind note in it
    RATE_LIMITED = "rate_limited"
    UNKNOWN_TAG = "unknown_tag"
    EMPTY = "empty"
    BUSY = "busy"  # the queue is full: try again in ``retry_after`` seconds
    FAILED = "failed"  # something broke on the bot's side; the message says so


@dataclass(frozen=True)
class Question:
    """A member's question and where it was asked. ``member`` and ``channel`` only key limits and
    fairness; they are never logged or stored."""

    text: str
    locale: str | None = None
    tag: str | None = None
    age_restricted: bool = False  # asked where age-restricted articles may be quoted
    member: int | None = None
    channel: int | None = None
    k: int | None = None


@dataclass(frozen=True)
class Encoded:
    """A question after the one encoder pass it needs: retrieval's vector and the safety units'."""

    text: str  # normalized, one line
    vector: np.ndarray
    units: tuple[str, ...]
    unit_vectors: np.ndarray
    single: int = 0  # how many of the units, at the end, are single sentences (safety.split_message)

    @property
    def shown(self) -> str:
        return self.text if len(self.text) <= SHOWN_CHARS else self.text[: SHOWN_CHARS - 1] + "…"


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    question: str  # as shown back
    # ANSWERED; CRISIS, MINOR, TOO_LONG (and FAILED with a check-in) carry their safety message in it
    answer: Answer | None = None
    message: str | None = None  # for RATE_LIMITED, UNKNOWN_TAG, EMPTY, BUSY, FAILED
    retry_after: float | None = None
    assessment: Assessment | None = None

    @property
    def private(self) -> bool:
        """Shown only to the asker where the platform allows it (Discord's ephemeral replies)."""
        return self.kind is not Kind.ANSWERED

    @property
    def safety(self):
        return self.answer.safety if self.answer is not None else None


@dataclass(frozen=True)
class Wait:
    seconds: float
    channel: bool  # the channel's limit, not the member's


class Limiter(Protocol):
    """Per-member and per-channel limits, kept by the adapter (Discord uses discord.py's cooldowns)."""

    def check(self, question: Question) -> Wait | None:
        """How long to wait, or None (and the question is counted) if it may be answered now."""
