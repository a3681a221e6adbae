"""The encoder tuned to members' questions: the configured model, fine-tuned once per machine.

The bundled all-MiniLM-L6-v2 was trained on web pairs (titles, forum questions, search queries). The
people who write to this bot ask short, lower-case, slangy or long personal questions about
intimacy and trauma, and often say things in words the articles never use. A short fine-tuning on
question -> answering sentence pairs written for the project (``bot/data/retrieval/``: articles
and members' questions, none of them in the corpus or in an evaluation set) teaches the encoder
that style: a question lands nearer the sentence that answers it and farther from one that only
shares its topic (docs/retrieval.md, "The tuned encoder").

The training is small (1,080 pairs, one epoch, about 90 s on two cores; the result is the average
of the tuned and the original weights, ``Recipe.blend``) and happens on
first use, like the safety models: the result is kept under ``index/models/tuned-<key>/``, keyed
by the base model, the pairs and the recipe, so a change to any of them trains again. Nothing
trained is committed. ``BOT_TUNE=off`` uses the configured model as it is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from .errors import ModelError
from .models import is_default_model, resolve_model
from .text import normalize

log = logging.getLogger(__name__)

PAIRS_DIR = Path(__file__).resolve().parent.parent / "data" / "retrieval"
TRAINER_VERSION = 1
_LOCK = threading.Lock()
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Recipe:
    """How the encoder is tuned. Chosen on the development questions (docs/retrieval.md)."""

    epochs: int = 1
    learning_rate: float = 2e-5
    batch_size: int = 32
    scale: float = 20.0  # the softmax temperature over in-batch cosines (sentence-transformers' default)
    seed: int = 0
    # The share of the tuned weights in the saved model, the rest the model's own (weight averaging,
    # "WiSE-FT", Wortsman et al. 2022). Fully tuned, CounselChat's long questions lost 0.027 MRR@10;
    # half and half keeps most of the gain on members' questions and CounselChat within 0.004.
    blend: float = 0.5


RECIPE = Recipe()


TUNED_MARK = "+tuned:"  # in a tuned encoder's identity: "<base model>+tuned:<key>"


def tunes(model: str | None, tune: str) -> bool:
    """Whether BOT_TUNE=``tune`` tunes ``model``: "on" always, "auto" the bundled model only."""
    return tune == "on" or (tune == "auto" and is_default_model(model))


def _pair_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/questions.yaml"))


def training_pairs(folder: Path = PAIRS_DIR) -> list[tuple[str, str]]:
    """(question, answering sentence) from every ``*/questions.yaml`` under ``folder``, in file order.

    Questions without an answer are skipped: they teach nothing to an in-batch contrastive loss.
    """
    pairs: list[tuple[str, str]] = []
    for path in _pair_files(folder):
        rows = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or []
        for row in rows:
            if row.get("answer"):
                pairs.append((normalize(str(row["q"])), " ".join(str(row["answer"]).split())))
    return pairs


def data_digest(folder: Path = PAIRS_DIR) -> str:
    """The training questions' fingerprint: their files' names and bytes, read without parsing
    (parsing them takes most of a second, and a cached tuned model needs only the key)."""
    digest = hashlib.sha256()
    for path in _pair_files(folder):
        digest.update(f"{path.parent.name}\0{path.stat().st_size}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def tuning_key(base_identity: str, data: str, recipe: Recipe = RECIPE) -> str:
    """The cache key: the base model, the training data's fingerprint (``data_digest``), the recipe."""
    payload = json.dumps([TRAINER_VERSION, base_identity, data, asdict(recipe)])
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def tuned_model(
    model: str | None,
    cache_dir: Path | str,
    *,
    folder: Path = PAIRS_DIR,
    notify: Callable[[str], None] | None = None,
) -> tuple[str, Path]:
    """(identity, folder) of ``model`` tuned on the packaged pairs; trained here when not cached.

    ``notify`` hears one line before a training starts (the CLI prints it: it takes a minute or two).
    """
    base_identity, load_from = resolve_model(model)
    if not _pair_files(folder):
        raise ModelError(f"no training questions under {folder}: set BOT_TUNE=off to use the model as it is")
    key = tuning_key(base_identity, data_digest(folder))
    out = Path(cache_dir) / f"tuned-{key}"
    with _LOCK:
        if not (out / "modules.json").exists():
            pairs = training_pairs(folder)
            if not pairs:
                raise ModelError(f"no answered questions under {folder}: set BOT_TUNE=off to use the model as it is")
            if notify is not None:
                notify(f"Tuning the encoder on {len(pairs):,} members' questions (once per model; a minute or two)…")
            _train(load_from, pairs, out)
    return f"{base_identity}{TUNED_MARK}{key}", out


def _train(load_from: str, pairs: list[tuple[str, str]], out: Path, recipe: Recipe = RECIPE) -> None:
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    if Path(load_from).exists():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    log.info("tuning the encoder on %d questions (once; kept in %s)", len(pairs), out)
    started = time.perf_counter()
    torch.manual_seed(recipe.seed)
    try:
        model = SentenceTransformer(load_from, device="cpu")
    except Exception as exc:
        raise ModelError(f"cannot load the model to tune ({type(exc).__name__}); set BOT_TUNE=off") from exc
    original = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.learning_rate)
    model.train()

    def embed(texts: list[str]):
        return torch.nn.functional.normalize(model(model.tokenize(texts))["sentence_embedding"], dim=1)

    rng = np.random.default_rng(recipe.seed)
    for _ in range(recipe.epochs):
        order = rng.permutation(len(pairs))
        for start in range(0, len(order), recipe.batch_size):
            batch: list[tuple[str, str]] = []
            answers: set[str] = set()
            for i in order[start : start + recipe.batch_size]:
                question, answer = pairs[int(i)]
                if answer not in answers:  # two questions on one sentence would be each other's false negative
                    answers.add(answer)
                    batch.append((question, answer))
            if len(batch) < 2:
                continue
            questions = embed([q for q, _ in batch])
            sentences = embed([a for _, a in batch])
            logits = questions @ sentences.T * recipe.scale
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if tensor.is_floating_point():
                tensor.copy_(recipe.blend * tensor + (1 - recipe.blend) * original[name])
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".tuning-", dir=out.parent))
    try:
        model.save(str(work))
        work.chmod(0o755)  # mkdtemp makes it private; the other models here are readable
        shutil.rmtree(out, ignore_errors=True)
        work.rename(out)  # whole or absent: a crash mid-save never leaves a half model to load
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("encoder tuned in %.0f s", time.perf_counter() - started)
