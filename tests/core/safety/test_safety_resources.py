"""Helplines and wording: validated on load, every locale and category renders, locales normalized."""

from __future__ import annotations

from importlib import resources as pkg

import pytest
import yaml

from bot.core.safety import Assessment, ResourceBook, SafetyDataError, SafetyPolicy, messages, normalize_locale
from bot.core.safety.messages import parse_messages
from bot.core.safety.resources import CATEGORIES, RESOURCE_KINDS, read_resource_file


def test_locales_are_normalized():
    for raw in ("en-gb", "en_GB", "EN-GB", " en-GB "):
        assert normalize_locale(raw) == "en-GB"
    assert normalize_locale("zh-hant-tw") == "zh-Hant-TW"
    assert normalize_locale("es-419") == "es-419"
    assert normalize_locale("DE") == "de"
    assert normalize_locale(None) == normalize_locale("") == ""


def test_uk_lines_whatever_the_spelling_of_the_locale():
    book = ResourceBook.load()
    for locale in ("en-GB", "en-gb", "en_GB", "EN-GB"):
        assert book.for_categories(["suicide"], locale)[0].name == "Samaritans"
        assert book.emergency(locale) == "999"


def test_resources_follow_the_locale_and_never_only_the_us():
    book = ResourceBook.load()
    us = [r.name for r in book.for_categories(["suicide"], "en-US")]
    assert us[:2] == ["988 Suicide & Crisis Lifeline", "Crisis Text Line"] and "Find A Helpline" in us
    assert book.emergency("en-US") == "911"
    assert [r.name for r in book.for_categories(["suicide"], "ja")] == ["Find A Helpline"]
    assert book.emergency("ja") == book.emergency(None) == "your local emergency number"
    assert "RAINN" in book.for_categories(["sexual_assault"], "en-US")[0].name
    assert "800-799-7233" in book.for_categories(["partner_violence"], "en-US")[0].contact
    assert "1-800-422-4453" in book.for_categories(["child_abuse"], "en-US")[0].contact
    assert book.lines_for("de-AT") is book.lines_for("de")  # a regional locale falls back to its language


@pytest.mark.parametrize("supporter", [False, True])
@pytest.mark.parametrize("minor", [False, True])
def test_a_card_renders_for_every_locale_and_category_of_the_shipped_file(supporter, minor):
    book = ResourceBook.load()
    policy = SafetyPolicy(book, learned=False)
    for locale in book.locales:
        for category in CATEGORIES:
            a = Assessment("crisis", category, (category,), supporter, minor)
            card = policy.crisis_card(a, locale)
            assert "findahelpline.com" in card and book.emergency(locale) in card
            assert messages().bot_disclaimer in card
            for r in policy.resources_for(a, locale):
                assert r.line() in card
            assert len(card) < 1500


def test_every_shipped_locale_names_its_emergency_number_and_lines_per_category():
    data = read_resource_file("resources.yaml", pkg.files("bot.data.safety").joinpath("resources.yaml").read_text())
    for locale, lines in data.locales.items():
        if locale == "default":
            continue
        assert lines.emergency, locale
        for kind in RESOURCE_KINDS:
            assert getattr(lines, kind), f"{locale} has no {kind} line"


def test_deployments_add_their_own_lines(tmp_path):
    extra = tmp_path / "res.yaml"
    extra.write_text(
        "locales:\n  ja:\n    emergency: '119'\n    suicide:\n"
        "      - {name: Inochi no Denwa, contact: call 0570-783-556}\n",
        encoding="utf-8",
    )
    book = ResourceBook.load(extra)
    assert book.for_categories(["suicide"], "ja")[0].name == "Inochi no Denwa"
    assert book.emergency("ja") == "119"
    assert book.for_categories(["suicide"], "en-US")[0].name == "988 Suicide & Crisis Lifeline"
    assert book.for_categories(["suicide"], "en-GB")[0].name == "Samaritans"  # merged, not replaced


@pytest.mark.parametrize(
    "body, where",
    [
        ("locales:\n  en-US:\n    suicide:\n      - {name: Line}\n", "locales.en-US.suicide.0.contact"),
        ("locales:\n  en-US:\n    suicde:\n      - {name: Line, contact: x}\n", "locales.en-US.suicde"),
        (
            "locales:\n  en-US:\n    suicide:\n      - {name: Line, contact: x, url: not a link}\n",
            "locales.en-US.suicide.0.url",
        ),
        ("locales:\n  en_gb:\n    emergency: '999'\n", "locales.en_gb"),
        ("locales: [1, 2]\n", "locales"),
        ("always: {name: x}\n", "always"),
        ("locales:\n  en-US: {emergency: \n", "not valid YAML"),
    ],
)
def test_a_broken_helpline_file_is_one_line_naming_the_file_and_the_field(tmp_path, body, where):
    bad = tmp_path / "mine.yaml"
    bad.write_text(body, encoding="utf-8")
    with pytest.raises(SafetyDataError) as err:
        ResourceBook.load(bad)
    message = str(err.value)
    assert str(bad) in message and where in message and "\n" not in message


def test_a_broken_resources_file_stops_the_start_not_a_crisis_reply(tmp_path, monkeypatch):
    from bot.__main__ import main

    bad = tmp_path / "mine.yaml"
    bad.write_text("locales:\n  en-US:\n    suicide:\n      - {name: Line}\n", encoding="utf-8")
    monkeypatch.setenv("BOT_RESOURCES_FILE", str(bad))
    monkeypatch.setenv("BOT_INDEX_DIR", str(tmp_path / "index"))
    assert main(["ask", "hello"]) == 78  # before any model or index is loaded


def test_the_wording_is_validated():
    text = pkg.files("bot.data.safety").joinpath("messages.yaml").read_text()
    data = yaml.safe_load(text)
    del data["openings"]["child_abuse"]
    with pytest.raises(SafetyDataError, match="openings"):
        parse_messages(yaml.safe_dump(data))
    data = yaml.safe_load(text)
    data["emergency_line"] = "call now"
    with pytest.raises(SafetyDataError, match="emergency_line"):
        parse_messages(yaml.safe_dump(data))


def test_the_consent_note_is_short_and_fries():
    note = messages().consent_note
    assert len(note) < 300 and len(messages().claim_note) < 200
    for word in ("freely given", "reversible", "informed", "enthusiastic", "specific"):
        assert word in note.lower()


def test_labelled_messages_are_validated_and_a_look_alike_category_is_kept_apart():
    from bot.core.safety.examples import parse_examples

    lines = [
        '{"text": "this exam is killing me", "expect": "none", "category": "suicide"}',
        '{"text": "what is consent", "expect": "none", "category": "none"}',
        '{"text": "he hit me again", "expect": "crisis", "category": "partner_violence"}',
    ]
    idiom, question, risky = parse_examples("\n".join(lines), "t.jsonl")
    assert (idiom.category, idiom.resembles, idiom.risky) == (None, "suicide", False)
    assert (question.category, question.resembles) == (None, None)
    assert (risky.category, risky.resembles, risky.risky) == ("partner_violence", None, True)
    with pytest.raises(SafetyDataError, match="t.jsonl:1: .*category is required"):
        parse_examples('{"text": "i want to die", "expect": "crisis"}', "t.jsonl")
    with pytest.raises(SafetyDataError, match="t.jsonl:1: resembles"):
        parse_examples('{"text": "x", "expect": "none", "category": "weather"}', "t.jsonl")
