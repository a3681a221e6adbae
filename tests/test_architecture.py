"""The core never imports discord: the bot, the CLI and the tests share it without Discord."""

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "bot" / "core"


def test_core_modules_do_not_import_discord_in_source():
    for path in CORE.glob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            assert not any(n == "discord" or n.startswith("discord.") for n in names), path.name


def test_importing_the_core_and_cli_does_not_load_discord():
    code = ("import sys, bot.core.library, bot.core.safety, bot.core.indexer, bot.__main__, bot.app; "
            "print('discord' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
