"""Rate limits: cooldowns per member and per channel, and the bounded record of votes."""

from __future__ import annotations

import pytest

from bot.core.pipeline import Question
from bot.discordbot.limits import CooldownLimiter


def test_cooldowns_per_member_and_per_channel():
    now = [1000.0]
    limiter = CooldownLimiter(member_seconds=10, channel_per_minute=3, clock=lambda: now[0])

    def ask(member, channel):
        return limiter.check(Question("q", member=member, channel=channel))

    assert ask(1, 9) is None
    wait = ask(1, 9)
    assert wait is not None and not wait.channel and wait.seconds == pytest.approx(10)
    assert ask(2, 9) is None
    now[0] += 4
    wait = ask(1, 9)
    assert wait is not None and wait.seconds == pytest.approx(6)
    assert ask(3, 9) is None  # the channel's third question this minute
    wait = ask(4, 9)
    assert wait is not None and wait.channel and ask(4, 8) is None
    now[0] += 61
    assert ask(4, 9) is None and ask(1, 9) is None


def test_the_vote_record_is_bounded_and_refuses_a_second_vote():
    from bot.discordbot.feedback import RecentSet

    voted = RecentSet(size=3)
    assert voted.add(("a", 1)) and not voted.add(("a", 1))
    for member in range(2, 6):
        voted.add(("a", member))
    assert len(voted) == 3 and ("a", 1) not in voted and ("a", 5) in voted
