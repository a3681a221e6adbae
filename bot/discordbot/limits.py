"""Per-member cooldown and per-channel rate, on discord.py's own CooldownMapping.

The pipeline asks after the crisis check (a crisis is never limited), from a worker thread.
"""

from __future__ import annotations

import threading
import time

from discord.ext import commands

from ..core.pipeline import Question, Wait


class CooldownLimiter:
    def __init__(self, member_seconds: float, channel_per_minute: int, clock=time.time) -> None:
        self._clock = clock
        self._members = (
            commands.CooldownMapping.from_cooldown(1, member_seconds, lambda q: q.member)
            if member_seconds > 0
            else None
        )
        self._channels = commands.CooldownMapping.from_cooldown(channel_per_minute, 60.0, lambda q: q.channel)
        self._lock = threading.Lock()

    def check(self, question: Question) -> Wait | None:
        now = self._clock()
        with self._lock:
            member = self._members.get_bucket(question, now) if self._members and question.member else None
            channel = self._channels.get_bucket(question, now) if question.channel else None
            if member is not None and (wait := member.get_retry_after(now)):
                return Wait(wait, channel=False)
            if channel is not None and (wait := channel.get_retry_after(now)):
                return Wait(wait, channel=True)
            for bucket in (member, channel):
                if bucket is not None:
                    bucket.update_rate_limit(now)
        return None
