"""The tag option of /ask and /tag: one Transformer for its autocomplete and, for /tag, its resolution."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from ..core.errors import BotError
from . import render

if TYPE_CHECKING:
    from ..core.library import Library


class UnknownTag(app_commands.AppCommandError):
    """No tag by that name (or no index yet): the message, with the closest tags, goes to the member."""


def _library(interaction: discord.Interaction) -> Library:
    return cast("Library", interaction.client.library)  # type: ignore[attr-defined]  # a LibraryBot


def tag_choices(library, current: str) -> list[app_commands.Choice[str]]:
    """At most 25 tags matching what the member has typed (case, spaces and # do not matter)."""
    try:
        tags = library.complete_tags(current or "", limit=25)
    except BotError:  # no index yet: an empty list, still within Discord's 3 seconds
        return []
    return [
        app_commands.Choice(name=render.cut(f"{t.display} ({t.articles})", 100), value=render.cut(t.display, 100))
        for t in tags
    ]


class TagOption(app_commands.Transformer):
    """Autocompletes the library's tags. With resolve, the value is the tag's key, or UnknownTag with
    suggestions; without (/ask), the text as typed: the library resolves it with the question."""

    def __init__(self, *, resolve: bool = True) -> None:
        self.resolve = resolve

    async def transform(self, interaction: discord.Interaction, value: str) -> str:
        if not self.resolve:
            return value
        try:
            return _library(interaction).resolve_tag(value)
        except BotError as exc:
            raise UnknownTag(str(exc)) from None

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        return tag_choices(_library(interaction), value)
