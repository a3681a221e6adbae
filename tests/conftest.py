"""Shared fixtures: a tiny deterministic embedder for fast tests, the real model once per session."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.core.library import Library
from bot.core.safety import SafetyPolicy

ROOT = Path(__file__).resolve().parent.parent
SEED_ARTICLE = ROOT / "corpus" / "how-sexual-intimacy-can-facilitate-posttraumatic-growth-and-selfreconstruction.md"
DATA = Path(__file__).resolve().parent / "data"

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


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def onnx_cache_dir(tmp_path_factory) -> Path:
    """Where the int8 ONNX export is cached, once per session (the export takes about 15 s)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled all-MiniLM-L6-v2, loaded once for the whole session."""
    from bot.core.embedder import load_embedder

    return load_embedder()


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


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A small corpus: the seed article plus two written for tests."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED_ARTICLE, folder / SEED_ARTICLE.name)
    write_article(folder, "boundaries.md", "Setting Boundaries After Trauma",
                  "Boundaries are limits we set to protect our wellbeing. Saying no is a complete sentence.\n\n"
                  "Survivors often rebuild trust slowly. A partner who respects a pause helps that trust grow.\n\n"
                  "Therapists describe boundaries as flexible fences rather than walls.",
                  tags=["Boundaries", "#Healing"], site="Example Site", url="https://example.org/boundaries")
    write_article(folder, "garden/soil.md", "Garden Soil Basics",
                  "Compost improves soil structure and feeds earthworms. Mulch keeps moisture in the soil.",
                  tags=["gardening"])
    return folder


def make_test_library(corpus: Path, index: Path, embedder, *, policy: SafetyPolicy | None = None, **kwargs) -> Library:
    """A library over ``corpus``; its safety policy is the precise rules alone unless one is given."""
    return Library(corpus, index, embedder, policy or SafetyPolicy(learned=False), **kwargs)


@pytest.fixture
def library(corpus_dir: Path, tmp_path: Path, fake_embedder: FakeEmbedder) -> Library:
    lib = make_test_library(corpus_dir, tmp_path / "index", fake_embedder, min_score=0.2)
    lib.load()
    return lib


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """Where the safety models trained on the real encoder are cached, once per session."""
    return tmp_path_factory.mktemp("safety-models")


@pytest.fixture(scope="session")
def safety_policy(real_embedder, model_cache):
    """The real safety policy: the learned crisis model and claim guard, trained once per session."""
    from bot.app import make_policy
    from bot.settings import Settings

    policy = make_policy(Settings())
    policy.attach(real_embedder, model_cache)
    return policy


@pytest.fixture(scope="session")
def seed_library(real_embedder, safety_policy, model_cache, tmp_path_factory):
    """The shipped corpus indexed with the real model and the real safety policy, once per session."""
    tmp = tmp_path_factory.mktemp("seed")
    corpus = tmp / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    lib = Library(corpus, tmp / "index", real_embedder, safety_policy, model_cache=model_cache)
    lib.load()
    return lib


from discord_env import start_bot  # noqa: E402,F401  (the Discord fixture, shared by several test files)
