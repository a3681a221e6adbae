"""The command line's tests run in a folder of their own, on a copy of the corpus, with the session's model."""

import shutil

import pytest

import bot.app
from helpers.library import ROOT


@pytest.fixture
def cli_env(tmp_path, monkeypatch, real_embedder, model_cache):
    """A working folder with a copy of the shipped corpus (``corpus/``) and settings pointing at it."""
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    monkeypatch.setattr(bot.app, "load_embedder", lambda model=None, **kw: real_embedder)
    monkeypatch.setenv("BOT_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("BOT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("BOT_MODEL_CACHE", str(model_cache))  # the safety models, trained once per session
    monkeypatch.chdir(tmp_path)  # no .env or corpus/ of the developer's leaks in
    return tmp_path
