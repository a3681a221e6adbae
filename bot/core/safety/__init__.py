"""The safety layer: crisis detection, helplines, the claim guard and the notes every answer carries.

The bot quotes; it never advises, diagnoses or endorses. Every question is assessed before
retrieval (``SafetyPolicy.assess``): a clear crisis gets a card and no quotes, an ambiguous message
or a disclosure gets the answer with a check-in, an ordinary question gets neither.

- ``detector``: a learned model over each sentence (``model``, trained by ``training``) beside the
  precise ``rules``;
- ``resources``: helplines by locale, validated on load; ``messages``: the wording;
- ``claims``: which quoted sentences prescribe intimacy or promise healing;
- ``policy``: from an assessment to the card, the check-in and the notes.
"""

from __future__ import annotations

from .claims import ClaimGuard, load_or_train_claims
from .detector import CHECK_IN, CRISIS, NONE, Assessment, CrisisDetector
from .messages import Messages, messages
from .policy import SafetyInfo, SafetyPolicy, is_growth_question
from .resources import CATEGORIES, Resource, ResourceBook, SafetyDataError, normalize_locale
from .training import load_or_train

__all__ = [
    "CATEGORIES",
    "CHECK_IN",
    "CRISIS",
    "NONE",
    "Assessment",
    "ClaimGuard",
    "CrisisDetector",
    "Messages",
    "Resource",
    "ResourceBook",
    "SafetyDataError",
    "SafetyInfo",
    "SafetyPolicy",
    "is_growth_question",
    "load_or_train",
    "load_or_train_claims",
    "messages",
    "normalize_locale",
]
