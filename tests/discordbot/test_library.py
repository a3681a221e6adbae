"""Moderators through Discord: /reindex refused to members whatever a payload claims, run live for moderators."""

from __future__ import annotations

import asyncio
import threading

from bot.discordbot.cogs.admin import REFUSED
from helpers.discord_harness import ALICE, BOB, GUILD_ID, MANAGER, MOD
from helpers.library import write_article


async def test_reindex_refuses_members_and_runs_for_moderators(start_bot):
    env = await start_bot()
    refused = await env.fake.response_to(await env.fake.slash("reindex", user=ALICE))
    assert refused.body["data"]["content"] == REFUSED and refused.body["data"]["flags"] == 64

    write_article(env.corpus, "new.md", "Rivers", "Rivers carve valleys over many years of flowing water.")
    (env.corpus / "broken.md").write_bytes(b"\xff\xfe\x00")
    iid = await env.fake.slash("reindex", user=MOD)
    deferred = await env.fake.response_to(iid, final=False)
    assert deferred.body == {"type": 5, "data": {"flags": 64}}
    report = await env.fake.response_to(iid, timeout=20)
    text = report.body["content"]
    assert "Index refreshed" in text and "1 added" in text and "broken.md" in text
    answer = await env.fake.reply(await env.fake.slash("ask", {"question": "rivers carve valleys water"}))
    assert answer.embeds[0]["title"].startswith("1. Rivers")

    again = await env.fake.response_to(await env.fake.slash("reindex", user=MANAGER), timeout=20)
    assert "No change" in again.body["content"]


async def test_questions_are_answered_while_a_reindex_runs(start_bot):
    env = await start_bot()
    release = threading.Event()
    blocked = threading.Event()
    real_encode = env.embedder.encode

    def slow_encode(texts, **kw):
        if "Rivers" in " ".join(texts):
            blocked.set()
            release.wait(10)
        return real_encode(texts, **kw)

    env.embedder.encode = slow_encode
    write_article(env.corpus, "new.md", "Rivers", "Rivers carve valleys over many years of flowing water.")
    reindex = await env.fake.slash("reindex", user=MOD)
    assert await asyncio.to_thread(blocked.wait, 10)
    busy = await env.fake.response_to(await env.fake.slash("reindex", user=MANAGER))
    assert "already running" in busy.body["data"]["content"]
    asks = [await env.fake.slash("ask", {"question": q}, user=u) for q, u in (("healing patience", ALICE),
                                                                             ("oxytocin stress", BOB))]
    # The reindex holds the encoder for one slice; questions go first as soon as it ends.
    asyncio.get_running_loop().call_later(0.5, release.set)
    for iid in asks:
        assert (await env.fake.reply(iid)).embeds
        assert env.fake.acknowledged_in(iid) < 1.0  # acknowledged at once, although the encoder was busy
    report = await env.fake.response_to(reindex, timeout=20)
    assert "1 added" in report.body["content"]
    assert not env.fake.refused()


async def test_a_member_is_refused_whatever_the_payload_claims(start_bot):
    """Permissions come from the guild's roles in discord.py's cache, not from fields a payload carries."""
    env = await start_bot()
    everything = str((1 << 41) - 1)
    for claim in ({"claimed_permissions": everything}, {"claimed_roles": ["999999"]},
                  {"claimed_permissions": everything, "claimed_roles": [GUILD_ID]}):
        reply = await env.fake.response_to(await env.fake.slash("reindex", user=BOB, **claim))
        assert reply.body["data"]["content"] == REFUSED and reply.body["data"]["flags"] == 64
    assert not any(c.path.endswith("/messages/@original") for c in env.fake.calls)
