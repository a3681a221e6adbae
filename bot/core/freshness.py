"""Whether the index is out of date: the corpus files' bytes against what the last build read.

Cheap enough to run at every start and on every `ask` from the CLI: files are hashed, not parsed.
A file the last build skipped (broken, a duplicate) counts as changed only if its bytes changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .corpus import Skipped, corpus_files
from .text import plural

SHOWN = 5  # file names listed in a summary


def file_hashes(root: Path | str | None) -> dict[str, str]:
    """sha256 of each corpus file's bytes, by path relative to the corpus (the build's own rules)."""
    if root is None:  # a build from articles in memory (the evaluation datasets) has no folder
        return {}
    root = Path(root)
    if not root.is_dir():
        return {}
    out = {}
    for path in corpus_files(root, []):
        try:
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue
    return out


def skipped_hashes(root: Path | str | None, skipped: list[Skipped]) -> dict[str, str]:
    """The hashes of the files a build skipped, kept in its manifest."""
    if not skipped:
        return {}
    hashes = file_hashes(root)
    return {s.path: hashes[s.path] for s in skipped if s.path in hashes}


@dataclass(frozen=True)
class Staleness:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)

    @property
    def stale(self) -> bool:
        return self.count > 0

    def summary(self) -> str:
        if not self.stale:
            return "up to date with the corpus"
        names = (
            [f"{p} (added)" for p in self.added]
            + [f"{p} (changed)" for p in self.changed]
            + [f"{p} (removed)" for p in self.removed]
        )
        more = f", and {self.count - SHOWN} more" if self.count > SHOWN else ""
        return (
            f"out of date: {plural(self.count, 'article')} added, changed or removed since the last build: "
            f"{', '.join(names[:SHOWN])}{more}"
        )


def staleness(root: Path | str, indexed: dict[str, str], skipped: dict[str, str]) -> Staleness:
    """Compare the corpus with the articles an index holds (path -> content hash) and its skipped files."""
    now = file_hashes(root)
    known = {**skipped, **indexed}
    added = sorted(p for p in now if p not in known)
    changed = sorted(p for p in now if p in known and known[p] != now[p])
    removed = sorted(p for p in indexed if p not in now)
    return Staleness(tuple(added), tuple(changed), tuple(removed))
