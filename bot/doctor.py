"""python -m bot doctor: check a deployment offline and say what to fix.

Checks the token's shape (never its value), the ids in the settings, the intents and permissions
the chosen settings need (with the invite link), the index (present, built with this model, up to
date), the model, the helpline and wording files, and that the feedback folder is writable. Nothing
here talks to Discord.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .core.errors import BotError
from .settings import Settings

# View Channels, Send Messages, Send Messages in Threads, Embed Links, Read Message History.
PERMISSIONS = {
    "View Channels": 1 << 10,
    "Send Messages": 1 << 11,
    "Send Messages in Threads": 1 << 38,
    "Embed Links": 1 << 14,
    "Read Message History": 1 << 16,
}
THREAD_PERMISSIONS = {"Create Public Threads": 1 << 35}
_TOKEN = re.compile(r"^([A-Za-z0-9_-]{17,40})\.([A-Za-z0-9_-]{4,10})\.([A-Za-z0-9_-]{20,})$")


@dataclass(frozen=True)
class Check:
    ok: bool
    what: str
    fix: str | None = None
    config: bool = True  # a wrong setting (exit 78) rather than something broken (exit 1)

    def line(self) -> str:
        return f"ok   {self.what}" if self.ok else f"fix  {self.what}: {self.fix}"


def application_id(token: str) -> int | None:
    """The bot's id, from the first part of its token (base64 of the id), or None if it is not one."""
    m = _TOKEN.match(token.strip())
    if not m:
        return None
    part = m.group(1)
    try:
        decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    return int(decoded) if decoded.isdigit() else None


def permissions_needed(settings: Settings) -> dict[str, int]:
    needed = dict(PERMISSIONS)
    if settings.answer_in_threads:
        needed.update(THREAD_PERMISSIONS)
    return needed


def invite_link(app_id: int | str, settings: Settings) -> str:
    value = sum(permissions_needed(settings).values())
    return (
        f"https://discord.com/oauth2/authorize?client_id={app_id}&scope=bot+applications.commands&permissions={value}"
    )


def check_token(settings: Settings) -> list[Check]:
    if not settings.token:
        return [
            Check(
                False,
                "DISCORD_TOKEN",
                "not set: copy the bot's token from the developer portal (Bot, Reset "
                "Token) into .env as DISCORD_TOKEN=...",
            )
        ]
    app = application_id(settings.token)
    if app is None:
        return [
            Check(
                False,
                "DISCORD_TOKEN",
                "does not look like a bot token (three dot-separated parts, the first "
                "the bot's id): copy it again from the developer portal; a client "
                "secret or an application id is not a token",
            )
        ]
    return [
        Check(True, f"DISCORD_TOKEN looks like a bot token (application {app})"),
        Check(True, f"invite link: {invite_link(app, settings)}"),
    ]


def check_ids(settings: Settings) -> list[Check]:
    out = []
    named = {
        "BOT_DEV_GUILD_ID": settings.dev_guild,
        "BOT_MODERATOR_ROLE_ID": settings.moderator_role,
        "BOT_CRISIS_ALERT_CHANNEL_ID": settings.crisis_alert_channel,
        "BOT_MODERATOR_CHANNEL_ID": settings.moderator_channel,
    }
    for name, value in named.items():
        if value is not None and not 10**15 <= value < 2**63:
            out.append(
                Check(
                    False,
                    name,
                    f"{value} is not a Discord id (right-click, Copy ID, with Developer Mode on in Discord's settings)",
                )
            )
    for value in settings.answer_channels:
        if not 10**15 <= value < 2**63:
            out.append(Check(False, "BOT_ANSWER_CHANNEL_IDS", f"{value} is not a Discord channel id"))
    for value in settings.forum_channels:
        if not 10**15 <= value < 2**63:
            out.append(Check(False, "BOT_FORUM_CHANNEL_IDS", f"{value} is not a Discord channel id"))
    if not out:
        out.append(Check(True, "the ids in the settings look like Discord ids"))
    needs = [
        name
        for name, ids in (
            ("BOT_ANSWER_CHANNEL_IDS", settings.answer_channels),
            ("BOT_FORUM_CHANNEL_IDS", settings.forum_channels),
        )
        if ids
    ]
    intents = [f"Message Content (Bot, Privileged Gateway Intents), for {' and '.join(needs)}"] if needs else []
    out.append(Check(True, "privileged intents needed: " + (", ".join(intents) if intents else "none")))
    out.append(Check(True, "permissions needed: " + ", ".join(permissions_needed(settings))))
    return out


def check_files(settings: Settings) -> list[Check]:
    from .app import make_policy
    from .settings import SettingsError

    out = []
    try:
        make_policy(settings)
        out.append(
            Check(
                True,
                "helplines and safety wording are valid"
                + (f" ({settings.resources_file} merged)" if settings.resources_file else ""),
            )
        )
    except SettingsError as exc:
        out.append(Check(False, "helplines", str(exc)))
    folder = Path(settings.feedback_file).parent
    probe = folder if folder.exists() else next((p for p in folder.parents if p.exists()), Path("."))
    if os.access(probe, os.W_OK):
        out.append(Check(True, f"feedback can be written to {settings.feedback_file}"))
    else:
        out.append(Check(False, "BOT_FEEDBACK_FILE", f"{probe} is not writable by this user"))
    return out


def check_library(settings: Settings, *, load_model: bool = True) -> list[Check]:
    from .app import make_library

    out = []
    library = make_library(settings)
    if not Path(settings.corpus_dir).is_dir():
        return [Check(False, "BOT_CORPUS_DIR", f"{settings.corpus_dir} is not a folder")]
    try:
        manifest = library.store.read_manifest()
    except BotError as exc:
        return [Check(False, "index", str(exc), config=False)]
    out.append(
        Check(
            True,
            f"index: {manifest.get('articles')} articles, {manifest.get('passages')} passages, "
            f"built {manifest.get('built_at')} with {manifest.get('model')}",
        )
    )
    stale = library.staleness()
    if stale is not None and stale.stale:
        out.append(Check(False, "index", stale.summary() + "; run python -m bot index build", config=False))
    if load_model:
        try:
            embedder = library.embedder
            if manifest.get("model") != embedder.name:
                out.append(
                    Check(
                        False,
                        "index",
                        f"built with '{manifest.get('model')}', but the configured encoder is "
                        f"'{embedder.name}': run python -m bot index build",
                    )
                )
            else:
                out.append(Check(True, f"model loads: {embedder.name} ({embedder.dimension} dimensions)"))
        except BotError as exc:
            out.append(Check(False, "BOT_MODEL", str(exc)))
    return out


def run(settings: Settings, *, load_model: bool = True) -> int:
    checks = check_token(settings) + check_ids(settings) + check_files(settings)
    checks += check_library(settings, load_model=load_model)
    for c in checks:
        print(c.line())
    bad = [c for c in checks if not c.ok]
    if not bad:
        print("Everything checked is in order.")
        return 0
    print(f"{len(bad)} to fix.")
    return 78 if any(c.config for c in bad) else 1
