"""Asking through Discord end to end: raw gateway payloads in, the JSON discord.py sends out.

Every interaction runs under Discord's rules (the harness refuses a late or second
acknowledgement), and every request body is checked against Discord's OpenAPI spec at teardown.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re

from helpers.discord_env import LONG_PARAGRAPH
from helpers.discord_harness import (
    ALICE,
    APP_ID,
    BOB,
    BOT_USER,
    CHANNEL_ID,
    MOD,
    MOD_ROLE_ID,
    NSFW_CHANNEL_ID,
    OPT_IN_CHANNEL_ID,
)


def no_pings(allowed: dict) -> bool:
    """Allowed mentions that let nothing ping: no @everyone/@here, roles, users or replied user."""
    return (
        allowed.get("parse") == []
        and not allowed.get("users")
        and not allowed.get("roles")
        and allowed.get("replied_user", False) is False
    )


def embeds_within_limits(data: dict) -> None:
    embeds = data.get("embeds") or []
    assert len(embeds) <= 10
    total = 0
    for e in embeds:
        assert len(e.get("title", "")) <= 256 and len(e.get("description", "")) <= 4096
        assert len(e.get("fields", [])) <= 25
        for f in e.get("fields", []):
            assert len(f["name"]) <= 256 and len(f["value"]) <= 1024
        assert len((e.get("footer") or {}).get("text", "")) <= 2048
        total += len(e.get("title", "")) + len(e.get("description", "")) + len((e.get("footer") or {}).get("text", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in e.get("fields", []))
    assert total <= 6000 and len(data.get("content") or "") <= 2000


def custom_ids(data: dict) -> list[str]:
    return [c["custom_id"] for row in data.get("components") or [] for c in row["components"]]


async def test_ask_is_acknowledged_first_then_answered_with_attribution_and_the_note(start_bot):
    env = await start_bot()
    iid = await env.fake.slash("ask", {"question": "in what ways does intimacy aid growth?"})
    callback = await env.fake.response_to(iid, final=False)
    assert callback.body == {"type": 5}  # deferred, thinking, public: before any model work
    assert env.fake.acknowledged_in(iid) < 1.0
    reply = await env.fake.reply(iid)
    assert reply.public and reply.call.method == "POST"  # the first follow-up replaces the placeholder
    data = reply.data
    assert data["content"].startswith("**Q:** in what ways does intimacy aid growth?")
    titles = [e.get("title", "") for e in data["embeds"]]
    assert re.match(r"1(, \d+)*\. How Sexual Intimacy", titles[0]) and titles[-1] == "Safety and consent"
    assert len(titles) == 2  # one article: its title, link, tags and label once, all its quotes inside
    first = data["embeds"][0]
    assert first["description"].startswith(">>> ")
    assert "ZeroOpposite" in first["footer"]["text"] and "not medical advice" in first["footer"]["text"]
    assert "Consent is freely given" in data["embeds"][-1]["description"]
    assert no_pings(data["allowed_mentions"])
    assert {cid.split(":")[1] for cid in custom_ids(data)} >= {"fb"}
    embeds_within_limits(data)
    assert not env.fake.refused()


async def test_a_mention_is_answered_as_a_reply(start_bot):
    env = await start_bot()
    mid = await env.fake.message(f"<@{APP_ID}> in what ways does intimacy aid growth?", mentions=[BOT_USER])
    reply = await env.fake.reply_to_message(mid)
    assert reply.path == f"/channels/{CHANNEL_ID}/messages"
    assert no_pings(reply.body["allowed_mentions"])
    assert re.match(r"1(, \d+)*\. How Sexual Intimacy", reply.body["embeds"][0]["title"])
    assert [c for c in env.fake.calls if c.path.endswith("/typing")]


async def test_a_reply_to_an_answer_is_answered(start_bot):
    env = await start_bot()
    first = await env.fake.reply_to_message(
        await env.fake.message(f"<@{APP_ID}> healing patience", mentions=[BOT_USER])
    )
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
    reply = await env.fake.reply(await env.fake.slash("ask", {"question": question}))
    assert no_pings(reply.data["allowed_mentions"])
    mid = await env.fake.message(f"<@{APP_ID}> {question}", mentions=[BOT_USER, BOB], mention_everyone=True)
    assert no_pings((await env.fake.reply_to_message(mid)).body["allowed_mentions"])


async def test_nothing_relevant_says_so_and_quotes_nothing(start_bot):
    env = await start_bot()
    reply = await env.fake.reply(await env.fake.slash("ask", {"question": "zzzq xxqq vvvw"}))
    embeds = reply.embeds
    assert "won't guess" in embeds[0]["description"] and "`/tags`" in embeds[0]["description"]
    assert embeds[-1]["title"] == "Safety and consent" and len(embeds) == 2
    assert not reply.data.get("components")


async def test_a_crisis_the_rules_are_sure_of_is_private_from_the_start(start_bot):
    env = await start_bot()
    iid = await env.fake.slash("ask", {"question": "I am going to kill myself tonight"})
    callback = await env.fake.response_to(iid, final=False)
    assert callback.body == {"type": 5, "data": {"flags": 64}}  # deferred privately: nothing public at all
    card = await env.fake.reply(iid)
    assert not card.public and "988" in card.content and "findahelpline.com" in card.content
    assert not card.embeds
    assert not any(c.visible_to_all for c in env.fake.calls if c.path.startswith(f"/webhooks/{APP_ID}/tok{iid}"))


async def test_cooldown_is_friendly_and_never_blocks_a_crisis(start_bot):
    env = await start_bot(cooldown_seconds=60)
    await env.fake.reply(await env.fake.slash("ask", {"question": "healing patience"}))
    iid = await env.fake.slash("ask", {"question": "oxytocin stress"})
    neutral, note = await env.fake.replies(iid, 2)
    assert neutral.public and "privately" in neutral.content and "wait" not in neutral.content
    assert not note.public and "wait" in note.content
    crisis = await env.fake.reply(await env.fake.slash("ask", {"question": "I want to kill myself"}))
    assert "988" in crisis.content and not crisis.public
    other = await env.fake.reply(await env.fake.slash("ask", {"question": "oxytocin stress"}, user=BOB))
    assert other.embeds and other.public


async def test_channel_rate_limit(start_bot):
    env = await start_bot(cooldown_per_channel=2)
    for user in (ALICE, BOB):
        await env.fake.reply(await env.fake.slash("ask", {"question": "healing patience"}, user=user))
    _, third = await env.fake.replies(await env.fake.slash("ask", {"question": "healing"}, user=MOD), 2)
    assert "channel is getting a lot of questions" in third.content and not third.public


async def test_unknown_tag_in_ask_is_private_and_helpful(start_bot):
    env = await start_bot()
    neutral, note = await env.fake.replies(await env.fake.slash("ask", {"question": "healing", "tag": "heeling"}), 2)
    assert "privately" in neutral.content
    assert not note.public and "Did you mean: healing" in note.content


async def test_long_passages_titles_tags_and_links_fit_discord_limits(start_bot):
    env = await start_bot()
    reply = await env.fake.reply(await env.fake.slash("ask", {"question": "consent reversible enthusiastic specific"}))
    data = reply.data
    embeds_within_limits(data)
    first = data["embeds"][0]
    assert re.match(r"1(, \d+)*\. A Very Long Title", first["title"]) and first["title"].endswith("…")
    body = first["description"].removeprefix(">>> ")
    body = body.replace("**", "")  # the answering sentence is in bold
    assert body.endswith("…") and body[:-1].split()[-1] in LONG_PARAGRAPH.split()  # cut between words
    assert "url" not in first or len(first["url"]) <= 2000
    tags = next(f for f in first["fields"] if f["name"] == "Tags")
    assert tags["value"].endswith("…")


async def test_age_restricted_articles_only_in_age_restricted_channels(start_bot):
    env = await start_bot()
    q = {"question": "unicorn nebula techniques explicitly"}
    general = await env.fake.reply(await env.fake.slash("ask", q))
    assert "Explicit Guide" not in general.text
    nsfw = await env.fake.reply(await env.fake.slash("ask", q, channel_id=NSFW_CHANNEL_ID, user=BOB))
    assert re.match(r"1(, \d+)*\. Explicit Guide$", nsfw.embeds[0]["title"])


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


async def test_logs_keep_no_question_text_or_user_ids_by_default(start_bot, caplog):
    caplog.set_level(logging.DEBUG, logger="bot")
    env = await start_bot()
    await env.fake.reply(await env.fake.slash("ask", {"question": "what helps a quiet zebra feel close to a partner"}))
    await env.fake.reply(await env.fake.slash("ask", {"question": "I want to kill myself"}, user=BOB))
    await env.fake.reply_to_message(await env.fake.message(f"<@{APP_ID}> zebra closeness", mentions=[BOT_USER]))
    # Each answer is logged just after its reply is sent, so the last line may trail the reply seen here.
    wanted = ("source=slash outcome=answered level=none", "outcome=crisis level=crisis category=suicide")
    for _ in range(200):
        if all(w in caplog.text for w in wanted) and "source=message" in caplog.text:
            break
        await asyncio.sleep(0.05)
    text = caplog.text
    assert all(w in text for w in wanted) and "source=message outcome=answered" in text
    assert "zebra" not in text and "kill myself" not in text
    assert ALICE["id"] not in text and BOB["id"] not in text


async def test_a_question_longer_than_discord_allows_is_refused_by_the_command_schema(start_bot):
    env = await start_bot()
    call = await env.fake.wait_for(lambda c: c.method == "PUT" and c.path.endswith("/commands"))
    ask = next(c for c in call.body if c["name"] == "ask")
    question = next(o for o in ask["options"] if o["name"] == "question")
    assert question["max_length"] == 6000 and question["min_length"] == 1
