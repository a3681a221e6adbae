"""The claim guard: which sentences of a quoted passage prescribe intimacy, promise healing or overstate.

A logistic head on each sentence's vector (trained on bot/data/safety/claims/train.jsonl, its
threshold set on claims/dev.jsonl, cached like the crisis model), with two precise patterns beside
it ("it is crucial to engage in sexual intimacy", "cures", "guaranteed"). A passage with such a
sentence is quoted with the counter-note.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..text import sentence_spans
from .detector import Encode
from .examples import fingerprint, packaged
from .model import TRAINER_VERSION, load_arrays, save_arrays
from .resources import SafetyDataError

log = logging.getLogger(__name__)

CLAIM_PRECISION = 0.9  # the threshold is the lowest whose development precision reaches this (chosen there)
C_REGULARIZATION = 4.0  # the logistic head's inverse L2 strength (best development AUC: 0.941)
# A definition or a question asserts nothing about what intimacy does for a person: the learned
# head alone never flags one (the patterns still can).
NOT_A_CLAIM = re.compile(
    r"(?:\?\s*[\"')\]]*\s*$)|\b(?:refers? to|is defined as|are defined as|is the term for|"
    r"is a term for|stands for)\b",
    re.I,
)

_ACT = (
    r"(?:have\s+sex|having\s+sex|be\s+intimate|being\s+intimate|sleep\s+with|(?:engage\s+in|seek\s+out|pursue|"
    r"initiate|give\s+in\s+to)\b[^.!?]{0,40}?\b(?:sex|sexual|intima\w*|intercourse))"
)
PRESCRIBE = re.compile(
    r"\b(?:crucial|essential|vital|necessary|imperative|required|obliged|obligatory|key|important)\s+"
    r"(?:for\s+[^.!?]{1,60}?\s+)?to\s+(?:\w+\s+)?" + _ACT + r"|"
    r"\b(?:must|should|need(?:s)?\s+to|have\s+to|has\s+to|ought\s+to)(?!\s+(?:not|never)\b)\s+(?:\w+\s+){0,2}?"
    + _ACT
    + r"|"
    r"\bthe\s+only\s+way\b[^.!?]{0,60}\b(?:sex|sexual|intima\w*)",
    re.I,
)
ABSOLUTE = re.compile(
    r"\b(cures?|cured|curing|guarantee[sd]?|guaranteed to|always (?:heals?|leads? to|results? in)|"
    r"will (?:heal|cure|fix)|proven to (?:heal|cure)|the only (?:way|path|cure)|never fails)\b",
    re.I,
)


class ClaimExample(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    text: str = Field(min_length=1, max_length=2000)
    claim: bool


def _load(path: Path) -> list[ClaimExample]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(ClaimExample.model_validate(json.loads(line)))
        except (ValueError, ValidationError) as exc:
            raise SafetyDataError(f"{path.name}:{number}: not a claim example ({str(exc).splitlines()[0]})") from None
    return out


@dataclass(frozen=True)
class ClaimHead:
    weights: np.ndarray  # (dimension,)
    bias: float
    threshold: float

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(np.asarray(vectors, np.float32) @ self.weights + self.bias, -30, 30)))


def train_claim_head(encode: Encode, train: list[ClaimExample], dev: list[ClaimExample]) -> ClaimHead:
    from sklearn.linear_model import LogisticRegression

    x = encode([e.text for e in train])
    y = np.array([e.claim for e in train])
    model = LogisticRegression(C=C_REGULARIZATION, class_weight="balanced", max_iter=5000).fit(x, y)
    head = ClaimHead(model.coef_[0].astype(np.float32), float(model.intercept_[0]), 0.5)
    scores = head.scores(encode([e.text for e in dev]))
    truth = np.array([e.claim for e in dev])
    threshold = 0.5
    for t in np.sort(np.unique(np.round(scores, 3))):
        flagged = scores >= t
        if flagged.any() and (flagged & truth).sum() / flagged.sum() >= CLAIM_PRECISION:
            threshold = float(t)
            break
    return ClaimHead(head.weights, head.bias, round(threshold, 4))


def load_or_train_claims(encode: Encode, encoder_name: str, dimension: int, cache_dir: Path | str) -> ClaimHead:
    files = packaged("claims")
    train_files = [f for f in files if f.name.startswith("train")]
    dev_files = [f for f in files if f.name.startswith("dev")]
    if not train_files or not dev_files:
        raise SafetyDataError("bot/data/safety/claims: the claim examples are missing")
    settings = f"{TRAINER_VERSION}\0{C_REGULARIZATION}\0{CLAIM_PRECISION}\0{encoder_name}\0"
    key = hashlib.sha256((settings + fingerprint(files)).encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"claims-{key}"
    try:
        arrays, meta = load_arrays(path)
        if arrays["weights"].shape == (dimension,):
            return ClaimHead(arrays["weights"], float(meta["bias"]), float(meta["threshold"]))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError) as exc:
        log.warning("the cached claim model %s cannot be read (%s); training it again", path.name, exc)
    head = train_claim_head(
        encode, [e for f in train_files for e in _load(f)], [e for f in dev_files for e in _load(f)]
    )
    try:
        save_arrays(path, {"weights": head.weights}, {"bias": head.bias, "threshold": head.threshold, "key": key})
    except OSError as exc:
        log.warning("cannot cache the claim model in %s (%s)", path.parent, exc.strerror or exc)
    return head


class ClaimGuard:
    """Flags the sentences of a passage that need the counter-note (results cached per passage)."""

    def __init__(self, head: ClaimHead | None = None, encode: Encode | None = None, cache_size: int = 4096) -> None:
        from cachetools import LRUCache

        self.head = head
        self.encode = encode
        self._cache: LRUCache[str, tuple[tuple[int, int], ...]] = LRUCache(cache_size)

    @staticmethod
    def pattern(sentence: str) -> bool:
        return bool(PRESCRIBE.search(sentence) or ABSOLUTE.search(sentence))

    def claims(self, text: str, vectors: np.ndarray | None = None) -> tuple[tuple[int, int], ...]:
        """(start, end) of each sentence of ``text`` that needs the counter-note.

        ``vectors``: the sentences' vectors if the index holds them (else they are encoded here).
        """
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        spans = sentence_spans(text)
        flags = [self.pattern(text[s:e]) for s, e in spans]
        if self.head is not None and spans:
            if vectors is None and self.encode is not None:
                vectors = self.encode([text[s:e] for s, e in spans])
            if vectors is not None:
                scores = self.head.scores(vectors)
                flags = [
                    f or (bool(sc >= self.head.threshold) and not NOT_A_CLAIM.search(text[s:e]))
                    for f, sc, (s, e) in zip(flags, scores, spans)
                ]
        found = tuple(span for span, flag in zip(spans, flags) if flag)
        self._cache[text] = found
        return found

    def check(self, text: str, vectors: np.ndarray | None = None) -> bool:
        return bool(self.claims(text, vectors))

    def many(self, texts: Sequence[str]) -> list[bool]:
        """Several passages at once: one encoder call for all their new sentences."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo and self.head is not None and self.encode is not None:
            spans = [sentence_spans(t) for t in todo]
            flat = [t[s:e] for t, sp in zip(todo, spans) for s, e in sp]
            vectors = self.encode(flat) if flat else None
            pos = 0
            for t, sp in zip(todo, spans):
                self.claims(t, vectors[pos : pos + len(sp)] if vectors is not None else None)
                pos += len(sp)
        return [self.check(t) for t in texts]
