"""Who may manage the library: Manage Server (or Administrator), or the moderator role.

``default_member_permissions`` only hides commands in Discord's menus; every moderator command,
button and autocomplete checks again when it runs, from the guild's roles in discord.py's cache,
never from permissions a payload claims.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

if TYPE_CHECKING:
    from .client import LibraryBot

REFUSED = "Only moderators (Manage Server permission or the moderator role) can manage the library."


def is_moderator(member, settings) -> bool:
    perms = getattr(member, "guild_permissions", None)
    if perms is not None and (perms.manage_guild or perms.administrator):
        return True
    role = settings.moderator_role
    return bool(role) and any(r.id == role for r in getattr(member, "roles", ()))


def allowed(interaction: discord.Interaction) -> bool:
    bot = cast("LibraryBot", interaction.client)  # these checks guard the LibraryBot's own commands only
    return interaction.guild is not None and is_moderator(interaction.user, bot.settings)


def moderator_only():
    """A check for commands and autocomplete callbacks (a refused autocomplete offers nothing)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if not allowed(interaction):
            raise app_commands.CheckFailure(REFUSED)
        return True

    return app_commands.check(predicate)
