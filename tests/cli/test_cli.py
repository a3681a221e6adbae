"""The offline CLI, in process, with the real model loaded once for the session."""

import json
import re
import time

import pytest

import bot
import bot.app
from bot.__main__ import main
from bot.settings import Settings, SettingsError
from helpers.pages import FOOTER_YEAR_PAGE


def test_ask_builds_the_index_first_and_answers_in_json(cli_env, capsys):
    assert (
        main(["ask", "--json", "in what ways does intimacy aid growth?", "what is the boiling point of mercury?"]) == 0
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2
    first, second = (json.loads(line) for line in out)
    assert first["question"] == "in what ways does intimacy aid growth?"
    assert first["answered"] is True and len(first["passages"]) == 3
    p = first["passages"][0]
    assert set(p) >= {"text", "title", "article", "passage", "score", "tags", "source"}
    assert p["source"] == "ZeroOpposite" and "post-traumatic growth" in p["tags"]
    assert set(first["safety"]) >= {"note", "crisis", "category", "resources"}
    assert second["answered"] is False and second["passages"] == []


def test_ask_text_output_is_readable(cli_env, capsys):
    assert main(["ask", "does oxytocin reduce stress?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Q: does oxytocin reduce stress?")
    assert "1. " in out and "match)" in out and "unreviewed web article" in out and "Consent" in out
    assert out.count("unreviewed web article") == 1 and "**" in out  # one article, its answering sentence in bold


def test_errors_are_one_line_and_non_zero(cli_env, capsys, tmp_path):
    assert main(["ask", "   "]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: Please give a question")

    assert main(["ask", "--corpus", str(tmp_path / "missing"), "--index", str(tmp_path / "i2"), "hello"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: corpus folder not found: {tmp_path / 'missing'}"]  # before loading the model
    assert main(["index", "build", "--corpus", str(tmp_path / "missing"), "--index", str(tmp_path / "i2")]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [f"error: corpus folder not found: {tmp_path / 'missing'}"]


def test_corrupt_index_is_a_clear_message_and_rebuild_fixes_it(cli_env, capsys):
    assert main(["index", "build"]) == 0
    out = capsys.readouterr().out
    assert "Articles: 1 added" in out and "Passages: 7 embedded, 0 reused" in out
    gen = next((cli_env / "index").glob("gen-*"))
    (gen / "vectors" / "index.faiss").write_bytes(b"garbage")
    assert main(["ask", "what is growth?"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[:-1] == ["Loading the model…"]  # progress first; the error is one line, the last
    assert err[-1].startswith("error: the vectors in") and "damaged" in err[-1]  # names the broken part
    assert err[-1].endswith("Rebuild it with: python -m bot index build")
    assert main(["index", "build"]) == 0
    assert "Full rebuild" in capsys.readouterr().out
    assert main(["index", "build"]) == 0
    assert "No change: the index is up to date (1 article, 7 passages)." in capsys.readouterr().out


def test_a_broken_index_stops_answers_but_never_the_safety_check(cli_env, capsys):
    assert main(["index", "build"]) == 0
    capsys.readouterr()
    gen = next((cli_env / "index").glob("gen-*"))
    (gen / "vectors" / "index.faiss").write_bytes(b"garbage")
    assert main(["ask", "I'm depressed and want to die", "what is growth?"]) == 1
    captured = capsys.readouterr()
    assert "988" in captured.out and "findahelpline.com" in captured.out  # the card, before any index
    assert "what is growth?" not in captured.out  # nothing to answer it with: only the error
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "damaged" in errors[0] and errors[0].endswith("python -m bot index build")
    assert main(["ask", "--json", "I'm depressed and want to die"]) == 1
    line = json.loads(capsys.readouterr().out)
    assert line["outcome"] == "crisis" and line["safety"]["crisis"] is True
    # A check-in too: shown, without claiming that nothing in the library matched.
    assert main(["ask", "my ex used to hit me years ago and I still flinch when someone raises their voice"]) == 1
    out = capsys.readouterr().out
    assert "800-799-7233" in out and "Nothing in the library matches" not in out


def test_index_info_tags_and_tag(cli_env, capsys):
    assert main(["index", "build"]) == 0
    capsys.readouterr()
    assert main(["index", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["model"].startswith("sentence-transformers/all-MiniLM-L6-v2+tuned:") and info["dimension"] == 384
    assert info["passages"] == 7 and info["articles"] == 1
    assert main(["tags"]) == 0
    out = capsys.readouterr().out
    assert "post-traumatic growth  (1 article)" in out
    assert main(["tag", "#PostTraumaticGrowth"]) == 0
    out = capsys.readouterr().out
    assert "Articles tagged 'post-traumatic growth'" in out and "How Sexual Intimacy" in out
    assert main(["tag", "healng"]) == 1
    assert "Did you mean: healing?" in capsys.readouterr().err
    assert main(["tag", "consent"]) == 1  # it shares letters with self-reconstruction, nothing more
    assert capsys.readouterr().err.strip() == "error: No articles are tagged 'consent'."
    assert main(["ask", "--tag", "growht", "what helps?", "and what hurts?"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == "Loading the model…" and len(err) == 3
    assert set(err[1:]) == {"error: No articles are tagged 'growht'. Did you mean: post-traumatic growth?"}


def test_unreadable_corpus_file_is_skipped_with_a_warning(cli_env, capsys):
    (cli_env / "corpus" / "broken.md").write_bytes(b"\xff\xfe broken")
    assert main(["index", "build"]) == 0
    captured = capsys.readouterr()
    assert "warning: Skipped broken.md: not valid UTF-8" in captured.err
    assert "1 in all" in captured.out


def test_bad_setting_is_a_configuration_error(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("BOT_TOP_K", "lots")
    assert main(["ask", "hello"]) == 78
    assert capsys.readouterr().err.strip() == "error: BOT_TOP_K must be a whole number, not 'lots'"


def test_the_bot_refuses_to_start_on_a_corrupt_index_with_a_way_out(cli_env, capsys, monkeypatch):
    assert main(["index", "build"]) == 0
    capsys.readouterr()
    gen = next((cli_env / "index").glob("gen-*"))
    (gen / "passages" / "passages.jsonl").write_text("{truncated")
    monkeypatch.setenv("DISCORD_TOKEN", "not-used-because-start-up-stops-first")
    assert main(["run"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: the index in") and err.endswith("Rebuild it with: python -m bot index build")
    assert "not-used-because" not in err


def test_an_unknown_evaluation_configuration_is_a_usage_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        main(["eval", "retrieval", "--dataset", str(tmp_path), "--config", "dense,hybrid:lots"])
    assert stop.value.code == 2
    assert "unknown configuration 'hybrid:lots'" in capsys.readouterr().err


def test_eval_retrieval_reports_the_bots_own_fusion(cli_env, capsys, monkeypatch):
    data = cli_env / "tiny"
    data.mkdir()
    docs = {"d1": "Trust grows when a partner keeps small promises.", "d2": "Compost feeds earthworms in the garden."}
    (data / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": d, "title": "", "text": t}) + "\n" for d, t in docs.items())
    )
    (data / "queries.jsonl").write_text(json.dumps({"_id": "q1", "text": "how does trust grow?"}) + "\n")
    (data / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n")
    monkeypatch.setenv("BOT_FUSION_ALPHA", "0.25")
    assert main(["eval", "retrieval", "--dataset", str(data), "--config", "dense,hybrid", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    results = {r["config"]: r["metrics"] for r in report[0]["results"]}
    assert set(results) == {"dense", "hybrid:0.25"}  # 'hybrid' follows BOT_FUSION_ALPHA
    assert results["hybrid:0.25"]["mrr@10"] == 1.0


def test_loading_the_model_is_said_once_and_the_timing_covers_the_whole_command(
    cli_env, capsys, monkeypatch, real_embedder
):
    def slow_load(model=None, **kw):
        time.sleep(1.0)  # loading a model takes seconds; the build itself takes less here
        return real_embedder

    monkeypatch.setattr(bot.app, "load_embedder", slow_load)
    assert main(["index", "build"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines().count("Loading the model…") == 1
    took = re.search(r"Took (\d+\.\d) s\.", captured.out)
    assert took is not None and float(took.group(1)) >= 1.0
    assert main(["index", "build", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["seconds"] >= 1.0
    assert main(["tags"]) == 0  # listing tags needs no model
    assert "Loading the model" not in capsys.readouterr().err


@pytest.mark.parametrize("k", ["0", "-1", "11", "three"])
def test_k_out_of_range_is_a_usage_error_like_bot_top_k(k, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["ask", "--k", k, "what helps?"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "argument --k: must be" in err and ("1 and 10" in err or "from 1 to 10" in err)
    with pytest.raises(SettingsError, match="BOT_TOP_K must be between 1 and 10"):
        Settings.from_env({"BOT_TOP_K": "0"}, dotenv=False)


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"python -m bot {bot.__version__}"


def test_corpus_import_says_what_it_did_and_replaces_only_with_force(tmp_path, monkeypatch, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    monkeypatch.chdir(tmp_path)
    (corpus / "page.html").write_text(FOOTER_YEAR_PAGE, encoding="utf-8")
    assert main(["corpus", "import", "corpus/page.html", "--corpus", "corpus", "--site", "Example Journal"]) == 0
    out = capsys.readouterr().out
    assert "Wrote corpus/slow-intimacy.md." in out
    assert "Moved the saved page to corpus/.imported/page.html" in out
    assert main(["corpus", "import", "corpus/.imported/page.html", "--corpus", "corpus"]) == 1
    assert "already exists (imported before?); to replace it, import again with --force" in capsys.readouterr().err
    assert main(["corpus", "import", "corpus/.imported/page.html", "--corpus", "corpus", "--force"]) == 0
    out = capsys.readouterr().out
    assert "Replaced corpus/slow-intimacy.md." in out and "Moved" not in out
