"""The README matches the program: its commands parse, its settings table is complete, its JSON is real."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from bot.__main__ import build_parser
from bot.core.pipeline import Question
from helpers.library import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert match, f"the README has no '## {title}' section"
    return match.group(1)


def _commands() -> list[str]:
    """Every `python -m bot ...` the README shows, in code spans or code blocks."""
    found = re.findall(r"(?:\.venv/bin/)?python -m bot(?: [^`\n#|]*)?", README)
    commands = {c.split("python -m bot", 1)[1].strip() for c in found}
    return sorted(commands - {"..."})  # "python -m bot ...": any command


def _example_args(command: str) -> list[str]:
    """A command as written, made concrete: optional parts included, placeholders filled in."""
    command = command.replace('["QUESTION" ...]', "").replace("[", "").replace("]", "")
    return [{"DIR": "somewhere", "FILE": "page.html", "NAME": "healing"}.get(a, a) for a in shlex.split(command)]


def test_the_readme_shows_the_commands_a_server_owner_needs():
    shown = {c.split()[0] for c in _commands() if c}
    assert {"ask", "index", "corpus", "doctor", "sync", "run"} <= shown
    assert "make demo" in README and "make test" in README


@pytest.mark.parametrize("command", _commands())
def test_every_command_in_the_readme_parses(command):
    parser = build_parser()
    args = _example_args(command)
    if args == ["--version"]:
        with pytest.raises(SystemExit) as stop:
            parser.parse_args(args)
        assert stop.value.code == 0
        return
    try:
        parser.parse_args(args)
    except SystemExit as stop:  # argparse's usage error
        pytest.fail(f"the README's 'python -m bot {command}' is not a valid command (exit {stop.code})")


def test_every_make_target_in_the_readme_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    for target in set(re.findall(r"`make ([a-z-]+)", README)):
        assert target in targets, f"the README mentions 'make {target}', which the Makefile does not have"


def test_the_configuration_table_lists_every_setting_and_only_those():
    from bot.settings import variable_names

    settings = variable_names()
    table = set(
        re.findall(
            r"^\| `((?:BOT|DISCORD)_[A-Z_]+)`(?:, `((?:BOT|DISCORD)_[A-Z_]+)`)?", _section("Configuration"), re.M
        )
    )
    listed = {name for row in table for name in row if name}
    assert settings - listed == set(), "settings missing from the README's configuration table"
    assert listed - settings == set(), "the README's configuration table lists settings the code does not read"


def _shape(value):
    """The keys of a JSON value, recursively (a list by its first item)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return None


def test_the_json_example_has_the_shape_of_real_output(corpus_dir, tmp_path, fake_embedder):
    from helpers.library import make_test_library

    block = re.search(r"```json\n(.*?)```", README, re.S)
    assert block, "the README has no JSON example"
    example = json.loads(block.group(1))
    library = make_test_library(corpus_dir, tmp_path / "index", fake_embedder, min_score=0.0)  # a fake model's scores
    library.load()
    outcome = library.ask(Question("what helps with boundaries after trauma?"))
    assert outcome.answer is not None and outcome.answer.quotes
    real = {**outcome.answer.as_dict(), "outcome": outcome.kind.value}  # what `ask --json` prints
    example_shape, real_shape = _shape(example), _shape(real)
    assert example_shape == real_shape
