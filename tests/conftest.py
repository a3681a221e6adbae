"""Shared fixtures: a tiny deterministic embedder for fast tests, small corpora, the seed library."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.library import Library
from helpers.library import ROOT, SEED_ARTICLE, FakeEmbedder, make_test_library, write_article

# The Discord fixture (start_bot); the real model, loaded and trained meanwhile (real_model.py).
pytest_plugins = ["helpers.discord_env", "helpers.real_model"]


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


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
def seed_library(real_embedder, safety_policy, model_cache, tmp_path_factory):
    """The shipped corpus indexed with the real model and the real safety policy, once per session."""
    tmp = tmp_path_factory.mktemp("seed")
    corpus = tmp / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    lib = Library(corpus, tmp / "index", real_embedder, safety_policy, model_cache=model_cache)
    lib.load()
    return lib
