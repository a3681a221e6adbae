"""The passage table component: every passage's text and place, read from disk when quoted.

    passages/passages.jsonl   one JSON object per passage, in row order
    passages/offsets.npy      byte offset of each line (and the file's length)
    passages/hashes.npy       digest of the text each passage's vector was made from (reuse on refresh)

Memory holds about 40 bytes per passage (its byte offset and its embed hash); a quote reads its one
line from the page cache. Which article a passage belongs to is the catalogue's (catalogue.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from .chunker import Passage
from .errors import IndexCorrupt

REBUILD_HINT = "Rebuild it with: python -m bot index build"


def _row(p: Passage, embed_hash: str) -> dict:
    return {
        "id": p.id,
        "article": p.article,
        "title": p.title,
        "text": p.text,
        "start": p.start,
        "end": p.end,
        "ordinal": p.ordinal,
        "embed_hash": embed_hash,
    }


class PassageTable(Sequence[Passage]):
    """The passages of a generation, read from passages.jsonl on demand (byte offsets in memory)."""

    def __init__(self, path: Path, offsets: np.ndarray, hashes: np.ndarray) -> None:
        self._path = path
        self._offsets = offsets
        self.hashes = hashes  # one 32-character hex digest (bytes) per passage
        self._fh = open(path, "rb")

    @staticmethod
    def save(folder: Path, passages: Sequence[Passage], embed_hashes: Sequence[str]) -> "PassageTable":
        """Write the table into ``folder`` and open it."""
        folder.mkdir(parents=True, exist_ok=True)
        offsets = np.zeros(len(passages) + 1, dtype=np.int64)
        with open(folder / "passages.jsonl", "wb") as fh:
            for i, (p, h) in enumerate(zip(passages, embed_hashes)):
                line = (json.dumps(_row(p, h), ensure_ascii=False) + "\n").encode("utf-8")
                fh.write(line)
                offsets[i + 1] = offsets[i] + len(line)
        hashes = np.asarray([h.encode("ascii") for h in embed_hashes], dtype="S32")
        np.save(folder / "offsets.npy", offsets)
        np.save(folder / "hashes.npy", hashes)
        return PassageTable(folder / "passages.jsonl", offsets, hashes)

    @classmethod
    def load(cls, folder: Path, size: int) -> "PassageTable":
        """The table in ``folder``; IndexCorrupt unless it holds ``size`` passages that match their offsets."""
        try:
            offsets = np.load(folder / "offsets.npy", allow_pickle=False)
            hashes = np.load(folder / "hashes.npy", allow_pickle=False)
            file_size = (folder / "passages.jsonl").stat().st_size
            table = cls(folder / "passages.jsonl", offsets, hashes)
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(
                f"the passages in {folder.parent} are damaged ({type(exc).__name__}). {REBUILD_HINT}"
            ) from None
        problems = []
        if len(table) != size:
            problems.append(f"{len(table)} passages, manifest says {size}")
        if len(hashes) != len(table):
            problems.append("passage tables of different lengths")
        if len(offsets) and (offsets[-1] != file_size or offsets[0] != 0 or np.any(np.diff(offsets) <= 0)):
            problems.append("passages.jsonl does not match its offsets")
        if problems:
            table.close()
            raise IndexCorrupt(f"the index in {folder.parent} is inconsistent ({'; '.join(problems)}). {REBUILD_HINT}")
        return table

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def row(self, i: int) -> dict:
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        lo, hi = int(self._offsets[i]), int(self._offsets[i + 1])
        try:
            row = json.loads(os.pread(self._fh.fileno(), hi - lo, lo))
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(
                f"passage {i} of {self._path.parent.parent} cannot be read ({type(exc).__name__}). {REBUILD_HINT}"
            ) from None
        if not isinstance(row, dict):
            raise IndexCorrupt(f"passage {i} of {self._path.parent.parent} is damaged. {REBUILD_HINT}")
        return row

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self.passage(j) for j in range(*i.indices(len(self)))]
        return self.passage(int(i))

    def passage(self, i: int) -> Passage:
        row = self.row(i)
        row.pop("embed_hash", None)
        try:
            return Passage(**row)
        except TypeError:
            raise IndexCorrupt(f"passage {i} of {self._path.parent.parent} is damaged. {REBUILD_HINT}") from None

    def __iter__(self) -> Iterator[Passage]:
        # Through the open file, never the path: a newer build may have removed this generation's
        # folder while a reader still holds it.
        for i in range(len(self)):
            yield self.passage(i)

    def close(self) -> None:
        self._fh.close()
