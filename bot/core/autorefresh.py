"""Opt-in automatic refresh: follow the corpus folder (BOT_AUTO_REFRESH=watch) or look on a period.

Either way the index is refreshed only when the corpus differs from it (``Library.staleness``, a
hash of each file), in a worker thread, and through the library's encoder gate, so members'
questions keep going first. A change seen while another refresh runs is taken up after it. Each
refresh that changed the index, and each failure, is handed to ``report``.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Awaitable, Callable

from .background import in_background
from .corpus import SUFFIXES
from .errors import BotError, IndexBusy
from .indexer import BuildReport
from .library import Library

log = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 5.0  # changes within this long are one refresh (an editor saving, a folder copied in)
BUSY_RETRY_SECONDS = 5.0

Report = Callable[[BuildReport | None, BotError | None], Awaitable[None]]


def corpus_change(root: Path):
    """A watchfiles filter: article files only, nothing hidden (temporary files, .removed/)."""

    def accept(change, path: str) -> bool:
        rel = Path(path)
        try:
            rel = rel.relative_to(root)
        except ValueError:
            pass
        if any(part.startswith(".") for part in rel.parts):
            return False
        return rel.suffix.lower() in SUFFIXES or not rel.suffix  # a folder moved in or out has no suffix

    return accept


class AutoRefresh:
    def __init__(
        self,
        library: Library,
        report: Report,
        *,
        watch: bool = False,
        every: float | None = None,
        debounce: float = DEBOUNCE_SECONDS,
    ) -> None:
        self.library = library
        self.report = report
        self.watch = watch
        self.every = every  # seconds
        self.debounce = debounce
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._failed: str | None = None  # a failure is reported once, not at every attempt

    @property
    def mode(self) -> str:
        if self.watch:
            return "watching the corpus folder"
        if self.every:
            return f"every {self.every / 60:g} minutes"
        return "off"

    def start(self) -> None:
        if (self.watch or self.every) and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="auto-refresh")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping, whatever happened
                pass
            self._task = None

    async def _run(self) -> None:
        try:
            if self.watch:
                await self._watch()
            else:
                await self._period()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - said once; questions are still answered
            log.exception("automatic refresh stopped")

    async def _watch(self) -> None:
        from watchfiles import awatch

        root = self.library.corpus_dir
        root.mkdir(parents=True, exist_ok=True)
        await self.refresh_if_stale()  # anything that changed while the bot was down
        async for _ in awatch(
            root,
            watch_filter=corpus_change(root.resolve()),
            debounce=int(self.debounce * 1000),
            stop_event=self._stop,
            recursive=True,
        ):
            await self.refresh_if_stale()

    async def _period(self) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=self.every)
                return
            except asyncio.TimeoutError:
                pass
            await self.refresh_if_stale()

    async def refresh_if_stale(self) -> BuildReport | None:
        """Refresh if the corpus changed since the index was built; the report, or None if nothing was done."""
        while not self._stop.is_set():
            stale = await asyncio.to_thread(self.library.staleness)
            if stale is None or not stale.stale:
                return None
            try:
                report = await in_background(self.library.refresh)
            except IndexBusy:  # a moderator's refresh; look again when it has finished
                await asyncio.sleep(BUSY_RETRY_SECONDS)
                continue
            except Exception as exc:  # noqa: BLE001 - a failure (the encoder, the disk) must not end the following
                if not isinstance(exc, BotError):
                    log.exception("automatic refresh failed")
                    exc = BotError(f"the refresh failed unexpectedly ({type(exc).__name__}); see the bot's log")
                log.warning("automatic refresh failed: %s", exc)
                if str(exc) != self._failed:
                    self._failed = str(exc)
                    await self.report(None, exc)
                return None
            self._failed = None
            log.info(
                "automatic refresh published=%s embedded=%d reused=%d",
                report.published,
                report.passages_embedded,
                report.passages_reused,
            )
            if report.published:
                await self.report(report, None)
            return report
        return None
