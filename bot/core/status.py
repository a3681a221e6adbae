"""The library at a glance, for moderators: what is indexed, with what, since when, and whether it is out of date."""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass

from .errors import BotError
from .freshness import Staleness
from .indexer import BuildReport
from .library import Library


@dataclass(frozen=True)
class Status:
    articles: int
    passages: int
    tags: int
    model: str
    index_type: str
    built_at: float | None  # epoch seconds
    staleness: Staleness | None  # None: no index to compare with
    refreshing: bool
    last_report: BuildReport | None  # the last refresh this process ran
    last_refresh_at: float | None
    last_refresh_error: str | None


def _epoch(stamp: object) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(str(stamp), "%Y-%m-%dT%H:%M:%SZ")))
    except (ValueError, OverflowError):
        return None


def library_status(library: Library) -> Status:
    """Reads the corpus to compare it with the index (hashes every file): call it from a worker thread."""
    try:
        index = library.index
    except BotError:
        index = None
    manifest = index.manifest if index is not None else {}
    return Status(
        articles=len(index.articles) if index is not None else 0,
        passages=index.size if index is not None else 0,
        tags=len(index.tags()) if index is not None else 0,
        model=str(manifest.get("model", "—")),
        index_type=str(manifest.get("index_type", "—")),
        built_at=_epoch(manifest.get("built_at")),
        staleness=library.staleness(),
        refreshing=library.refreshing,
        last_report=library.last_report,
        last_refresh_at=library.last_refresh_at,
        last_refresh_error=library.last_refresh_error,
    )
