"""Test doubles and builders shared by the tests: a fake embedder, articles, libraries."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np

from bot.core.library import Library
from bot.core.safety import SafetyPolicy

ROOT = Path(__file__).resolve().parents[2]
SEED_ARTICLE = ROOT / "corpus" / "how-sexual-intimacy-can-facilitate-posttraumatic-growth-and-selfreconstruction.md"
DATA = ROOT / "tests" / "data"

_WORD = re.compile(r"\w+|[^\w\s]")


class FakeEmbedder:
    """Hashed bag of words: texts sharing words are close. Counts every text it encodes."""

    def __init__(self, name: str = "fake-bow", dimension: int = 512, max_tokens: int = 256) -> None:
        self.name = name
        self.dimension = dimension
        self.max_tokens = max_tokens
        self.calls = 0
        self.batches: list[int] = []
        self.fail_after: int | None = None  # raise once this many texts have been encoded

    def encode(self, texts, *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        if self.fail_after is not None and self.calls + len(texts) > self.fail_after:
            raise RuntimeError("injected encoder failure")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                if len(word) < 3:
                    continue
                h = int(hashlib.md5(word.encode()).hexdigest(), 16)
                out[i, h % self.dimension] += 1.0 if (h >> 64) & 1 else -1.0
            norm = np.linalg.norm(out[i])
            if norm == 0:
                out[i, 0] = 1.0
                norm = 1.0
            out[i] /= norm
        self.calls += len(texts)
        self.batches.append(len(texts))
        return out

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text))


def write_article(folder: Path, name: str, title: str, body: str, tags=(), **meta) -> Path:
    lines = ["---", f"title: {title}"]
    if tags:
        lines.append("tags: " + json.dumps(list(tags)))
    for key, value in meta.items():
        lines.append(f"{key}: {value}")
    lines += ["---", "", body, ""]
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def make_test_library(corpus: Path, index: Path, embedder, *, policy: SafetyPolicy | None = None, **kwargs) -> Library:
    """A library over ``corpus``; its safety policy is the precise rules alone unless one is given."""
    return Library(corpus, index, embedder, policy or SafetyPolicy(learned=False), **kwargs)


def quote_of(text: str, highlights: tuple[tuple[int, int], ...] = (), window: tuple[int, int] | None = None, **kw):
    """A Quote of ``text`` with the answering spans and excerpt window given; other fields placeholders
    unless named in ``kw``."""
    from dataclasses import replace

    from bot.core.answer import Quote

    quote = Quote(text, "t", "a", "p", 0.5, (), None, None, highlights=highlights, window=window)
    return replace(quote, **kw) if kw else quote
