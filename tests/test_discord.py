"""The Discord bot end to end: raw gateway payloads in, the JSON discord.py sends to Discord out.

Every request body recorded in a test is validated against Discord's OpenAPI spec at teardown.
"""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from bot.discordbot.cogs.admin import REFUSED
from bot.discordbot.feedback import AnswerCache

from conftest import write_article
from discord_harness import (ALICE, APP_ID, BOB, BOT_USER, CHANNEL_ID, GUILD_ID, MANAGER, MOD, MOD_ROLE_ID,
                             NSFW_CHANNEL_ID,
                             OPT_IN_CHANNEL_ID)
from discord_env import LONG_PARAGRAPH

def no_pings(allowed: dict) -> bool:
    """Allowed mentions that let nothing ping: no @everyone/@here, roles, users or replied user."""
    return (allowed.get("parse") == [] and not allowed.get("users") and not allowed.get("roles")
            and allowed.get("replied_user", False) is False)
LONG_TITLE = "A Very Long Title " * 20
LONG_PARAGRAPH = " ".join(["consent reversible enthusiastic specific freely informed"] * 60)


def _embeds_within_limits(data: dict) -> None:
    embeds = data.get("embeds") or []
    assert len(embeds) <= 10
    total = 0
    for e in embeds:
        assert len(e.get("title", "")) <= 256
        assert len(e.get("description", "")) <= 4096
        assert len(e.get("fields", [])) <= 25
        for f in e.get("fields", []):
            assert len(f["name"]) <= 256 and len(f["value"]) <= 1024
        assert len((e.get("footer") or {}).get("text", "")) <= 2048
        total += len(e.get("title", "")) + len(e.get("description", "")) + len((e.get("footer") or {}).get("text", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in e.get("fields", []))
    assert total <= 6000
    assert len(data.get("content") or "") <= 2000


def _custom_ids(data: dict) -> list[str]:
    return [c["custom_id"] for row in data.get("components") or [] for c in row["components"]]


async def test_commands_sync_to_the_development_guild(start_bot):
    env = await start_bot()
    call = await env.fake.wait_for(lambda c: c.method == "PUT" and c.path.endswith(f"/guilds/{GUILD_ID}/commands"))
    commands = {c["name"]: c for c in call.body}
    assert set(commands) == {"ask", "tags", "tag", "reindex"}
    assert str(commands["reindex"]["default_member_permissions"]) == str(1 << 5)
    ask_options = {o["name"]: o for o in commands["ask"]["options"]}
    assert ask_options["question"]["required"] is True and ask_options["tag"]["autocomplete"] is True
    assert commands["ask"]["description"] == "Ask the article library a question"


async def test_ask_quotes_passages_with_attribution_and_the_safety_note(start_bot):
    env = await start_bot()
    iid = await env.fake.slash("ask", {"question": "in what ways does intimacy aid growth?"})
    callback = await env.fake.response_to(iid, final=False)
    assert callback.body == {"type": 5}  # deferred, thinking, public
    reply = await env.fake.response_to(iid)
    data = reply.body
    assert data["content"].startswith("**Q:** in what ways does intimacy aid growth?")
    titles = [e.get("title", "") for e in data["embeds"]]
    assert titles[0].startswith("1. How Sexual Intimacy") and titles[-1] == "Safety and consent"
    first = data["embeds"][0]
    assert first["description"].startswith(">>> ")
    assert "ZeroOpposite" in first["footer"]["text"] and "not medical advice" in first["footer"]["text"]
    assert "Consent is freely given" in data["embeds"][-1]["description"]
    assert no_pings(data["allowed_mentions"])
    assert {cid.split(":")[1] for cid in _custom_ids(data)} >= {"fb"}
    _embeds_within_limits(data)


async def test_more_passages_and_feedback_buttons(start_bot):
    env = await start_bot()
    iid = await env.fake.slash("ask", {"question": "healing note gentle healing patience"})
    reply = await env.fake.response_to(iid)
    ids = _custom_ids(reply.body)
    more = next(i for i in ids if i.startswith("lib:more:"))
    message = env.fake.as_message(reply)

    click = await env.fake.click(more, message, user=BOB)
    page = await env.fake.response_to(click)
    assert page.body["type"] == 4 and page.body["data"]["flags"] == 64  # only the clicker sees it
    assert page.body["data"]["embeds"][0]["title"].startswith("4. ")
    _embeds_within_limits(page.body["data"])

    up = next(i for i in ids if i.endswith(":up"))
    click = await env.fake.click(up, message)
    thanks = await env.fake.response_to(click)
    assert thanks.body["data"]["content"] == "Thanks for the feedback." and thanks.body["data"]["flags"] == 64
    again = await env.fake.response_to(await env.fake.click(up, message))
    assert "already rated" in again.body["data"]["content"]
    lines = (env.settings.feedback_file).read_text().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["helpful"] is True and entry["passages"]
    assert "question" not in entry and ALICE["id"] not in lines[0]

    env.bot.answers = AnswerCache()  # as after a restart: the buttons still work, the answer is gone
    stale = await env.fake.response_to(await env.fake.click(more, message))
    assert "expired" in stale.body["data"]["content"] and stale.body["data"]["flags"] == 64


async def test_feedback_keeps_the_question_only_when_the_deployment_opts_in(start_bot):
    env = await start_bot(feedback_keep_question=True)
    reply = await env.fake.response_to(await env.fake.slash("ask", {"question": "healing note patience"}))
    up = next(i for i in _custom_ids(reply.body) if i.endswith(":up"))
    await env.fake.response_to(await env.fake.click(up, env.fake.as_message(reply)))
    entry = json.loads(env.settings.feedback_file.read_text().splitlines()[0])
    assert entry["question"] == "healing note patience"


async def test_a_mention_is_answered_as_a_reply(start_bot):
    env = await start_bot()
    mid = await env.fake.message(f"<@{APP_ID}> in what ways does intimacy aid growth?", mentions=[BOT_USER])
    reply = await env.fake.reply_to_message(mid)
    assert reply.path == f"/channels/{CHANNEL_ID}/messages"
    assert no_pings(reply.body["allowed_mentions"])
    assert reply.body["embeds"][0]["title"].startswith("1. How Sexual Intimacy")
    typing = [c for c in env.fake.calls if c.path.endswith("/typing")]
    assert typing


async def test_a_reply_to_an_answer_is_answered(start_bot):
    env = await start_bot()
    first = await env.fake.reply_to_message(await env.fake.message(f"<@{APP_ID}> healing patience", mentions=[BOT_USER]))
    answer_msg = env.fake.as_message(first)
    mid = await env.fake.message("and what about oxytocin and stress?", reply_to=answer_msg, mentions=[BOT_USER])
    reply = await env.fake.reply_to_message(mid)
    assert "oxytocin" in json.dumps(reply.body["embeds"]).lower()


async def test_messages_not_addressed_to_the_bot_are_ignored(start_bot):
    env = await start_bot()
    before = len(env.fake.calls)
    await env.fake.message("in what ways does intimacy aid growth?")
    await env.fake.message("@everyone hello", mention_everyone=True)
    await asyncio.sleep(0.5)
    assert len(env.fake.calls) == before


async def test_an_empty_mention_gets_help(start_bot):
    env = await start_bot()
    reply = await env.fake.reply_to_message(await env.fake.message(f"<@{APP_ID}>", mentions=[BOT_USER]))
    assert "/ask" in reply.body["content"]


async def test_everyone_and_role_pings_in_a_question_ping_nobody(start_bot):
    env = await start_bot()
    question = f"@everyone @here <@&{MOD_ROLE_ID}> <@{BOB['id']}> how does intimacy help growth?"
    reply = await env.fake.response_to(await env.fake.slash("ask", {"question": question}))
    assert no_pings(reply.body["allowed_mentions"])
    mid = await env.fake.message(f"<@{APP_ID}> {question}", mentions=[BOT_USER, BOB], mention_everyone=True)
    message_reply = await env.fake.reply_to_message(mid)
    assert no_pings(message_reply.body["allowed_mentions"])


async def test_nothing_relevant_says_so_and_quotes_nothing(start_bot):
    env = await start_bot()
    reply = await env.fake.response_to(await env.fake.slash("ask", {"question": "zzzq xxqq vvvw"}))
    embeds = reply.body["embeds"]
    assert "won't guess" in embeds[0]["description"] and "`/tags`" in embeds[0]["description"]
    assert embeds[-1]["title"] == "Safety and consent" and len(embeds) == 2
    assert not reply.body.get("components")


@pytest.mark.model
async def test_a_crisis_gets_a_private_card_and_no_quotes(start_bot, real_embedder, safety_policy):
    env = await start_bot(embedder=real_embedder, policy=safety_policy)
    iid = await env.fake.slash("ask", {"question": "I lost my job, what are the tallest bridges near me?"})
    callback = await env.fake.response_to(iid)
    assert callback.body["type"] == 4 and callback.body["data"]["flags"] == 64
    card = callback.body["data"]["content"]
    assert "988" in card and "findahelpline.com" in card and "bridge" not in card.lower()
    assert not callback.body["data"].get("embeds")
    iid = await env.fake.slash("ask", {"question": "I want to end my life"}, locale="en-GB")
    assert "Samaritans" in (await env.fake.response_to(iid)).body["data"]["content"]


@pytest.mark.model
async def test_a_crisis_in_a_message_is_answered_in_place_never_by_dm(start_bot, real_embedder, safety_policy):
    env = await start_bot(embedder=real_embedder, policy=safety_policy)
    mid = await env.fake.message(f"<@{APP_ID}> my husband hits me and I'm scared to go home", mentions=[BOT_USER])
    reply = await env.fake.reply_to_message(mid)
    assert "Domestic Abuse" in reply.body["content"]  # the guild's locale is en-GB
    assert not any(c.path == "/users/@me/channels" for c in env.fake.calls)


async def test_cooldown_is_friendly_and_never_blocks_a_crisis(start_bot):
    env = await start_bot(cooldown_seconds=60)
    await env.fake.response_to(await env.fake.slash("ask", {"question": "healing patience"}))
    second = await env.fake.response_to(await env.fake.slash("ask", {"question": "oxytocin stress"}))
    assert second.body["data"]["flags"] == 64 and "wait" in second.body["data"]["content"]
    crisis = await env.fake.response_to(await env.fake.slash("ask", {"question": "I want to kill myself"}))
    assert "988" in crisis.body["data"]["content"]
    other = await env.fake.response_to(await env.fake.slash("ask", {"question": "oxytocin stress"}, user=BOB))
    assert other.body["embeds"]


async def test_channel_rate_limit(start_bot):
    env = await start_bot(cooldown_per_channel=2)
    for user in (ALICE, BOB):
        await env.fake.response_to(await env.fake.slash("ask", {"question": "healing patience"}, user=user))
    third = await env.fake.response_to(await env.fake.slash("ask", {"question": "healing"}, user=MOD))
    assert "channel is getting a lot of questions" in third.body["data"]["content"]


async def test_tags_tag_and_autocomplete(start_bot):
    env = await start_bot()
    tags = await env.fake.response_to(await env.fake.slash("tags"))
    assert tags.body["type"] == 4
    listing = tags.body["data"]["embeds"][0]["description"]
    assert "**healing** · 8 articles" in listing
    assert _custom_ids(tags.body["data"])  # 70 tags: paged
    nxt = next(i for i in _custom_ids(tags.body["data"]) if i.endswith(":next"))
    page2 = await env.fake.response_to(await env.fake.click(nxt, env.fake.as_message(tags)))
    assert page2.body["type"] == 7 and "Page 2" in page2.body["data"]["embeds"][0]["footer"]["text"]

    tag = await env.fake.response_to(await env.fake.slash("tag", {"name": "#PostTraumaticGrowth"}))
    embeds = tag.body["data"]["embeds"]
    assert embeds[0]["title"] == "Articles tagged 'post-traumatic growth'"
    assert embeds[1]["title"].startswith("How Sexual Intimacy") and embeds[1]["description"].startswith(">>> ")

    healing = await env.fake.response_to(await env.fake.slash("tag", {"name": "HEALING"}))
    assert "page 1 of 2" in healing.body["data"]["embeds"][0]["description"]

    unknown = await env.fake.response_to(await env.fake.slash("tag", {"name": "healng"}))
    assert unknown.body["data"]["flags"] == 64 and "Did you mean: healing" in unknown.body["data"]["content"]

    ac = await env.fake.response_to(await env.fake.autocomplete("tag", "name", "Post Trau"))
    assert ac.body == {"type": 8, "data": {"choices": [{"name": "post-traumatic growth (1)",
                                                          "value": "post-traumatic growth"}]}}
    ac = await env.fake.response_to(await env.fake.autocomplete("ask", "tag", "#"))
    assert len(ac.body["data"]["choices"]) == 25


async def test_unknown_tag_in_ask_is_private_and_helpful(start_bot):
    env = await start_bot()
    reply = await env.fake.response_to(await env.fake.slash("ask", {"question": "healing", "tag": "heeling"}))
    assert reply.body["type"] == 4 and reply.body["data"]["flags"] == 64
    assert "Did you mean: healing" in reply.body["data"]["content"]


async def test_reindex_refuses_members_and_runs_for_moderators(start_bot):
    env = await start_bot()
    refused = await env.fake.response_to(await env.fake.slash("reindex", user=ALICE))
    assert refused.body == {"type": 4, "data": {"content": REFUSED, "flags": 64, "allowed_mentions": {"parse": []}}} \
        or (refused.body["data"]["content"] == REFUSED and refused.body["data"]["flags"] == 64)

    write_article(env.corpus, "new.md", "Rivers", "Rivers carve valleys over many years of flowing water.")
    (env.corpus / "broken.md").write_bytes(b"\xff\xfe\x00")
    iid = await env.fake.slash("reindex", user=MOD)
    deferred = await env.fake.response_to(iid, final=False)
    assert deferred.body == {"type": 5, "data": {"flags": 64}}
    report = await env.fake.response_to(iid, timeout=20)
    text = report.body["content"]
    assert "Index refreshed" in text and "1 added" in text and "broken.md" in text
    answer = await env.fake.response_to(await env.fake.slash("ask", {"question": "rivers carve valleys water"}))
    assert answer.body["embeds"][0]["title"].startswith("1. Rivers")

    again = await env.fake.response_to(await env.fake.slash("reindex", user=MANAGER), timeout=20)
    assert "No change" in again.body["content"]


async def test_questions_are_answered_while_a_reindex_runs(start_bot):
    env = await start_bot()
    release = threading.Event()
    blocked = threading.Event()
    real_encode = env.embedder.encode

    def slow_encode(texts, **kw):
        if len(texts) > 1 or "Rivers" in texts[0]:
            blocked.set()
            release.wait(10)
        return real_encode(texts, **kw)

    env.embedder.encode = slow_encode
    write_article(env.corpus, "new.md", "Rivers", "Rivers carve valleys over many years of flowing water.")
    reindex = await env.fake.slash("reindex", user=MOD)
    assert await asyncio.to_thread(blocked.wait, 10)
    answers = [await env.fake.slash("ask", {"question": q}, user=u)
               for q, u in (("healing patience", ALICE), ("oxytocin stress", BOB))]
    for iid in answers:
        assert (await env.fake.response_to(iid)).body["embeds"]
    busy = await env.fake.response_to(await env.fake.slash("reindex", user=MANAGER))
    assert "already running" in busy.body["data"]["content"]
    release.set()
    report = await env.fake.response_to(reindex, timeout=20)
    assert "1 added" in report.body["content"]


async def test_long_passages_titles_tags_and_links_fit_discord_limits(start_bot):
    env = await start_bot()
    reply = await env.fake.response_to(await env.fake.slash("ask", {"question": "consent reversible enthusiastic specific"}))
    data = reply.body
    _embeds_within_limits(data)
    first = data["embeds"][0]
    assert first["title"].startswith("1. A Very Long Title") and first["title"].endswith("…")
    body = first["description"].removeprefix(">>> ")
    assert body.endswith("…") and body[:-1].split()[-1] in LONG_PARAGRAPH.split()  # cut between words
    assert "url" not in first or len(first["url"]) <= 2000
    tags = next(f for f in first["fields"] if f["name"] == "Tags")
    assert tags["value"].endswith("…")


async def test_age_restricted_articles_only_in_age_restricted_channels(start_bot):
    env = await start_bot()
    q = {"question": "unicorn nebula techniques explicitly"}
    general = await env.fake.response_to(await env.fake.slash("ask", q))
    assert "Explicit Guide" not in json.dumps(general.body)
    nsfw = await env.fake.response_to(await env.fake.slash("ask", q, channel_id=NSFW_CHANNEL_ID, user=BOB))
    assert nsfw.body["embeds"][0]["title"] == "1. Explicit Guide"


async def test_opt_in_channel_answers_every_message(start_bot):
    env = await start_bot(answer_channels=(int(OPT_IN_CHANNEL_ID),))
    assert env.bot.intents.message_content
    mid = await env.fake.message("how does intimacy help growth?", channel_id=OPT_IN_CHANNEL_ID)
    reply = await env.fake.reply_to_message(mid)
    assert reply.path == f"/channels/{OPT_IN_CHANNEL_ID}/messages" and reply.body["embeds"]
    before = len(env.fake.calls)
    await env.fake.message("no mention here", channel_id=CHANNEL_ID)
    await asyncio.sleep(0.3)
    assert len(env.fake.calls) == before


async def test_default_intents_are_not_privileged(start_bot):
    env = await start_bot()
    assert not env.bot.intents.message_content and not env.bot.intents.members and not env.bot.intents.presences
    assert env.bot.shard_count == 1


async def test_logs_keep_no_question_text_or_user_ids_by_default(start_bot, caplog):
    import logging

    caplog.set_level(logging.DEBUG, logger="bot")
    env = await start_bot()
    question = "what helps a quiet zebra feel close to a partner"
    await env.fake.response_to(await env.fake.slash("ask", {"question": question}))
    await env.fake.response_to(await env.fake.slash("ask", {"question": "I want to kill myself"}, user=BOB))
    await env.fake.reply_to_message(await env.fake.message(f"<@{APP_ID}> zebra closeness", mentions=[BOT_USER]))
    text = caplog.text
    assert "level=none" in text and "level=crisis category=suicide" in text  # categories and timings are kept
    assert "zebra" not in text and "kill myself" not in text
    assert ALICE["id"] not in text and BOB["id"] not in text


async def test_rate_limited_sends_are_retried_not_lost(start_bot):
    env = await start_bot()
    env.fake.rate_limit_next[f"/webhooks/{APP_ID}/"] = 2  # Discord answers 429 twice, then accepts
    iid = await env.fake.slash("ask", {"question": "in what ways does intimacy aid growth?"})
    reply = await env.fake.response_to(iid)
    assert reply.body["embeds"]
    limited = [c for c in env.fake.calls if c.query.get("rate_limited")]
    assert len(limited) == 2
    env.fake.rate_limit_next[f"/channels/{CHANNEL_ID}/messages"] = 1
    mid = await env.fake.message(f"<@{APP_ID}> healing patience", mentions=[BOT_USER])
    assert (await env.fake.reply_to_message(mid)).body["embeds"]


async def test_the_gateway_dropping_mid_answer_still_delivers_the_answer(start_bot):
    env = await start_bot()
    first_ws = env.fake.ws
    iid = await env.fake.slash("ask", {"question": "in what ways does intimacy aid growth?"})
    await first_ws.close(code=4000, message=b"dropped")  # Discord closes with a resumable code
    reply = await env.fake.response_to(iid)
    assert reply.body["embeds"]
    for _ in range(300):  # discord.py reconnects and resumes on its own
        if env.fake.ws is not first_ws and not env.fake.ws.closed:
            break
        await asyncio.sleep(0.02)
    assert env.fake.ws is not first_ws
    later = await env.fake.response_to(await env.fake.slash("ask", {"question": "healing patience"}, user=BOB))
    assert later.body["embeds"]


async def test_a_member_is_refused_whatever_the_payload_claims(start_bot):
    """Permissions come from the guild's roles in discord.py's cache, not from fields a payload carries."""
    env = await start_bot()
    everything = str((1 << 41) - 1)
    for claim in ({"claimed_permissions": everything}, {"claimed_roles": ["999999"]},
                  {"claimed_permissions": everything, "claimed_roles": [GUILD_ID]}):
        reply = await env.fake.response_to(await env.fake.slash("reindex", user=BOB, **claim))
        assert reply.body["data"]["content"] == REFUSED and reply.body["data"]["flags"] == 64
    assert not any(c.path.endswith("/messages/@original") for c in env.fake.calls)
