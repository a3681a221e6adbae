"""Threads that must not take the CPU from the event loop: answer work and bulk embedding.

On a small machine the event loop competes for the cores with the encoder (whose native code uses
every core), the answer workers and a reindex. While a burst of questions arrives, the loop has to
acknowledge every interaction within Discord's 3 seconds; when it waited for a core behind our own
threads, acknowledgements took seconds (the loop had a third of a core, ~1:3 CPU to wall time).
These threads run at a lower scheduling priority (a higher nice value, thread by thread on
Linux, inherited by the native threads they start), so that under contention the loop goes first;
on an idle machine nothing changes. Where a thread's priority cannot be set, it stays as it is.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

log = logging.getLogger(__name__)

ANSWER_NICE = 5  # question encoding and answering: behind the loop, ahead of bulk work
BULK_NICE = 10  # a reindex, feedback themes
BACKGROUND_WORKERS = 4  # so that a second refresh is told at once that one is running

T = TypeVar("T")


def lower_priority(nice: int) -> None:
    """Lower the calling thread's priority to ``nice`` (never raise it). Linux: per thread."""
    if not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
    except OSError as exc:  # not permitted here: the thread keeps its priority
        log.debug("could not lower a thread's priority (%s)", exc)


def executor(workers: int, name: str, nice: int) -> ThreadPoolExecutor:
    """A pool whose threads run at ``nice``."""
    return ThreadPoolExecutor(workers, thread_name_prefix=name, initializer=lower_priority, initargs=(nice,))


_bulk: ThreadPoolExecutor | None = None
_bulk_lock = threading.Lock()


def _bulk_executor() -> ThreadPoolExecutor:
    global _bulk
    with _bulk_lock:
        if _bulk is None:
            _bulk = executor(BACKGROUND_WORKERS, "background", BULK_NICE)
        return _bulk


async def in_background(func: Callable[..., T], /, *args, **kwargs) -> T:
    """``asyncio.to_thread`` for bulk work (a reindex): on a thread at BULK_NICE."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_bulk_executor(), functools.partial(func, *args, **kwargs))
