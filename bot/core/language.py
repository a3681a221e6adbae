"""Which language a question is in, where that can be told (py3langid's bundled model, ~1 ms).

The bundled encoder reads English. A question confidently in another language gets a kind notice
in that language instead of quotes matched on noise; a deployment whose BOT_MODEL is multilingual
lists its languages in BOT_LANGUAGES (or "any") and the notice goes away.
"""

from __future__ import annotations

import re
import threading

CONFIDENCE = 0.8  # below this, short or mixed text is taken for English (most short messages are)
MIN_LETTERS = 10  # "lol kms", "idk" and "hi bot" are too short to tell
NO_LANGUAGE = "zxx"  # py3langid's code for text with no linguistic content ("zzzq xxqq vvvw")

_LETTERS = re.compile(r"[^\W\d_]", re.U)


class LanguageGuess:
    def __init__(self) -> None:
        self._identifier = None
        self._lock = threading.Lock()

    def _model(self):
        if self._identifier is None:
            with self._lock:
                if self._identifier is None:
                    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

                    self._identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
        return self._identifier

    def guess(self, text: str) -> str | None:
        """An ISO 639-1 code when the text is long enough and the model confident, else None."""
        if len(_LETTERS.findall(text)) < MIN_LETTERS:
            return None
        language, probability = self._model().classify(text)
        return language if probability >= CONFIDENCE and language != NO_LANGUAGE else None

    def foreign(self, text: str, allowed: frozenset[str] | None) -> str | None:
        """The question's language if it is confidently one the model does not read, else None."""
        if allowed is None:  # any language: a multilingual model
            return None
        language = self.guess(text)
        return language if language is not None and language not in allowed else None
