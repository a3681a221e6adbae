"""Threads and forums, opt-in: an answer channel can answer in a thread; listed forums get their new posts answered."""

from __future__ import annotations

from helpers.discord_harness import ALICE, BOB, CHANNEL_ID, FORUM_ID, OPT_IN_CHANNEL_ID, forum_channel


def _posts(env, channel_id: str):
    return [
        c
        for c in env.fake.calls
        if c.method == "POST" and c.path == f"/channels/{channel_id}/messages" and c.error_code is None
    ]


async def test_answer_channel_answers_in_a_thread_started_on_the_question(start_bot):
    env = await start_bot(answer_channels=(int(OPT_IN_CHANNEL_ID),), answer_in_threads=True)
    assert env.bot.intents.message_content
    mid = await env.fake.message("how does healing with patience work?", channel_id=OPT_IN_CHANNEL_ID)
    started = await env.fake.wait_for(lambda c: c.path == f"/channels/{OPT_IN_CHANNEL_ID}/messages/{mid}/threads")
    assert started.body["name"] == "how does healing with patience work?"
    assert started.body["auto_archive_duration"] == 1440
    answer = await env.fake.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{mid}/messages")
    assert answer.body["embeds"] and "Healing Note" in answer.body["embeds"][0]["title"]
    assert not _posts(env, OPT_IN_CHANNEL_ID)  # nothing in the channel itself

    # A crisis card is never a thread (its title would be the message); it stays a reply.
    crisis = await env.fake.message("i want to end my life tonight", channel_id=OPT_IN_CHANNEL_ID, user=BOB)
    await env.fake.reply_to_message(crisis)
    assert not any(c.path.endswith(f"/messages/{crisis}/threads") for c in env.fake.calls)


async def test_threads_are_off_by_default(start_bot):
    env = await start_bot(answer_channels=(int(OPT_IN_CHANNEL_ID),))
    mid = await env.fake.message("how does healing with patience work?", channel_id=OPT_IN_CHANNEL_ID)
    await env.fake.reply_to_message(mid)
    assert not any(c.path.endswith("/threads") for c in env.fake.calls)


async def test_a_listed_forum_gets_each_new_post_answered_once(start_bot):
    env = await start_bot(forum_channels=(int(FORUM_ID),), extra_channels=[forum_channel()])
    assert env.bot.intents.message_content
    post = await env.fake.forum_post("Healing with patience", "how long does it take?", user=ALICE)
    answer = await env.fake.reply_to_message(post)
    assert answer.path == f"/channels/{post}/messages" and "Healing Note" in answer.body["embeds"][0]["title"]
    # Later messages in the post are a conversation between members, not questions to the bot.
    await env.fake.message("thank you, that helps", channel_id=post, user=BOB)
    await env.fake.message("healing patience again", channel_id=CHANNEL_ID, user=BOB)
    await env.fake.forum_post("another", "healing patience walking", user=BOB)
    await env.fake.wait_for(
        lambda c: (
            len(_posts(env, post)) >= 1
            and sum(1 for x in env.fake.calls if x.method == "POST" and x.path.endswith("/messages")) >= 2
        )
    )
    assert len(_posts(env, post)) == 1


async def test_an_unlisted_forum_is_left_alone(start_bot):
    env = await start_bot(extra_channels=[forum_channel()])
    post = await env.fake.forum_post("Healing with patience", "how long does it take?")
    other = await env.fake.message(
        f"<@{env.bot.user.id}> healing patience",
        channel_id=CHANNEL_ID,
        mentions=[
            {
                "id": str(env.bot.user.id),
                "username": "librarybot",
                "discriminator": "0",
                "global_name": None,
                "avatar": None,
                "bot": True,
            }
        ],
    )
    await env.fake.reply_to_message(other)  # the bot is up and answering; the post got nothing
    assert not _posts(env, post)
