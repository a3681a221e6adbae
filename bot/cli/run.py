"""python -m bot {run, sync}: run the Discord bot, or publish its slash commands globally."""

from __future__ import annotations

import argparse

from .common import settings_of


def cmd_run(args: argparse.Namespace) -> int:
    from ..discordbot.runner import run

    return run(settings_of(args))


def cmd_sync(args: argparse.Namespace) -> int:
    from ..discordbot.runner import run

    return run(settings_of(args), sync_global=True)


def add_run_parser(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("run", parents=[common], help="run the Discord bot (needs DISCORD_TOKEN)")
    p.set_defaults(func=cmd_run)


def add_sync_parser(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("sync", parents=[common], help="publish the slash commands globally (a deliberate step)")
    p.set_defaults(func=cmd_sync)
