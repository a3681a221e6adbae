"""Actions waiting for Confirm: taken once, by key, and gone when they expire."""

from bot.discordbot.pending import PendingActions


def test_pending_actions_expire_and_are_taken_once():
    now = [0.0]
    pending = PendingActions(ttl=60, clock=lambda: now[0])
    key = pending.put("add", 42, "draft")
    got = pending.get(key)
    assert got is not None and got.owner == 42 and pending.minutes == 1
    taken = pending.pop(key)
    assert taken is not None and taken.payload == "draft" and pending.pop(key) is None
    key = pending.put("rm", 42, "a.md")
    now[0] = 61
    assert pending.get(key) is None and pending.pop(key) is None
    assert pending.get("unknown") is None
