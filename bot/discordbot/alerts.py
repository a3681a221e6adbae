"""Opt-in: tell the moderators when a crisis card is shown, so a person can follow up.

BOT_CRISIS_ALERT_CHANNEL_ID names a moderators' channel. An alert gives the category, the channel
and a jump link; the member's words only with BOT_CRISIS_ALERT_INCLUDE_TEXT. At most one alert per
member per hour. Off by default; when on, the card tells the member (SafetyPolicy).
"""

from __future__ import annotations

import logging

import discord
from cachetools import TTLCache

from ..core.pipeline import Outcome
from ..core.safety.policy import CATEGORY_NAMES
from . import render

log = logging.getLogger(__name__)

ALERT_EVERY = 3600.0  # seconds between two alerts about one member


class CrisisAlerts:
    def __init__(self, client: discord.Client, channel_id: int | None, include_text: bool) -> None:
        self.client = client
        self.channel_id = channel_id
        self.include_text = include_text
        self._recent: TTLCache[int, bool] = TTLCache(maxsize=10_000, ttl=ALERT_EVERY)

    @property
    def enabled(self) -> bool:
        return self.channel_id is not None

    async def notify(
        self,
        outcome: Outcome,
        *,
        member: int,
        channel: discord.abc.GuildChannel | discord.abc.Messageable | None,
        jump_url: str | None,
        text: str | None,
    ) -> bool:
        """Post the alert; False if it is off, too soon for this member, or could not be posted."""
        if self.channel_id is None or outcome.assessment is None or member in self._recent:
            return False
        self._recent[member] = True
        target = self.client.get_channel(self.channel_id)
        if not isinstance(target, discord.abc.Messageable):
            log.warning("BOT_CRISIS_ALERT_CHANNEL_ID %s is not a channel the bot can see", self.channel_id)
            return False
        categories = ", ".join(CATEGORY_NAMES[c] for c in outcome.assessment.categories) or "unspecified"
        where = getattr(channel, "mention", None) or "a direct message"  # a DM channel has no mention
        lines = [f"A crisis card was shown in {where} ({categories}). A person may want to check in."]
        if jump_url:
            lines.append(jump_url)
        if self.include_text and text:
            lines.append(">>> " + render.cut(discord.utils.escape_mentions(text), 1500))
        try:
            await target.send("\n".join(lines), allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.warning("could not post a crisis alert (%s)", exc.status)
            return False
        log.info("crisis alert posted category=%s", outcome.assessment.category)
        return True
