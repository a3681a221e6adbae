"""Shared fixtures: a tiny deterministic embedder for fast tests, the real model once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.core.library import Library
from helpers.library import ROOT, SEED_ARTICLE, FakeEmbedder, make_test_library, write_article

pytest_plugins = ["helpers.discord_env"]  # the Discord fixture (start_bot)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled all-MiniLM-L6-v2, loaded once for the whole session."""
    from bot.core.embedder import load_embedder

    return load_embedder()


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A small corpus: the seed article plus two written for tests."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED_ARTICLE, folder / SEED_ARTICLE.name)
    write_article(
        folder,
        "boundaries.md",
        "Setting Boundaries After Trauma",
        "Boundaries are limits we set to protect our wellbeing. Saying no is a complete sentence.\n\n"
        "Survivors often rebuild trust slowly. A partner who respects a pause helps that trust grow.\n\n"
        "Therapists describe boundaries as flexible fences rather than walls.",
        tags=["Boundaries", "#Healing"],
        site="Example Site",
        url="https://example.org/boundaries",
    )
    write_article(
        folder,
        "garden/soil.md",
        "Garden Soil Basics",
        "Compost improves soil structure and feeds earthworms. Mulch keeps moisture in the soil.",
        tags=["gardening"],
    )
    return folder


@pytest.fixture
def library(corpus_dir: Path, tmp_path: Path, fake_embedder: FakeEmbedder) -> Library:
    lib = make_test_library(corpus_dir, tmp_path / "index", fake_embedder, min_score=0.2)
    lib.load()
    return lib


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """Where the safety models trained on the real encoder are kept: the project's own model folder
    (index/models, git-ignored), as the bot keeps them, or BOT_TEST_MODEL_CACHE.

    A model is trained when none is cached for its key, which covers the training data, the encoder
    and the trainer version, so a change to any of them trains again. A fresh clone (CI) trains once
    per session; after `make demo` (which trains the same model) the session loads it.
    """
    folder = Path(os.environ.get("BOT_TEST_MODEL_CACHE") or ROOT / "index" / "models")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def onnx_cache_dir(model_cache) -> Path:
    """Where the int8 ONNX export is cached (the export takes about 15 s): the session's model folder,
    which the bench test also uses, so the export and its safety model are made once per session."""
    return model_cache


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
