"""The index directory: plain files, a manifest, and an atomic pointer to the live generation.

    index/
      CURRENT                 name of the live generation (replaced atomically)
      gen-<time>-<rand>/      manifest.json, index.faiss, passages.jsonl, articles.json, lexical/ (BM25)
      .tmp-<rand>/            a build in progress (removed if a build dies)
      .lock                   held while a build writes

A build writes a whole new generation beside the live one, then swaps CURRENT with os.replace:
readers see the old index or the new one, never half of one, and a failed build leaves the old
one untouched. No pickle anywhere: JSON, JSON lines and FAISS's own format.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from .chunker import Passage
from .corpus import Article
from .errors import IndexBusy, IndexCorrupt, IndexMismatch, IndexMissing
from .lexical import LexicalIndex
from .tags import best_display, tag_key

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
REBUILD_HINT = "Rebuild it with: python -m bot index build"


def _faiss():
    import faiss  # imported late: after torch, if torch is used (two OpenMP runtimes clash otherwise)

    return faiss


@dataclass
class LoadedIndex:
    """A generation in memory: the FAISS index, its passages (row order) and their articles."""

    path: Path
    manifest: dict
    index: object  # faiss.Index
    passages: list[Passage]
    articles: dict[str, Article]
    embed_hashes: list[str]
    lexical: "LexicalIndex | None" = None
    _tag_rows: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _tag_display: dict[str, str] = field(default_factory=dict, repr=False)
    _tag_articles: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _first: dict[str, int] = field(default_factory=dict, repr=False)
    unrestricted_rows: np.ndarray | None = field(default=None, repr=False)  # None: nothing is age-restricted

    def __post_init__(self) -> None:
        forms: dict[str, list[str]] = {}
        for article in self.articles.values():
            for tag in article.tags:
                key = tag_key(tag)
                if key:
                    forms.setdefault(key, []).append(tag)
                    self._tag_articles.setdefault(key, [])
                    if article.path not in self._tag_articles[key]:
                        self._tag_articles[key].append(article.path)
        self._tag_display = {key: best_display(f) for key, f in forms.items()}
        rows: dict[str, list[int]] = {}
        open_rows: list[int] = []
        for row, passage in enumerate(self.passages):
            article = self.articles[passage.article]
            for key in article.tag_keys:
                rows.setdefault(key, []).append(row)
            if not article.age_restricted:
                open_rows.append(row)
            if passage.ordinal == 0:
                self._first[passage.article] = row
        self._tag_rows = {k: np.asarray(v, dtype=np.int64) for k, v in rows.items()}
        if len(open_rows) < len(self.passages):
            self.unrestricted_rows = np.asarray(open_rows, dtype=np.int64)

    @property
    def size(self) -> int:
        return len(self.passages)

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @property
    def dimension(self) -> int:
        return int(self.manifest["dimension"])

    def tags(self) -> dict[str, tuple[str, int]]:
        """tag key -> (display form, number of articles), most used first."""
        ordered = sorted(self._tag_articles.items(), key=lambda kv: (-len(kv[1]), self._tag_display[kv[0]]))
        return {k: (self._tag_display[k], len(v)) for k, v in ordered}

    def tag_display(self, key: str) -> str:
        return self._tag_display.get(key, key)

    def articles_with_tag(self, key: str) -> list[Article]:
        return [self.articles[p] for p in self._tag_articles.get(key, [])]

    def rows_with_tag(self, key: str) -> np.ndarray:
        return self._tag_rows.get(key, np.zeros(0, dtype=np.int64))

    def first_passage(self, article_path: str) -> Passage | None:
        row = self._first.get(article_path)
        return None if row is None else self.passages[row]

    def search(self, query: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``k`` (row, cosine) for one normalized query vector, optionally within ``rows``."""
        if self.size == 0 or k <= 0:
            return []
        faiss = _faiss()
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        params = None
        if rows is not None:
            if len(rows) == 0:
                return []
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(rows))
        k = min(k, self.size if rows is None else len(rows))
        scores, ids = self.index.search(q, k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def vector(self, row: int) -> np.ndarray:
        return self.index.reconstruct(int(row))

    def vectors(self) -> np.ndarray:
        return self.index.reconstruct_n(0, self.size) if self.size else np.zeros((0, self.dimension), np.float32)


# ----------------------------------------------------------------------------------------------
# Serialization


def _passage_row(p: Passage, embed_hash: str) -> dict:
    return {"id": p.id, "article": p.article, "title": p.title, "text": p.text, "start": p.start,
            "end": p.end, "ordinal": p.ordinal, "embed_hash": embed_hash}


def _article_row(a: Article) -> dict:
    return {"path": a.path, "title": a.title, "site": a.site, "url": a.url, "tags": list(a.tags), "date": a.date,
            "age_restricted": a.age_restricted, "content_hash": a.content_hash, "body_chars": len(a.body)}


def _write_json(path: Path, data: object) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class IndexStore:
    """Reads and publishes generations under one index directory."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    # -- reading ---------------------------------------------------------------------------------

    def current_path(self) -> Path | None:
        pointer = self.root / "CURRENT"
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise IndexCorrupt(f"cannot read {pointer} ({exc.strerror}). {REBUILD_HINT}") from None
        if not name or "/" in name or name.startswith("."):
            raise IndexCorrupt(f"{pointer} does not name an index generation. {REBUILD_HINT}")
        return self.root / name

    def exists(self) -> bool:
        try:
            path = self.current_path()
        except IndexCorrupt:
            return True
        return path is not None

    def read_manifest(self) -> dict:
        path = self.current_path()
        if path is None:
            raise IndexMissing(f"no index in {self.root}. Build it with: python -m bot index build")
        try:
            manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(f"the index manifest in {path} is missing or damaged ({type(exc).__name__}). "
                               f"{REBUILD_HINT}") from None
        if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
            raise IndexCorrupt(f"the index in {path} has an unknown format "
                               f"(version {manifest.get('format_version') if isinstance(manifest, dict) else '?'}; "
                               f"this bot reads version {FORMAT_VERSION}). {REBUILD_HINT}")
        return manifest

    def load(self, *, model: str | None = None, dimension: int | None = None) -> LoadedIndex:
        """Load the live generation; refuse it if it was built with another model or dimension."""
        manifest = self.read_manifest()
        path = self.current_path()
        assert path is not None
        if model is not None and manifest.get("model") != model:
            raise IndexMismatch(
                f"the index was built with model '{manifest.get('model')}' but the configured model is "
                f"'{model}'. {REBUILD_HINT}")
        if dimension is not None and manifest.get("dimension") != dimension:
            raise IndexMismatch(
                f"the index has {manifest.get('dimension')}-dimensional vectors but the model makes "
                f"{dimension}-dimensional ones. {REBUILD_HINT}")
        try:
            articles = {}
            for row in json.loads((path / "articles.json").read_text(encoding="utf-8")):
                row.pop("body_chars", None)
                row["tags"] = tuple(row.get("tags") or ())
                articles[row["path"]] = Article(body="", **row)
            passages: list[Passage] = []
            hashes: list[str] = []
            with open(path / "passages.jsonl", encoding="utf-8") as fh:
                for line in fh:
                    row = json.loads(line)
                    hashes.append(row.pop("embed_hash"))
                    passages.append(Passage(**row))
            index = _faiss().read_index(str(path / "index.faiss"))
            lexical = LexicalIndex.load(path / "lexical", len(passages)) if manifest.get("lexical") else None
        except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
            raise IndexCorrupt(f"the index in {path} is damaged ({type(exc).__name__}). {REBUILD_HINT}") from None
        problems = []
        if index.ntotal != len(passages):
            problems.append(f"{index.ntotal} vectors for {len(passages)} passages")
        if len(passages) != manifest.get("passages"):
            problems.append(f"{len(passages)} passages, manifest says {manifest.get('passages')}")
        if index.d != manifest.get("dimension"):
            problems.append(f"dimension {index.d}, manifest says {manifest.get('dimension')}")
        if any(p.article not in articles for p in passages):
            problems.append("passages of unknown articles")
        if problems:
            raise IndexCorrupt(f"the index in {path} is inconsistent ({'; '.join(problems)}). {REBUILD_HINT}")
        return LoadedIndex(path, manifest, index, passages, articles, hashes, lexical)

    # -- writing ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def build_lock(self) -> Iterator[None]:
        """Only one build at a time per index directory, across processes."""
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / ".lock", "a+")
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexBusy("an index refresh is already running; try again when it has finished") from None
            self._clean_leftovers()
            yield
        finally:
            fh.close()

    def clean_if_idle(self) -> None:
        """At start-up: remove what a killed build left, unless a build is running right now."""
        if not self.root.is_dir():
            return
        try:
            with self.build_lock():
                pass  # build_lock cleans leftovers once it holds the lock
        except IndexBusy:
            pass

    def _clean_leftovers(self) -> None:
        """Remove half-written builds and generations no longer referenced (held lock only)."""
        try:
            live = self.current_path()
        except IndexCorrupt:
            live = None
        for child in self.root.iterdir():
            if child.name.startswith(".tmp-"):
                log.warning("removing an unfinished index build: %s", child.name)
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        gens = sorted((c for c in self.root.iterdir() if c.name.startswith("gen-") and c != live),
                      key=lambda c: c.name)
        for old in gens[:-1]:  # keep one previous generation for readers that still hold it
            shutil.rmtree(old, ignore_errors=True)

    def publish(self, manifest: dict, vectors: np.ndarray, passages: Sequence[Passage],
                embed_hashes: Sequence[str], articles: Sequence[Article], lexical: LexicalIndex | None = None) -> Path:
        """Write a new generation and make it live. Call with build_lock held."""
        faiss = _faiss()
        tmp = self.root / f".tmp-{secrets.token_hex(4)}"
        tmp.mkdir(parents=True)
        try:
            index = faiss.IndexFlatIP(int(manifest["dimension"]))
            if len(vectors):
                index.add(np.ascontiguousarray(vectors, dtype=np.float32))
            faiss.write_index(index, str(tmp / "index.faiss"))
            with open(tmp / "passages.jsonl", "w", encoding="utf-8") as fh:
                for p, h in zip(passages, embed_hashes):
                    fh.write(json.dumps(_passage_row(p, h), ensure_ascii=False) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            _write_json(tmp / "articles.json", [_article_row(a) for a in articles])
            if lexical is not None:
                (tmp / "lexical").mkdir()
                lexical.save(tmp / "lexical")
            _write_json(tmp / "manifest.json", manifest)  # last: a generation without one is not valid
            with open(tmp / "index.faiss", "rb") as fh:
                os.fsync(fh.fileno())
            _fsync_dir(tmp)
            final = self.root / f"gen-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"
            os.replace(tmp, final)
            pointer_tmp = self.root / f".tmp-CURRENT-{secrets.token_hex(3)}"
            pointer_tmp.write_text(final.name + "\n", encoding="utf-8")
            with open(pointer_tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(pointer_tmp, self.root / "CURRENT")
            _fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._clean_leftovers()
        return final
