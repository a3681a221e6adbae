"""Labelled messages for training, calibrating and measuring crisis detection (JSON Lines, validated).

One object per line: ``text``, ``expect`` (crisis, check_in, none), ``category`` (one of the five
for crisis and check_in; for none, null, "none", or the category a harmless look-alike resembles,
kept as ``resembles``), ``supporter``, ``minor``, ``kind``. The training and
development files ship in bot/data/safety/; the blind batch lives in tests/data/blind/.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from importlib import resources as pkg_resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .resources import SafetyDataError

Category = Literal["suicide", "sexual_assault", "partner_violence", "child_abuse", "immediate_danger"]
Level = Literal["crisis", "check_in", "none"]


class Example(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    text: str = Field(min_length=1, max_length=8000)
    expect: Level
    category: Category | None = None
    supporter: bool = False
    minor: bool = False
    kind: str = ""
    resembles: Category | None = None  # a harmless message's look-alike category, when its writer gave one
    source: str = ""  # the file it came from (set by the loader)

    @model_validator(mode="before")
    @classmethod
    def _look_alike(cls, data: object) -> object:
        """A harmless message may name the category it looks like; it is not its category."""
        if isinstance(data, dict) and data.get("expect") == "none" and data.get("category") is not None:
            category = data["category"]
            data = {**data, "category": None, "resembles": None if category == "none" else category}
        return data

    @model_validator(mode="after")
    def _category_matches_level(self) -> Example:
        if self.expect == "none" and self.category is not None:
            raise ValueError("category must be null when expect is none")
        if self.expect != "none" and self.category is None:
            raise ValueError(f"category is required when expect is {self.expect}")
        return self

    @property
    def risky(self) -> bool:
        return self.expect != "none"


def parse_examples(text: str, name: str) -> list[Example]:
    out: list[Example] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            out.append(Example.model_validate({**data, "source": name}))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(line)"
            raise SafetyDataError(f"{name}:{number}: {where}: {first['msg']}") from None
        except ValueError as exc:
            raise SafetyDataError(f"{name}:{number}: not a JSON object ({exc})") from None
    return out


def load_examples(paths: Iterable[Path | str]) -> list[Example]:
    out: list[Example] = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SafetyDataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        out += parse_examples(text, Path(path).name)
    return out


def packaged(folder: str) -> list[Path]:
    """The JSON Lines files of a packaged folder (train, dev, claims), sorted."""
    root = pkg_resources.files("bot.data.safety").joinpath(folder)
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".jsonl"))


def fingerprint(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()
