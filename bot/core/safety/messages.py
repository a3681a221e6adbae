"""The safety layer's wording, from bot/data/safety/messages.yaml, validated on load."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources as pkg_resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .resources import CATEGORIES, SafetyDataError

FILE = "bot/data/safety/messages.yaml"


class Messages(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    consent_note: str = Field(min_length=1, max_length=300)
    unreviewed_label: str = Field(min_length=1, max_length=80)
    claim_note: str = Field(min_length=1, max_length=200)
    growth_note: str = Field(min_length=1, max_length=400)
    disclosure_note: str = Field(min_length=1, max_length=200)
    bot_disclaimer: str = Field(min_length=1)
    emergency_line: str = Field(min_length=1)
    openings: dict[str, str]
    supporter_openings: dict[str, str]
    check_in: str
    check_in_who_self: str
    check_in_who_supporter: str
    minor_message: str
    too_long_note: str
    moderators_told: str
    other_language: dict[str, str]

    @field_validator("openings", "supporter_openings")
    @classmethod
    def _every_category(cls, value: dict[str, str]) -> dict[str, str]:
        missing = [c for c in CATEGORIES if not (value.get(c) or "").strip()]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        unknown = sorted(set(value) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown categories {', '.join(unknown)}")
        return value

    @field_validator("other_language")
    @classmethod
    def _english_and_helplines(cls, value: dict[str, str]) -> dict[str, str]:
        if "en" not in value:
            raise ValueError("needs an 'en' entry for languages without their own")
        missing = [lang for lang, text in value.items() if "findahelpline.com" not in text]
        if missing:
            raise ValueError(f"every entry must name findahelpline.com (not: {', '.join(missing)})")
        return value

    @field_validator("emergency_line")
    @classmethod
    def _emergency_slot(cls, value: str) -> str:
        if "{emergency}" not in value:
            raise ValueError("must contain {emergency}")
        return value

    @field_validator("check_in")
    @classmethod
    def _check_in_slots(cls, value: str) -> str:
        if "{line}" not in value or "{who}" not in value:
            raise ValueError("must contain {who} and {line}")
        return value


def parse_messages(text: str, name: str = FILE) -> Messages:
    try:
        data = yaml.safe_load(text)
        return Messages.model_validate(data if isinstance(data, dict) else {})
    except yaml.YAMLError as exc:
        raise SafetyDataError(f"{name}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise SafetyDataError(f"{name}: {where}: {first['msg']}") from None


@lru_cache(maxsize=1)
def messages() -> Messages:
    return parse_messages(pkg_resources.files("bot.data.safety").joinpath("messages.yaml").read_text(encoding="utf-8"))
