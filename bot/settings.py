"""Settings from the environment (and an optional, git-ignored ``.env``), validated once at start-up.

``Settings`` is a pydantic-settings model: every ``BOT_*`` variable (and ``DISCORD_TOKEN``) is a field, with
its default, range or choices written beside it. ``Settings.from_env`` reads them; building ``Settings(...)``
directly (as the tests do) reads nothing from the environment.

A little over 300 lines: one model of every setting, its validators, and the one-line messages for a
bad value belong together (a reader looks up a variable in one place).
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Mapping

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from .core.embedder import Encoder, Tune
from .core.errors import BotError
from .core.safety.resources import normalize_locale
from .core.search import DEFAULT_FUSION_ALPHA, DEFAULT_MIN_SCORE, DEFAULT_MIN_SCORES
from .core.tuning import tunes
from .core.vectors import IndexType

EXIT_CONFIG = 78  # EX_CONFIG (sysexits.h): a setting, token or data file is wrong


class SettingsError(BotError):
    """A setting is wrong; the command exits with EXIT_CONFIG."""


TOP_K_RANGE = (1, 10)  # passages per answer: BOT_TOP_K and the CLI's --k


# The environment from_env reads; None (the default): Settings(...) reads only its arguments.
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("_ENVIRON", default=None)


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping (os.environ, or a test's dict)."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._env = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {(k if self.case_sensitive else k.lower()): v for k, v in self._env.items()}


def _ids(raw: Any, what: str = "Discord ids") -> Any:
    """'1, 2;3' -> (1, 2, 3); anything but a string is left to the field's type."""
    if not isinstance(raw, str):
        return raw
    out = []
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ValueError(f"must be a comma-separated list of {what}, not '{part[:40]}'")
        out.append(int(part))
    return tuple(out)


def _first_id(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    ids = _ids(raw)
    return ids[0] if ids else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BOT_",
        env_file=None,  # from_env passes .env
        extra="ignore",  # other BOT_* variables (the tests' BOT_TEST_*) and .env lines are not settings
        frozen=True,
        populate_by_name=True,  # Settings(token=...) besides DISCORD_TOKEN
        enable_decoding=False,  # lists are comma-separated, not JSON
    )

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    model: str = "all-MiniLM-L6-v2"
    encoder: Encoder = "torch"
    tune: Tune = "auto"  # fine-tune the model on members' questions first (bot/core/tuning.py)
    index_type: IndexType = "auto"
    model_cache: Path | None = None  # exported encoders; default: index_dir/models
    # None: the calibrated threshold of the encoder (DEFAULT_MIN_SCORES)
    min_score: float | None = Field(default=None, ge=-1.0, le=1.0)
    fusion_alpha: float = Field(default=DEFAULT_FUSION_ALPHA, ge=0.0, le=1.0)
    top_k: int = Field(default=3, ge=TOP_K_RANGE[0], le=TOP_K_RANGE[1])
    locale: str = "en-US"
    resources_file: Path | None = None
    # Discord
    token: str | None = Field(default=None, repr=False, validation_alias="DISCORD_TOKEN")
    # opt-in: answer every message here (Message Content intent)
    answer_channels: tuple[int, ...] = Field(default=(), validation_alias="BOT_ANSWER_CHANNEL_IDS")
    moderator_role: int | None = Field(default=None, validation_alias="BOT_MODERATOR_ROLE_ID")
    cooldown_seconds: float = Field(default=15.0, ge=0.0, le=3600.0)
    # questions per channel per minute
    cooldown_per_channel: int = Field(default=20, ge=1, le=10000, validation_alias="BOT_CHANNEL_RATE_PER_MINUTE")
    dev_guild: int | None = Field(default=None, validation_alias="BOT_DEV_GUILD_ID")
    # with shard_ids: this process runs only those shards (docs/scaling.md); 0 or unset: all
    shard_count: int | None = Field(default=None, ge=0, le=100_000)
    shard_ids: tuple[int, ...] = ()
    # BOT_ANSWER_VISIBILITY: public or ephemeral
    ephemeral_answers: bool = Field(default=False, validation_alias="BOT_ANSWER_VISIBILITY")
    feedback_file: Path = Path("data/feedback.jsonl")
    feedback_keep_question: bool = False
    log_questions: bool = False
    languages: frozenset[str] | None = frozenset({"en"})  # what BOT_MODEL reads; None ('any'): multilingual
    # opt-in: tell moderators here when a crisis card is shown
    crisis_alert_channel: int | None = Field(default=None, validation_alias="BOT_CRISIS_ALERT_CHANNEL_ID")
    # ... and include the message text (off: category, channel, link only)
    crisis_alert_text: bool = Field(default=False, validation_alias="BOT_CRISIS_ALERT_INCLUDE_TEXT")
    # Moderators: /library, automatic refresh, threads and forums
    moderator_channel: int | None = Field(default=None, validation_alias="BOT_MODERATOR_CHANNEL_ID")  # refresh reports
    # BOT_AUTO_REFRESH: off, watch (refresh when the corpus folder changes) or a period in minutes
    auto_refresh_watch: bool = Field(default=False, validation_alias="BOT_AUTO_REFRESH")
    auto_refresh_minutes: float | None = Field(default=None, validation_alias="BOT_AUTO_REFRESH")
    fetch_allow_private: bool = False  # /library add url: may fetch private and loopback addresses
    unanswered_file: Path | None = None  # default: unanswered.jsonl beside the feedback file
    answer_in_threads: bool = False  # answer channels: answer in a thread started on the question
    # opt-in: answer the first message of each new post (Message Content)
    forum_channels: tuple[int, ...] = Field(default=(), validation_alias="BOT_FORUM_CHANNEL_IDS")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        """Blank values are unset; BOT_AUTO_REFRESH sets both refresh fields."""
        if not isinstance(data, dict):
            return data
        data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        data = {k: v for k, v in data.items() if v != ""}
        auto = data.pop("BOT_AUTO_REFRESH", None)
        if isinstance(auto, str):
            auto = auto.lower()
            data["auto_refresh_watch"] = auto == "watch"
            data["auto_refresh_minutes"] = None
            if auto not in ("off", "watch"):
                try:
                    minutes = float(auto)
                except ValueError:
                    raise ValueError(
                        f"BOT_AUTO_REFRESH must be 'off', 'watch' or a number of minutes, not '{auto[:40]}'"
                    ) from None
                if not 1.0 <= minutes <= 10080.0:
                    raise ValueError(f"BOT_AUTO_REFRESH must be between 1.0 and 10080.0 minutes, not {minutes}")
                data["auto_refresh_minutes"] = minutes
        return data

    @field_validator("encoder", "index_type", "tune", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("locale", mode="before")
    @classmethod
    def _locale(cls, value: Any) -> Any:
        return (normalize_locale(value) or "en-US") if isinstance(value, str) else value

    @field_validator("resources_file")
    @classmethod
    def _resources_exist(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"points to a file that does not exist: {value}")
        return value

    @field_validator("answer_channels", "forum_channels", mode="before")
    @classmethod
    def _channel_ids(cls, value: Any) -> Any:
        return _ids(value)

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _shard_ids(cls, value: Any) -> Any:
        return _ids(value, "shard numbers")

    @field_validator("moderator_role", "dev_guild", "crisis_alert_channel", "moderator_channel", mode="before")
    @classmethod
    def _one_id(cls, value: Any) -> Any:
        return _first_id(value)

    @field_validator("shard_count")
    @classmethod
    def _all_shards(cls, value: int | None) -> int | None:
        return value or None

    @field_validator("ephemeral_answers", mode="before")
    @classmethod
    def _visibility(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if value.lower() not in ("public", "ephemeral"):
            raise ValueError(f"must be 'public' or 'ephemeral', not '{value[:40]}'")
        return value.lower() == "ephemeral"

    @field_validator("languages", mode="before")
    @classmethod
    def _languages(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        raw = value.lower()
        if raw == "any":
            return None
        codes = frozenset(p.strip() for p in raw.replace(";", ",").split(",") if p.strip())
        if not codes or not all(re.fullmatch(r"[a-z]{2,3}", p) for p in codes):
            raise ValueError(
                f"must be 'any' or comma-separated language codes such as 'en' or 'en,es', not '{raw[:40]}'"
            )
        return codes

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids and self.shard_count is None:
            raise ValueError("BOT_SHARD_IDS needs BOT_SHARD_COUNT (the number of shards across all processes)")
        if any(i >= (self.shard_count or 0) for i in self.shard_ids):
            raise ValueError(f"BOT_SHARD_IDS must be below BOT_SHARD_COUNT ({self.shard_count})")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        env = _ENVIRON.get()
        if env is None:
            return (init_settings,)
        return (init_settings, _MappingEnvSource(settings_cls, env), dotenv_settings)

    @property
    def relevance_threshold(self) -> float:
        """BOT_MIN_SCORE, or the threshold calibrated for the encoder."""
        if self.min_score is not None:
            return self.min_score
        return DEFAULT_MIN_SCORES.get((self.encoder, self.tuned), DEFAULT_MIN_SCORE)

    @property
    def tuned(self) -> bool:
        """Whether the encoder is fine-tuned on members' questions (BOT_TUNE; auto: the bundled model)."""
        return tunes(self.model, self.tune)

    @property
    def model_cache_dir(self) -> Path:
        return self.model_cache or self.index_dir / "models"

    @property
    def unanswered_path(self) -> Path:
        return self.unanswered_file or Path(self.feedback_file).with_name("unanswered.jsonl")

    @property
    def message_content(self) -> bool:
        """The privileged Message Content intent: only the opt-in answer channels and forums need it."""
        return bool(self.answer_channels or self.forum_channels)

    def with_paths(
        self, *, corpus: str | Path | None = None, index: str | Path | None = None, model: str | None = None
    ) -> Settings:
        """These settings with the command line's --corpus, --index and --model where given."""
        changes: dict = {}
        if corpus:
            changes["corpus_dir"] = Path(corpus)
        if index:
            changes["index_dir"] = Path(index)
        if model:
            changes["model"] = model
        return self.model_copy(update=changes) if changes else self

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
        """The settings of this run: ``env`` (default os.environ, then the ``.env`` file when dotenv)."""
        env_file = ".env" if env is None and dotenv else None
        token = _ENVIRON.set(os.environ if env is None else env)
        try:
            return cls(_env_file=env_file)  # type: ignore[call-arg]
        except ValidationError as exc:
            raise SettingsError(_one_line(exc.errors()[0])) from None
        finally:
            _ENVIRON.reset(token)


def _field(key: str) -> FieldInfo | None:
    """The field an error's location names: by field name or by its variable (validation alias)."""
    return Settings.model_fields.get(key) or next(
        (f for f in Settings.model_fields.values() if f.validation_alias == key), None
    )


def variable_names() -> set[str]:
    """Every environment variable the settings read (the README's configuration table lists them)."""
    return {_env_name((key,)) for key in Settings.model_fields}


def _env_name(loc: tuple[int | str, ...]) -> str:
    key = str(loc[0])
    field = _field(key)
    if field is not None and isinstance(field.validation_alias, str):
        return field.validation_alias
    return key if key.isupper() else f"BOT_{key.upper()}"


def _one_line(error: Mapping[str, Any]) -> str:
    """One pydantic error as one line naming the variable and what it allows."""
    raw = error.get("input")
    shown = f"'{raw[:40]}'" if isinstance(raw, str) else repr(raw)
    ctx = error.get("ctx") or {}
    kind = error["type"]
    if not error["loc"]:  # a check across settings: its message names them
        return str(ctx.get("error") or error["msg"])
    name = _env_name(error["loc"])
    if kind == "value_error":
        return f"{name} {ctx.get('error')}"
    if kind in ("int_parsing", "int_from_float"):
        return f"{name} must be a whole number, not {shown}"
    if kind == "float_parsing":
        return f"{name} must be a number, not {shown}"
    if kind == "bool_parsing":
        return f"{name} must be true or false, not {shown}"
    if kind in ("greater_than_equal", "less_than_equal"):
        field = _field(str(error["loc"][0]))
        bounds = {type(m).__name__: m for m in (field.metadata if field else [])}
        lo, hi = getattr(bounds.get("Ge"), "ge", None), getattr(bounds.get("Le"), "le", None)
        return f"{name} must be between {lo} and {hi}, not {raw}"
    if kind == "literal_error":
        return f"{name} must be one of {ctx.get('expected', '').replace(' or ', ', ')}, not {shown}"
    return f"{name}: {error['msg']}"
