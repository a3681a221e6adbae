"""The encoder tuned on members' questions: its data, its cache key, and that tuning moves vectors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.core import tuning
from bot.core.embedder import SentenceTransformerEmbedder, load_embedder
from bot.core.errors import ModelError
from bot.core.text import normalize


def _flat(text: str) -> str:
    return " ".join(re.sub(r"[*_`]", "", text).split())


def test_every_packaged_answer_is_a_sentence_of_its_article():
    sets = sorted(tuning.PAIRS_DIR.glob("*/questions.yaml"))
    assert sets, "no packaged training questions"
    answered = 0
    for path in sets:
        articles = {p.name: _flat(p.read_text(encoding="utf-8")) for p in (path.parent / "articles").glob("*.md")}
        for row in yaml.safe_load(path.read_text(encoding="utf-8")):
            if row.get("answer"):
                answered += 1
                assert _flat(row["answer"]) in articles[row["article"]], (path.parent.name, row["q"])
            else:
                assert row.get("article") is None, (path.parent.name, row["q"])
    pairs = tuning.training_pairs()
    assert len(pairs) == answered >= 1000
    assert all(q == normalize(q) and a for q, a in pairs)


def test_the_key_follows_the_model_the_questions_and_the_recipe(tmp_path):
    pairs = _write_pairs(Path(tmp_path) / "a", [{"q": "what is sensate focus", "answer": "Touch exercises."}])
    more = _write_pairs(Path(tmp_path) / "b", [{"q": "what is sensate focus", "answer": "Touch exercises."}] * 2)
    key = tuning.tuning_key("base", tuning.data_digest(pairs))
    assert key == tuning.tuning_key("base", tuning.data_digest(pairs))
    assert key != tuning.tuning_key("other", tuning.data_digest(pairs))
    assert key != tuning.tuning_key("base", tuning.data_digest(more))
    assert key != tuning.tuning_key("base", tuning.data_digest(pairs), tuning.Recipe(epochs=2))


def _write_pairs(folder: Path, rows: list[dict]) -> Path:
    (folder / "one").mkdir(parents=True)
    (folder / "one" / "questions.yaml").write_text(yaml.safe_dump(rows), encoding="utf-8")
    return folder


def test_tuning_trains_once_moves_questions_towards_their_answers_and_is_kept(tmp_path, monkeypatch):
    pairs_in = [
        ("ngl what even is the window thing", "The window of tolerance is the zone where you can feel safely."),
        ("my bf goes quiet when we fight", "Withdrawing under conflict is common with an avoidant attachment style."),
        (
            "is it normal to cry after sex",
            "Postcoital tears are common and usually not a sign that something went wrong.",
        ),
        ("who made up the 36 questions", "The psychologist Arthur Aron published the 36 questions in 1997."),
    ]
    rows: list[dict] = [{"q": q, "answer": a, "article": "a.md"} for q, a in pairs_in]
    rows.append({"q": "unanswerable one", "answer": None, "article": None})
    folder = _write_pairs(tmp_path / "pairs", rows)
    monkeypatch.setattr(tuning, "RECIPE", tuning.Recipe(epochs=3, learning_rate=1e-4, batch_size=4))
    pairs = tuning.training_pairs(folder)
    assert len(pairs) == 4  # the question without an answer teaches nothing

    identity, out = tuning.tuned_model(None, tmp_path / "models", folder=folder)
    assert identity.startswith("sentence-transformers/all-MiniLM-L6-v2+tuned:") and out.name.startswith("tuned-")
    assert (out / "modules.json").exists() and not list(out.parent.glob(".tuning-*"))

    def margins(embedder) -> np.ndarray:
        q = embedder.encode([p[0] for p in pairs])
        a = embedder.encode([p[1] for p in pairs])
        sims = q @ a.T
        return np.diag(sims) - (sims.sum(axis=1) - np.diag(sims)) / (len(pairs) - 1)

    before = margins(SentenceTransformerEmbedder(None))
    after = margins(SentenceTransformerEmbedder(str(out), name=identity))
    assert after.mean() > before.mean()  # each question nearer its own answer than the others'

    stamp = (out / "modules.json").stat().st_mtime_ns
    monkeypatch.setattr(tuning, "_train", lambda *a, **k: pytest.fail("trained again"))
    assert tuning.tuned_model(None, tmp_path / "models", folder=folder) == (identity, out)
    assert (out / "modules.json").stat().st_mtime_ns == stamp


def test_tuning_off_uses_the_model_as_shipped_and_bad_settings_are_named(tmp_path, monkeypatch):
    with pytest.raises(ModelError, match="no training questions"):
        tuning.tuned_model(None, tmp_path, folder=tmp_path / "empty")
    monkeypatch.setattr(tuning, "tuned_model", lambda *a, **k: pytest.fail("tuned"))
    assert load_embedder(None, tune="off", cache_dir=tmp_path).name == "sentence-transformers/all-MiniLM-L6-v2"
    with pytest.raises(ModelError, match="BOT_TUNE 'sometimes'"):
        load_embedder(None, tune="sometimes", cache_dir=tmp_path)
