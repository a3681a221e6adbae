"""The staleness line outside Discord: `index info` and `ask` (on stderr, so stdout stays the answer)."""

import json
import shutil

import pytest

import bot.app
from bot.__main__ import main
from helpers.library import ROOT


@pytest.fixture
def cli(tmp_path, monkeypatch, real_embedder, model_cache):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    monkeypatch.setattr(bot.app, "load_embedder", lambda model=None, **kw: real_embedder)
    monkeypatch.setenv("BOT_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("BOT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("BOT_MODEL_CACHE", str(model_cache))
    monkeypatch.chdir(tmp_path)
    return corpus


@pytest.mark.model
def test_index_info_and_ask_say_when_the_index_is_out_of_date(cli, capsys):
    assert main(["index", "build"]) == 0
    capsys.readouterr()
    assert main(["index", "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["freshness"] == {
        "stale": False,
        "added": [],
        "changed": [],
        "removed": [],
    }
    (cli / "rivers.md").write_text("---\ntitle: Rivers\n---\n\nRivers carve valleys.\n", encoding="utf-8")
    assert main(["index", "info"]) == 0
    assert (
        "out of date: 1 article added, changed or removed since the last build: rivers.md (added)"
        in capsys.readouterr().out
    )
    assert main(["ask", "--json", "in what ways does intimacy aid growth?"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["answered"] is True
    assert captured.err.strip().splitlines()[-1] == (
        "warning: the index is out of date: 1 article added, changed or removed since the "
        "last build: rivers.md (added); run: python -m bot index build"
    )
