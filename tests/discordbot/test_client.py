"""The client through Discord: command sync, intents, buttons, retries on 429, a dropped gateway."""

from __future__ import annotations

import asyncio
import gc
import json
import re

from bot.discordbot.feedback import AnswerCache
from helpers.discord_harness import ALICE, APP_ID, BOB, BOT_USER, CHANNEL_ID, GUILD_ID


def custom_ids(data: dict) -> list[str]:
    return [c["custom_id"] for row in data.get("components") or [] for c in row["components"]]


async def test_commands_sync_to_the_development_guild(start_bot):
    env = await start_bot()
    call = await env.fake.wait_for(lambda c: c.method == "PUT" and c.path.endswith(f"/guilds/{GUILD_ID}/commands"))
    commands = {c["name"]: c for c in call.body}
    assert set(commands) == {"ask", "tags", "tag", "library"}
    library = commands["library"]
    assert str(library["default_member_permissions"]) == str(1 << 5)  # Manage Server; checked again at run time
    assert {o["name"] for o in library["options"]} == {"status", "refresh", "add", "remove", "feedback"}
    add = {o["name"]: o for o in next(o for o in library["options"] if o["name"] == "add")["options"]}
    assert add["file"]["type"] == 11 and add["url"]["type"] == 3 and not add["file"].get("required")
    ask_options = {o["name"]: o for o in commands["ask"]["options"]}
    assert ask_options["question"]["required"] is True and ask_options["tag"]["autocomplete"] is True
    assert commands["ask"]["description"] == "Ask the article library a question"


async def test_more_passages_and_feedback_buttons(start_bot):
    env = await start_bot()
    reply = await env.fake.reply(await env.fake.slash("ask", {"question": "healing note gentle healing patience"}))
    ids = custom_ids(reply.data)
    more = next(i for i in ids if i.startswith("lib:more:"))
    message = env.fake.as_message(reply.call)

    page = await env.fake.response_to(await env.fake.click(more, message, user=BOB))
    assert page.body["type"] == 4 and page.body["data"]["flags"] == 64  # only the clicker sees it
    assert re.match(r"4(, \d+)*\. ", page.body["data"]["embeds"][0]["title"])

    up = next(i for i in ids if i.endswith(":up"))
    thanks = await env.fake.response_to(await env.fake.click(up, message))
    assert thanks.body["data"]["content"] == "Thanks for the feedback." and thanks.body["data"]["flags"] == 64
    again = await env.fake.response_to(await env.fake.click(up, message))
    assert "already rated" in again.body["data"]["content"]
    lines = env.settings.feedback_file.read_text().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["helpful"] is True and entry["passages"]
    assert "question" not in entry and ALICE["id"] not in lines[0]

    env.bot.answers = AnswerCache()  # as after a restart: the buttons still work, the answer is gone
    stale = await env.fake.response_to(await env.fake.click(more, message))
    assert "expired" in stale.body["data"]["content"] and stale.body["data"]["flags"] == 64


async def test_feedback_keeps_the_question_only_when_the_deployment_opts_in(start_bot):
    env = await start_bot(feedback_keep_question=True)
    reply = await env.fake.reply(await env.fake.slash("ask", {"question": "healing note patience"}))
    up = next(i for i in custom_ids(reply.data) if i.endswith(":up"))
    await env.fake.response_to(await env.fake.click(up, env.fake.as_message(reply.call)))
    entry = json.loads(env.settings.feedback_file.read_text().splitlines()[0])
    assert entry["question"] == "healing note patience"


async def test_default_intents_are_not_privileged(start_bot):
    env = await start_bot()
    assert not env.bot.intents.message_content and not env.bot.intents.members and not env.bot.intents.presences
    assert env.bot.shard_count == 1


async def test_rate_limited_sends_are_retried_not_lost(start_bot):
    env = await start_bot()
    env.fake.rate_limit_next[f"/webhooks/{APP_ID}/"] = 2  # Discord answers 429 twice, then accepts
    reply = await env.fake.reply(await env.fake.slash("ask", {"question": "in what ways does intimacy aid growth?"}))
    assert reply.embeds
    assert len([c for c in env.fake.calls if c.query.get("rate_limited")]) == 2
    env.fake.rate_limit_next[f"/channels/{CHANNEL_ID}/messages"] = 1
    mid = await env.fake.message(f"<@{APP_ID}> healing patience", mentions=[BOT_USER])
    assert (await env.fake.reply_to_message(mid)).body["embeds"]


async def test_the_gateway_dropping_mid_answer_still_delivers_the_answer(start_bot):
    env = await start_bot()
    first_ws = env.fake.ws
    iid = await env.fake.slash("ask", {"question": "in what ways does intimacy aid growth?"})
    await first_ws.close(code=4000, message=b"dropped")  # Discord closes with a resumable code
    assert (await env.fake.reply(iid)).embeds
    for _ in range(300):  # discord.py reconnects and resumes on its own
        if env.fake.ws is not first_ws and not env.fake.ws.closed:
            break
        await asyncio.sleep(0.02)
    assert env.fake.ws is not first_ws
    later = await env.fake.reply(await env.fake.slash("ask", {"question": "healing patience"}, user=BOB))
    assert later.embeds


async def test_the_long_lived_heap_is_frozen_while_the_bot_runs(start_bot):
    """A full garbage collection must not walk the model and the index in the middle of a burst."""
    env = await start_bot()
    assert gc.get_freeze_count() > 0
    await env.bot.close()
    assert gc.get_freeze_count() == 0
