"""The answer pipeline under load: a fair queue, one encoder pass for many questions, bounded workers.

The Discord layer acknowledges an interaction first and then awaits ``AnswerService.ask``. Here:
- questions wait in one queue per member, taken in turn, so one member cannot starve the rest;
- whatever is waiting when the encoder is free (up to BATCH questions) is embedded in one pass;
- the rest (crisis check, limits, search) runs on WORKERS threads, never on the event loop;
- these threads yield the CPU to the event loop (a lower priority), so acknowledgements go first;
- when more than MAX_WAITING questions wait, a new one is told at once how long to wait ("busy"),
  never left in silence;
- a reindex embeds through the library's encoder gate, so questions go first.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from dataclasses import dataclass, field

from .background import ANSWER_NICE, executor
from .library import Library
from .pipeline import Kind, Limiter, Outcome, Question
from .safety import Assessment, CrisisDetector
from .text import normalize, plural

log = logging.getLogger(__name__)

BATCH = 32  # questions per encoder pass
WORKERS = 2  # threads for the crisis check, limits and search (the machine's cores)
MAX_WAITING = 400
FAILED = "Something went wrong on my side. Please try again in a moment."


@dataclass
class _Item:
    question: Question
    future: asyncio.Future
    queued: float = field(default_factory=time.perf_counter)


class AnswerService:
    def __init__(
        self,
        library: Library,
        *,
        limiter: Limiter | None = None,
        batch: int = BATCH,
        workers: int = WORKERS,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        self.library = library
        self.limiter = limiter
        self.batch = batch
        self.max_waiting = max_waiting
        self._queues: dict[object, deque[_Item]] = {}
        self._turns: deque[object] = deque()  # members with questions waiting, in turn order
        self._waiting = 0
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        # Behind the event loop for the CPU (see background): acknowledgements go first.
        self._encoder = executor(1, "encode", ANSWER_NICE)
        self._workers = executor(workers, "answer", ANSWER_NICE)
        self._seconds_per_question = 0.05  # running estimate, for "try again in N s"

    @staticmethod
    def quick(text: str) -> Assessment | None:
        """The precise rules alone (well under a millisecond): a crisis they are sure of, or None."""
        return CrisisDetector.quick(text)

    @property
    def waiting(self) -> int:
        return self._waiting

    async def ask(self, question: Question) -> Outcome:
        if not normalize(question.text):
            return Outcome(
                Kind.EMPTY, "", message="Please write a question, for example: in what ways does intimacy aid growth?"
            )
        if self._waiting >= self.max_waiting:
            wait = max(5, math.ceil(self._waiting * self._seconds_per_question))
            return Outcome(
                Kind.BUSY,
                normalize(question.text)[:300],
                retry_after=wait,
                message=f"I'm answering a lot of questions right now. Please try again in {plural(wait, 'second')}.",
            )
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._run(), name="answer-service")
        item = _Item(question, loop.create_future())
        key = question.member if question.member is not None else id(item)
        if key not in self._queues:
            self._queues[key] = deque()
            self._turns.append(key)
        self._queues[key].append(item)
        self._waiting += 1
        assert self._wake is not None
        self._wake.set()
        return await item.future

    def _take(self) -> list[_Item]:
        """Up to ``batch`` questions, one per member in turn."""
        taken: list[_Item] = []
        while self._turns and len(taken) < self.batch:
            key = self._turns.popleft()
            queue = self._queues[key]
            taken.append(queue.popleft())
            if queue:
                self._turns.append(key)
            else:
                del self._queues[key]
        self._waiting -= len(taken)
        return taken

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._wake is not None
        while True:
            if not self._waiting:
                self._wake.clear()
                await self._wake.wait()
            items = self._take()
            started = time.perf_counter()
            try:
                encoded = await loop.run_in_executor(
                    self._encoder, self.library.encode, [i.question.text for i in items]
                )
            except Exception:  # noqa: BLE001 - one failed batch must not stop the service
                log.exception("encoding %d questions failed", len(items))
                for i in items:
                    if not i.future.done():
                        i.future.set_result(Outcome(Kind.FAILED, normalize(i.question.text)[:300], message=FAILED))
                continue
            for item, enc in zip(items, encoded):
                task = loop.run_in_executor(self._workers, self.library.decide, item.question, enc, self.limiter)
                task.add_done_callback(lambda t, item=item, enc=enc: self._settle(item, enc, t))
            per = (time.perf_counter() - started) / max(1, len(items))
            self._seconds_per_question = 0.8 * self._seconds_per_question + 0.2 * per

    @staticmethod
    def _settle(item: _Item, enc, task: asyncio.Future) -> None:
        if item.future.done():
            return
        if task.exception() is not None:
            log.error("answering failed: %s", type(task.exception()).__name__, exc_info=task.exception())
            item.future.set_result(Outcome(Kind.FAILED, enc.shown, message=FAILED))
        else:
            item.future.set_result(task.result())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._encoder.shutdown(wait=False, cancel_futures=True)
        self._workers.shutdown(wait=False, cancel_futures=True)
