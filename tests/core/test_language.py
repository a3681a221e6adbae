"""Questions in other languages: a kind note in that language, never quotes matched on noise."""

from __future__ import annotations

import pytest

from bot.core.language import LanguageGuess
from bot.core.pipeline import Kind
from bot.settings import Settings, SettingsError


@pytest.mark.parametrize(
    "text, language",
    [
        ("¿cómo ayuda la intimidad al crecimiento después de un trauma?", "es"),
        ("comment l'intimité aide-t-elle à guérir après un traumatisme ?", "fr"),
        ("wie hilft Intimität nach einem Trauma?", "de"),
        ("jak intymność pomaga po traumie?", "pl"),
        ("как близость помогает после травмы?", "ru"),
    ],
)
def test_a_confident_other_language_is_told(text, language):
    assert LanguageGuess().foreign(text, frozenset({"en"})) == language


@pytest.mark.parametrize(
    "text",
    [
        "in what ways does intimacy aid growth?",
        "hi bot",
        "lol kms",
        "FRIES consent",
        "ptsd and sex",
        "idk",
        "what does EMDR stand for",
        "zzzq xxqq vvvw",
    ],
)
def test_english_short_messages_and_keyboard_mash_are_not(text):
    assert LanguageGuess().foreign(text, frozenset({"en"})) is None


def test_the_library_answers_in_the_members_language_and_names_helplines(library):
    outcome = library.ask("¿cómo ayuda la intimidad al crecimiento después de un trauma?")
    assert outcome.kind is Kind.OTHER_LANGUAGE and outcome.private
    assert "inglés" in outcome.message and "findahelpline.com" in outcome.message
    library.languages = None  # a multilingual model: BOT_LANGUAGES=any
    assert library.ask("¿cómo ayuda la intimidad al crecimiento después de un trauma?").kind is Kind.ANSWERED


def test_a_crisis_in_another_language_the_rules_know_still_gets_the_card(library):
    outcome = library.ask("I want to kill myself, ayúdame por favor no sé qué hacer", locale="es-ES")
    assert outcome.kind is Kind.CRISIS


def test_languages_setting():
    assert Settings.from_env({}, dotenv=False).languages == frozenset({"en"})
    assert Settings.from_env({"BOT_LANGUAGES": "any"}, dotenv=False).languages is None
    assert Settings.from_env({"BOT_LANGUAGES": "en, es"}, dotenv=False).languages == frozenset({"en", "es"})
    with pytest.raises(SettingsError, match="BOT_LANGUAGES"):
        Settings.from_env({"BOT_LANGUAGES": "english!"}, dotenv=False)
