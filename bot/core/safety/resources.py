"""Helplines by locale and category: the packaged file plus a deployment's own, validated on load.

A broken file stops the start with one line that names the file and the field (SafetyDataError),
never a failed crisis reply later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources as pkg_resources
from pathlib import Path
from typing import Iterable

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import BotError

CATEGORIES = ("suicide", "sexual_assault", "partner_violence", "child_abuse", "immediate_danger")
# Resource lists a locale may define: the crisis categories (immediate danger is the emergency
# number) and the lines for young people.
RESOURCE_KINDS = ("suicide", "sexual_assault", "partner_violence", "child_abuse", "youth")
PACKAGED = "resources.yaml"


class SafetyDataError(BotError):
    """A safety data file (helplines, messages, training data) is unusable."""


class Resource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    contact: str = Field(min_length=1)
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _https(cls, url: str | None) -> str | None:
        if url is not None and not re.match(r"^https?://[^\s/]+\.[^\s]+$", url):
            raise ValueError("must be an http(s) address")
        return url

    def line(self) -> str:
        tail = (
            f" ({self.url.removeprefix('https://').removeprefix('http://').removeprefix('www.')})" if self.url else ""
        )
        return f"{self.name}: {self.contact}{tail}"

    def as_dict(self) -> dict:
        return {"name": self.name, "contact": self.contact, "url": self.url}


class LocaleLines(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    emergency: str | None = Field(default=None, min_length=1)
    suicide: tuple[Resource, ...] = ()
    sexual_assault: tuple[Resource, ...] = ()
    partner_violence: tuple[Resource, ...] = ()
    child_abuse: tuple[Resource, ...] = ()
    youth: tuple[Resource, ...] = ()


class ResourceFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    always: tuple[Resource, ...] | None = None
    locales: dict[str, LocaleLines] = {}


def normalize_locale(locale: str | None) -> str:
    """'en_gb', 'EN-GB' and 'en-GB' are all 'en-GB'; 'zh-hant-tw' is 'zh-Hant-TW'; '' stays ''."""
    parts = [p for p in re.split(r"[-_]", (locale or "").strip()) if p]
    if not parts:
        return ""
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())  # a script
        elif len(part) in (2, 3):
            out.append(part.upper())  # a region: GB, 419
        else:
            out.append(part.lower())
    return "-".join(out)


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc)


def read_resource_file(path: Path | str, text: str | None = None) -> ResourceFile:
    """Parse and validate one file; SafetyDataError names the file and the first bad field."""
    name = str(path)
    try:
        data = yaml.safe_load(text if text is not None else Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SafetyDataError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise SafetyDataError(f"{name}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SafetyDataError(f"{name}: expected a mapping with 'locales' and/or 'always'")
    try:
        parsed = ResourceFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SafetyDataError(f"{name}: {_where(first['loc'])}: {first['msg']}") from None
    for locale in parsed.locales:
        if locale != "default" and normalize_locale(locale) != locale:
            raise SafetyDataError(f"{name}: locales.{locale}: write the locale as {normalize_locale(locale)}")
    return parsed


@dataclass(frozen=True)
class ResourceBook:
    """Helplines for a locale and categories; findahelpline.com (``always``) on every card."""

    always: tuple[Resource, ...]
    locales: dict[str, LocaleLines]

    @classmethod
    def load(cls, override: Path | str | None = None) -> ResourceBook:
        packaged = pkg_resources.files("bot.data.safety").joinpath(PACKAGED)
        base = read_resource_file(f"bot/data/safety/{PACKAGED}", packaged.read_text(encoding="utf-8"))
        always = base.always or ()
        locales = dict(base.locales)
        if override:
            extra = read_resource_file(override)
            if extra.always is not None:
                always = extra.always
            for locale, lines in extra.locales.items():
                old = locales.get(locale)
                merged = (old.model_dump() if old else {}) | lines.model_dump(exclude_unset=True)
                locales[locale] = LocaleLines.model_validate(merged)
        if not always:
            raise SafetyDataError("the helpline files define no 'always' line (findahelpline.com) for every card")
        if "default" not in locales or not locales["default"].emergency:
            raise SafetyDataError("the helpline files need locales.default.emergency")
        return cls(tuple(always), locales)

    def lines_for(self, locale: str | None) -> LocaleLines:
        """The locale's lines: exact match, then its language alone ('de-AT' -> 'de'), then default."""
        locale = normalize_locale(locale)
        if locale in self.locales:
            return self.locales[locale]
        language = locale.split("-")[0]
        return self.locales.get(language) or self.locales["default"]

    def emergency(self, locale: str | None) -> str:
        return self.lines_for(locale).emergency or self.locales["default"].emergency or "your local emergency number"

    def for_categories(self, categories: Iterable[str], locale: str | None) -> list[Resource]:
        lines = self.lines_for(locale)
        out: list[Resource] = []
        for kind in categories:
            for r in getattr(lines, kind, ()) if kind in RESOURCE_KINDS else ():
                if r not in out:
                    out.append(r)
        out += [r for r in self.always if r not in out]
        return out
