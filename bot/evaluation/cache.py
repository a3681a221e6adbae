"""An embedding cache for evaluations: each text is embedded once per encoder, across runs.

Evaluating a setting on MedQuAD embeds about 30,000 passages and 190,000 sentences (tens of
minutes on two cores); trying a ranking or a threshold should not pay for that again. Vectors are
stored under the evaluation's work folder by a digest of the text, in shards of plain ``.npy``
files (no pickle), one folder per encoder identity (the model name, with the ONNX export's hash).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path
from typing import Sequence

import numpy as np

SHARD = 4096  # texts per file written; an interrupted run loses at most this many


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32].encode("ascii")


class CachedEmbedder:
    """Wraps an embedder; ``encode`` looks every text up first and embeds only the missing ones."""

    def __init__(self, embedder, folder: Path | str) -> None:
        self.inner = embedder
        self.name = embedder.name
        self.dimension = embedder.dimension
        self.max_tokens = embedder.max_tokens
        slug = re.sub(r"[^a-zA-Z0-9]+", "-", embedder.name).strip("-")
        self.folder = Path(folder) / slug
        self._vectors: dict[bytes, np.ndarray] = {}  # text digest -> a row of a loaded or new block
        self._pending: list[tuple[bytes, np.ndarray]] = []
        self.hits = self.misses = 0
        for keys_file in sorted(self.folder.glob("keys-*.npy")):
            vec_file = keys_file.with_name(keys_file.name.replace("keys-", "vectors-"))
            try:
                keys = np.load(keys_file, allow_pickle=False)
                vectors = np.load(vec_file, allow_pickle=False)
            except (OSError, ValueError):
                continue  # a shard cut short by a killed run: its texts are embedded again
            if len(keys) != len(vectors) or vectors.shape[1:] != (self.dimension,):
                continue
            self._add(keys.tolist(), vectors)

    def __getattr__(self, name):  # calls, batch_size... of the wrapped embedder
        return getattr(self.inner, name)

    def _add(self, keys: list[bytes], vectors: np.ndarray) -> None:
        block = np.asarray(vectors, dtype=np.float32)
        self._vectors.update(zip(keys, block))

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        texts = list(texts)
        keys = [_key(t) for t in texts]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        missing: dict[bytes, list[int]] = {}
        for i, k in enumerate(keys):
            vector = self._vectors.get(k)
            if vector is None:
                missing.setdefault(k, []).append(i)
            else:
                out[i] = vector
        self.hits += len(texts) - sum(len(v) for v in missing.values())
        if missing:
            order = list(missing)
            vectors = self.inner.encode(
                [texts[missing[k][0]] for k in order], batch_size=batch_size, show_progress=show_progress
            )
            self.misses += len(order)
            for k, v in zip(order, vectors):
                for i in missing[k]:
                    out[i] = v
                self._pending.append((k, v))
            self._add(order, vectors)
            if len(self._pending) >= SHARD:
                self.flush()
        return out

    def flush(self) -> None:
        """Write what was embedded since the last flush as one new shard."""
        if not self._pending:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{len(list(self.folder.glob('keys-*.npy'))):05d}-{secrets.token_hex(3)}"
        keys = np.asarray([k for k, _ in self._pending], dtype="S32")
        vectors = np.stack([v for _, v in self._pending]).astype(np.float32)
        np.save(self.folder / f"vectors-{name}.npy", vectors)
        np.save(self.folder / f"keys-{name}.npy", keys)  # last: a shard without keys is never read
        self._pending = []
