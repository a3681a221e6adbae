"""A generation: the components of one published index, composed.

    gen-<time>-<rand>/
      manifest.json   model, dimension, counts, corpus fingerprint, chunking, each component's entry
      vectors/        the passages' vectors (vectors.VectorIndex)
      passages/       the passage table (passages.PassageTable)
      catalogue/      articles, tags, age restriction, each passage's article (catalogue.Catalogue)
      lexical/        BM25 (lexical.LexicalIndex)
      sentences/      sentence units and their vectors (sentences.SentenceIndex)

Each component saves itself into its own folder and checks what it loads; the generation checks
that they agree with each other and with the manifest. The store (store.py) decides where a
generation lives and makes it live; this module only says what one is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .catalogue import Catalogue
from .chunker import Passage
from .corpus import Article
from .errors import IndexCorrupt, IndexMismatch
from .lexical import LexicalIndex
from .passages import PassageTable
from .sentences import SentenceIndex
from .vectors import REBUILD_HINT, VectorIndex, serve_one_thread

FORMAT_VERSION = 3  # 3: one folder per component, sentence units; 2: float16 vectors, passages read on demand


@dataclass
class Generation:
    """A generation in memory: passage vectors, passages, catalogue, BM25 and sentence units."""

    path: Path
    manifest: dict
    vector_index: VectorIndex
    passages: Sequence[Passage]
    catalogue: Catalogue
    lexical: LexicalIndex | None = None
    sentences: SentenceIndex | None = None
    open_units: np.ndarray | None = field(default=None, repr=False)  # units outside age-restricted articles

    def __post_init__(self) -> None:
        if self.catalogue.unrestricted is not None:
            # Built once: every question outside age-restricted channels uses them.
            self.vector_index.remember(self.catalogue.unrestricted)
            if self.sentences is not None:
                self.open_units = self.sentences.units_of(self.catalogue.unrestricted)[0]
                self.sentences.vectors.remember(self.open_units)

    # -- writing and reading -----------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write every component (not the manifest: the store writes it last)."""
        self.vector_index.save(folder / "vectors")
        self.catalogue.save(folder / "catalogue")
        if self.lexical is not None:
            (folder / "lexical").mkdir()
            self.lexical.save(folder / "lexical")
        if self.sentences is not None:
            self.sentences.save(folder / "sentences")

    @classmethod
    def load(
        cls, path: Path, manifest: dict, *, model: str | None = None, dimension: int | None = None
    ) -> "Generation":
        """The generation in ``path`` described by ``manifest``; refused if built for another model."""
        if model is not None and manifest.get("model") != model:
            raise IndexMismatch(
                f"the index was built with model '{manifest.get('model')}' but the configured model is "
                f"'{model}'. {REBUILD_HINT}"
            )
        if dimension is not None and manifest.get("dimension") != dimension:
            raise IndexMismatch(
                f"the index has {manifest.get('dimension')}-dimensional vectors but the model makes "
                f"{dimension}-dimensional ones. {REBUILD_HINT}"
            )
        try:
            n, dim = int(manifest["passages"]), int(manifest["dimension"])
        except (KeyError, TypeError, ValueError):
            raise IndexCorrupt(f"the index manifest in {path} is incomplete. {REBUILD_HINT}") from None
        passages = PassageTable.load(path / "passages", n)
        try:
            vectors = VectorIndex.load(path / "vectors", manifest, size=n, dimension=dim)
            catalogue = Catalogue.load(path / "catalogue", n)
            lexical = LexicalIndex.load(path / "lexical", n) if manifest.get("lexical") else None
            sentences = (
                SentenceIndex.load(path / "sentences", manifest["sentences"], passages=n, dimension=dim)
                if isinstance(manifest.get("sentences"), dict)
                else None
            )
        except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
            passages.close()
            raise IndexCorrupt(f"the index in {path} is damaged ({type(exc).__name__}). {REBUILD_HINT}") from None
        except IndexCorrupt:
            passages.close()
            raise
        serve_one_thread()
        return cls(path, manifest, vectors, passages, catalogue, lexical, sentences)

    def close(self) -> None:
        if isinstance(self.passages, PassageTable):
            self.passages.close()

    # -- what search, refresh and the library read -------------------------------------------------

    @property
    def size(self) -> int:
        return len(self.passages)

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @property
    def dimension(self) -> int:
        return int(self.manifest["dimension"])

    @property
    def index_type(self) -> str:
        return self.vector_index.kind

    @property
    def articles(self) -> dict[str, Article]:
        return self.catalogue.articles

    @property
    def embed_hashes(self) -> np.ndarray:
        return self.passages.hashes  # type: ignore[attr-defined]

    @property
    def unrestricted_rows(self) -> np.ndarray | None:
        return self.catalogue.unrestricted

    def tags(self) -> dict[str, tuple[str, int]]:
        return self.catalogue.tags()

    def tag_display(self, key: str) -> str:
        return self.catalogue.tag_display(key)

    def articles_with_tag(self, key: str) -> list[Article]:
        return self.catalogue.articles_with_tag(key)

    def rows_with_tag(self, key: str) -> np.ndarray:
        return self.catalogue.passages_with_tag(key)

    def rows_of_article(self, article_path: str) -> np.ndarray:
        return self.catalogue.passages_of(article_path)

    def first_passage(self, article_path: str) -> Passage | None:
        rows = self.rows_of_article(article_path)
        return self.passages[int(rows[0])] if len(rows) else None

    def units_allowed(self, rows: np.ndarray | None) -> np.ndarray | None:
        """The sentence units a search within passage ``rows`` may return (None: all)."""
        if rows is None or self.sentences is None:
            return None
        if rows is self.catalogue.unrestricted and self.open_units is not None:
            return self.open_units
        return self.sentences.units_of(rows)[0]

    def search(self, query: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.vector_index.search(query, k, rows)

    def vector(self, row: int) -> np.ndarray:
        return self.vector_index.vector(row)

    def vectors_of(self, rows: np.ndarray) -> np.ndarray:
        return self.vector_index.vectors_of(rows)

    def vectors(self) -> np.ndarray:
        return self.vector_index.vectors()


LoadedIndex = Generation  # the name the rest of the code knew it by
