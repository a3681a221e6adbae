"""The int8 ONNX encoder against the sentence-transformers reference, with the real bundled model."""

import shutil
import subprocess
import sys

import numpy as np
import pytest
import yaml

from bot.core.library import Library
from bot.core.safety import SafetyPolicy
from helpers.library import DATA, ROOT

pytestmark = pytest.mark.model


@pytest.fixture(scope="session")
def onnx_embedder(model_cache):
    from bot.core.embedder import load_embedder

    # The default: the tuned model (as real_embedder), exported; kept with the models (about 15 s to make).
    return load_embedder(encoder="onnx-int8", cache_dir=model_cache)


def _texts():
    cases = yaml.safe_load((DATA / "seed_questions.yaml").read_text())
    body = (ROOT / "corpus").glob("*.md")
    paragraphs = [p for f in body for p in f.read_text().split("\n\n") if len(p) > 40]
    return paragraphs + [c["q"] for c in cases["answerable"]] + cases["off_topic"]


def test_int8_embeddings_match_sentence_transformers(onnx_embedder, real_embedder):
    texts = _texts()
    a, b = onnx_embedder.encode(texts), real_embedder.encode(texts)
    cosine = (a * b).sum(1)
    assert a.shape == b.shape and np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    assert cosine.min() >= 0.98 and cosine.mean() >= 0.99, (cosine.min(), cosine.mean())
    for text in texts[:5]:
        assert onnx_embedder.count_tokens(text) == real_embedder.count_tokens(text)


def test_the_encoder_is_named_by_its_export_and_cached(onnx_embedder, tmp_path_factory):
    assert onnx_embedder.name.startswith("sentence-transformers/all-MiniLM-L6-v2+tuned:")
    assert "+onnx-int8:" in onnx_embedder.name
    assert onnx_embedder.dimension == 384 and onnx_embedder.max_tokens == 256


def test_the_int8_encoder_encodes_without_torch(onnx_embedder, model_cache):
    """Once exported, the int8 encoder runs in a process that never imports torch (its point)."""
    code = (
        "import sys\n"
        "from bot.core.embedder import load_embedder\n"
        f"e = load_embedder(encoder='onnx-int8', cache_dir={str(model_cache)!r})\n"
        "v = e.encode(['how does trust come back after trauma?'])\n"
        "print(v.shape[1], 'torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == ["384", "False"], out.stdout


def test_seed_retrieval_with_the_int8_encoder(onnx_embedder, tmp_path):
    """Ranking is preserved, and off-topic questions stay silent at the int8 encoder's own calibrated
    threshold (its scores differ from torch's by about 0.01, so it has its own)."""
    from bot.core.search import DEFAULT_MIN_SCORES, search

    cases = yaml.safe_load((DATA / "seed_questions.yaml").read_text())
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    # Retrieval only: the safety rules without the learned model, which would be trained for this
    # encoder first (minutes; the learned model is tested on the default encoder).
    lib = Library(
        tmp_path / "corpus",
        tmp_path / "index",
        onnx_embedder,
        SafetyPolicy(learned=False),
        min_score=DEFAULT_MIN_SCORES[("onnx-int8", True)],
    )
    lib.load()
    assert lib.index.manifest["model"] == onnx_embedder.name
    for case in cases["answerable"]:
        hits = search(lib.index, onnx_embedder.encode([case["q"]])[0], k=3, min_score=-1.0)
        assert any(case["passage"] in h.passage.text for h in hits), case["q"]
    for question in cases["off_topic"]:
        answer = lib.ask(question).answer
        assert answer is not None and not answer.answered, question


def test_each_encoder_gets_its_calibrated_threshold_unless_one_is_set():
    from bot.core.search import DEFAULT_MIN_SCORES
    from bot.settings import Settings

    def threshold(**env: str) -> float:
        return Settings.from_env(env, dotenv=False).relevance_threshold

    assert threshold() == DEFAULT_MIN_SCORES[("torch", True)] == 0.37
    assert threshold(BOT_ENCODER="onnx-int8") == DEFAULT_MIN_SCORES[("onnx-int8", True)]
    assert threshold(BOT_TUNE="off") == 0.39 and threshold(BOT_TUNE="OFF", BOT_ENCODER="onnx-int8") == 0.43
    assert threshold(BOT_MODEL="/models/other") == 0.39  # another model is not tuned unless BOT_TUNE=on
    assert threshold(BOT_MODEL="/models/other", BOT_TUNE="on") == 0.37
    assert (
        Settings.from_env({"BOT_ENCODER": "onnx-int8", "BOT_MIN_SCORE": "0.3"}, dotenv=False).relevance_threshold == 0.3
    )
