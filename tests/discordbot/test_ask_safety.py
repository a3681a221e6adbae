"""Crises through Discord with the real safety model: private cards, never DMs, moderators told if opted in."""

from __future__ import annotations

import pytest

from helpers.discord_harness import APP_ID, BOB, BOT_USER, CHANNEL_ID, GUILD_ID, MOD_CHANNEL_ID

pytestmark = pytest.mark.model


async def test_a_crisis_only_the_model_sees_turns_the_public_placeholder_neutral(
    start_bot, real_embedder, safety_policy
):
    env = await start_bot(embedder=real_embedder, policy=safety_policy)
    question = "I lost my job, what are the tallest bridges near me?"
    assert env.bot.service.quick(question) is None  # the rules alone are not sure: the defer is public
    iid = await env.fake.slash("ask", {"question": question})
    assert (await env.fake.response_to(iid, final=False)).body == {"type": 5}
    neutral, card = await env.fake.replies(iid, 2)
    assert neutral.public and neutral.call.method == "PATCH" and neutral.content == "I've replied to this privately."
    assert not card.public and "988" in card.content and "findahelpline.com" in card.content
    assert "bridge" not in card.content.lower()  # nothing of the method or place is echoed back
    public = [c for c in env.fake.calls if c.visible_to_all and "988" in str(c.body)]
    assert not public


async def test_the_card_follows_the_members_locale(start_bot, real_embedder, safety_policy):
    env = await start_bot(embedder=real_embedder, policy=safety_policy)
    card = await env.fake.reply(await env.fake.slash("ask", {"question": "I want to end my life"}, locale="en-GB"))
    assert "Samaritans" in card.content and "999" in card.content and "988" not in card.content


async def test_a_crisis_in_a_message_is_answered_in_place_never_by_dm(start_bot, real_embedder, safety_policy):
    env = await start_bot(embedder=real_embedder, policy=safety_policy)
    mid = await env.fake.message(f"<@{APP_ID}> my husband hits me and I'm scared to go home", mentions=[BOT_USER])
    reply = await env.fake.reply_to_message(mid)
    assert "Domestic Abuse" in reply.body["content"]  # the guild's locale is en-GB
    assert not any(c.path == "/users/@me/channels" for c in env.fake.calls)


async def test_moderators_are_told_once_an_hour_without_the_text_unless_opted_in(
    start_bot, real_embedder, safety_policy, model_cache
):
    from bot.app import make_policy
    from bot.settings import Settings

    policy = make_policy(Settings(crisis_alert_channel=int(MOD_CHANNEL_ID)))
    policy.attach(real_embedder, model_cache)  # the models the session trained, read from its cache
    env = await start_bot(embedder=real_embedder, policy=policy, crisis_alert_channel=int(MOD_CHANNEL_ID))
    card = await env.fake.reply(await env.fake.slash("ask", {"question": "I'm going to kill myself tonight"}))
    assert "moderators of this server" in card.content
    alert = await env.fake.wait_for(lambda c: c.path == f"/channels/{MOD_CHANNEL_ID}/messages")
    text = alert.body["content"]
    assert f"<#{CHANNEL_ID}>" in text and "suicide or self-harm" in text
    assert f"https://discord.com/channels/{GUILD_ID}/{CHANNEL_ID}" in text
    assert "kill myself" not in text and alert.body["allowed_mentions"] == {"parse": []}
    await env.fake.reply(await env.fake.slash("ask", {"question": "I want to die tonight"}))
    mid = await env.fake.message(f"<@{APP_ID}> I'm going to end my life", mentions=[BOT_USER], user=BOB)
    await env.fake.reply_to_message(mid)
    # the alert follows the reply: wait for BOB's, then count
    await env.fake.wait_for(
        lambda c: c.path == f"/channels/{MOD_CHANNEL_ID}/messages" and f"/{mid}" in c.body["content"]
    )
    alerts = [c for c in env.fake.calls if c.path == f"/channels/{MOD_CHANNEL_ID}/messages"]
    assert len(alerts) == 2  # once for ALICE within the hour, once for BOB
    assert f"/{mid}" in alerts[1].body["content"]  # a message's jump link


async def test_no_alert_and_no_mention_of_moderators_by_default(start_bot, real_embedder, safety_policy):
    env = await start_bot(embedder=real_embedder, policy=safety_policy)
    card = await env.fake.reply(await env.fake.slash("ask", {"question": "I'm going to kill myself tonight"}))
    assert "moderators" not in card.content
    assert not [c for c in env.fake.calls if c.path == f"/channels/{MOD_CHANNEL_ID}/messages"]
