"""The staleness line outside Discord: `index info` and `ask` (on stderr, so stdout stays the answer)."""

import json

import pytest

from bot.__main__ import main


@pytest.mark.model
def test_index_info_and_ask_say_when_the_index_is_out_of_date(cli_env, capsys):
    assert main(["index", "build"]) == 0
    capsys.readouterr()
    assert main(["index", "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["freshness"] == {
        "stale": False,
        "added": [],
        "changed": [],
        "removed": [],
    }
    (cli_env / "corpus" / "rivers.md").write_text(
        "---\ntitle: Rivers\n---\n\nRivers carve valleys.\n", encoding="utf-8"
    )
    assert main(["index", "info"]) == 0
    assert (
        "out of date: 1 article added, changed or removed since the last build: rivers.md (added)"
        in capsys.readouterr().out
    )
    assert main(["ask", "--json", "in what ways does intimacy aid growth?"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["answered"] is True
    assert captured.err.strip().splitlines()[-1] == (
        "warning: the index is out of date: 1 article added, changed or removed since the "
        "last build: rivers.md (added); run: python -m bot index build"
    )
