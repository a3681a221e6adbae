"""Start-up failures end in one line on stderr with the way out and a documented exit status.

``runner.run`` is driven as ``python -m bot run`` drives it, with discord.py's real HTTP client
pointed at addresses that fail the way a real start fails: a name that does not resolve, a port
nobody listens on, a server that rejects the token as Discord does (401, code 0).
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import discord
import discord.http
import pytest

from bot.discordbot import runner
from bot.settings import EXIT_CONFIG, Settings
from helpers.library import make_test_library


@pytest.fixture
def start(monkeypatch, corpus_dir, tmp_path, fake_embedder, capsys):
    """Run the bot against ``base`` (discord.py's API root); return the exit status and stderr."""
    monkeypatch.setattr(
        runner, "make_library", lambda settings: make_test_library(corpus_dir, tmp_path / "index", fake_embedder)
    )

    def run(base: str, **env) -> tuple[int, str]:
        monkeypatch.setattr(discord.http.Route, "BASE", base)
        settings = Settings.from_env({"DISCORD_TOKEN": "MTIz.abc.def", **env}, dotenv=False)
        status = runner.run(settings)
        return status, capsys.readouterr().err

    return run


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_a_name_that_does_not_resolve_is_one_line(start):
    status, err = start("http://discord.invalid/api/v10")
    line = _one_line(err)
    assert status == runner.EXIT_ERROR
    assert line.startswith("error: cannot reach Discord") and "does not resolve" in line and "doctor" in line


def test_no_network_is_one_line(start):
    with socket.socket() as s:  # a port nobody listens on: the connection is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    status, err = start(f"http://127.0.0.1:{port}/api/v10")
    assert status == runner.EXIT_ERROR
    assert _one_line(err).startswith("error: cannot reach Discord")


class _RejectsTokens(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = json.dumps({"message": "401: Unauthorized", "code": 0}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_rejected_token_is_one_line_and_a_configuration_error(start):
    server = HTTPServer(("127.0.0.1", 0), _RejectsTokens)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, err = start(f"http://127.0.0.1:{server.server_port}/api/v10")
    finally:
        server.shutdown()
    assert status == EXIT_CONFIG
    line = _one_line(err)
    assert "Discord rejected DISCORD_TOKEN" in line and "developer portal" in line


def test_no_token_is_one_line_before_anything_loads(monkeypatch, capsys):
    monkeypatch.setattr(runner, "make_library", lambda settings: pytest.fail("nothing loads without a token"))
    status = runner.run(Settings.from_env({}, dotenv=False))
    assert status == EXIT_CONFIG
    assert "DISCORD_TOKEN is not set" in _one_line(capsys.readouterr().err)
