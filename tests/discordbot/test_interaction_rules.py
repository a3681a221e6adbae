"""The stand-in keeps Discord's interaction rules, checked through the real discord.py.

Each rule is shown with a small command added for the test: a late first response (10062), a
second acknowledgement (40060), a follow-up before any acknowledgement (10015), a token older than
15 minutes (50027), and a follow-up after a defer that keeps the placeholder's visibility.
"""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord import app_commands

from helpers.discord_harness import APP_ID, TOKEN_LIFE


def _command(name: str, body):
    async def callback(interaction: discord.Interaction) -> None:
        await body(interaction)

    return app_commands.Command(name=name, description="test", callback=callback)


async def _run(env, name: str, body) -> tuple[str, list[Exception]]:
    errors: list[Exception] = []

    async def guarded(interaction):
        try:
            await body(interaction)
        except discord.HTTPException as exc:
            errors.append(exc)

    env.bot.tree.add_command(_command(name, guarded))
    iid = await env.fake.slash(name)
    for _ in range(300):
        if errors or env.fake._replies_now(iid) or env.fake.refused():
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    return iid, errors


async def test_a_first_response_after_three_seconds_is_unknown(start_bot):
    env = await start_bot()
    env.allow_refusals = True
    env.fake.ack_lag = 3.5  # the bot answered, but too late
    iid, errors = await _run(env, "late", lambda i: i.response.send_message("hi"))
    assert isinstance(errors[0], discord.NotFound) and errors[0].code == 10062
    assert env.fake.acknowledged_in(iid) is None


async def test_a_second_acknowledgement_is_refused(start_bot):
    env = await start_bot()
    env.allow_refusals = True

    async def twice(interaction):
        await interaction.response.defer()
        await discord.InteractionResponse(interaction).defer()  # a second, bypassing discord.py's own guard

    _, errors = await _run(env, "twice", twice)
    assert errors and isinstance(errors[0], discord.HTTPException) and errors[0].code == 40060


async def test_a_follow_up_before_any_acknowledgement_is_unknown(start_bot):
    env = await start_bot()
    env.allow_refusals = True
    _, errors = await _run(env, "early", lambda i: i.followup.send("too soon"))
    assert isinstance(errors[0], discord.NotFound) and errors[0].code == 10015


async def test_the_token_lives_fifteen_minutes(start_bot):
    env = await start_bot()
    env.allow_refusals = True

    async def slow(interaction):
        await interaction.response.defer()
        env.fake.skew += TOKEN_LIFE + 1
        await interaction.followup.send("a quarter of an hour later")

    _, errors = await _run(env, "slow", slow)
    assert errors and isinstance(errors[0], discord.HTTPException)
    assert errors[0].status == 401 and errors[0].code == 50027


@pytest.mark.parametrize("private", [False, True])
async def test_the_first_follow_up_after_a_defer_keeps_the_placeholders_visibility(start_bot, private):
    env = await start_bot()

    async def body(interaction):
        await interaction.response.defer(ephemeral=private, thinking=True)
        await interaction.followup.send("first", ephemeral=not private)  # its own flag is ignored
        await interaction.followup.send("second", ephemeral=True)

    iid, errors = await _run(env, f"vis{int(private)}", body)
    first, second = await env.fake.replies(iid, 2)
    assert not errors and first.content == "first" and first.public is (not private)
    assert second.content == "second" and not second.public


async def test_autocomplete_must_answer_within_three_seconds(start_bot):
    env = await start_bot()
    env.allow_refusals = True
    env.fake.ack_lag = 3.5
    iid = await env.fake.autocomplete("tag", "name", "heal")
    for _ in range(200):
        if env.fake.refused(10062):
            break
        await asyncio.sleep(0.01)
    assert env.fake.refused(10062) and env.fake.acknowledged_in(iid) is None
    assert not [c for c in env.fake.calls if c.path.startswith(f"/webhooks/{APP_ID}/tok{iid}")]
