"""Answer and bulk threads run behind the event loop for the CPU (a lower priority, thread by thread)."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from bot.core.background import ANSWER_NICE, BULK_NICE, executor, in_background

pytestmark = pytest.mark.skipif(not hasattr(os, "setpriority"), reason="no thread priorities here")


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_an_answer_pool_runs_at_a_lower_priority_and_the_caller_keeps_its_own():
    before = _nice()
    pool = executor(1, "test", ANSWER_NICE)
    try:
        assert pool.submit(_nice).result() == max(before, ANSWER_NICE)
    finally:
        pool.shutdown()
    assert _nice() == before


async def test_bulk_work_runs_at_the_bulk_priority_off_the_loop():
    loop_thread = threading.get_native_id()
    before = _nice()
    tid, nice = await in_background(lambda: (threading.get_native_id(), _nice()))
    assert tid != loop_thread and nice == max(before, BULK_NICE)
    assert _nice() == before
    await asyncio.sleep(0)
