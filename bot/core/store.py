"""The index directory: layout, the build lock, atomic publishing and clean-up.

    index/
      CURRENT                 name of the live generation (replaced atomically)
      gen-<time>-<rand>/      one generation: manifest.json and one folder per component (generation.py)
      .tmp-<rand>/            a build in progress (removed if a build dies)
      .lock                   held while a build writes

A build writes a whole new generation beside the live one, then swaps CURRENT with os.replace:
readers see the old index or the new one, never half of one, and a failed build leaves the old
one untouched. No pickle anywhere: JSON, JSON lines, ``.npy`` and FAISS's own format. What a
generation holds, and how it is checked when loaded, is generation.py's.
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
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from .errors import IndexBusy, IndexCorrupt, IndexMissing
from .generation import FORMAT_VERSION, Generation, LoadedIndex  # noqa: F401  (re-exported)
from .vectors import (
    INDEX_TYPES,  # noqa: F401
    REBUILD_HINT,
)

log = logging.getLogger(__name__)


class Current(NamedTuple):
    """The live generation's folder and its manifest, read together from one look at CURRENT."""

    path: Path
    manifest: dict


def _write_json(path: Path, data: object) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)


def _fsync_tree(root: Path) -> None:
    """Every file, then every folder (deepest first) under ``root`` on disk before it is published."""
    for folder, _dirs, files in os.walk(root, topdown=False):
        for name in files:
            with open(os.path.join(folder, name), "rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(Path(folder))


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

    def current(self) -> Current:
        """The live generation's path and manifest (IndexMissing if there is none)."""
        path = self.current_path()
        if path is None:
            raise IndexMissing(f"no index in {self.root}. Build it with: python -m bot index build")
        try:
            manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(
                f"the index manifest in {path} is missing or damaged ({type(exc).__name__}). {REBUILD_HINT}"
            ) from None
        if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
            raise IndexCorrupt(
                f"the index in {path} has an unknown format "
                f"(version {manifest.get('format_version') if isinstance(manifest, dict) else '?'}; "
                f"this bot reads version {FORMAT_VERSION}). {REBUILD_HINT}"
            )
        return Current(path, manifest)

    def read_manifest(self) -> dict:
        return self.current().manifest

    def load(self, *, model: str | None = None, dimension: int | None = None) -> Generation:
        """Load the live generation; refuse it if it was built with another model or dimension."""
        path, manifest = self.current()
        return Generation.load(path, manifest, model=model, dimension=dimension)

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
        gens = sorted((c for c in self.root.iterdir() if c.name.startswith("gen-") and c != live), key=lambda c: c.name)
        for old in gens[:-1]:  # keep one previous generation for readers that still hold it
            shutil.rmtree(old, ignore_errors=True)

    def publish(self, manifest: dict, write: Callable[[Path], None]) -> Current:
        """Write a new generation with ``write(folder)`` and the manifest, and make it live.

        Call with build_lock held. The manifest is written last (a folder without one is not a
        generation); everything is on disk before the folder is renamed and CURRENT swapped.
        """
        tmp = self.root / f".tmp-{secrets.token_hex(4)}"
        tmp.mkdir(parents=True)
        try:
            write(tmp)
            _write_json(tmp / "manifest.json", manifest)
            _fsync_tree(tmp)
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
        return Current(final, manifest)
