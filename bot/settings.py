"""Settings from the environment (and an optional, git-ignored ``.env``), validated once at start-up."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping, overload

from .core.errors import BotError
from .core.safety.resources import normalize_locale
from .core.search import DEFAULT_FUSION_ALPHA, DEFAULT_MIN_SCORE, DEFAULT_MIN_SCORES
from .core.vectors import INDEX_TYPES

EXIT_CONFIG = 78  # EX_CONFIG (sysexits.h): a setting, token or data file is wrong


class SettingsError(BotError):
    """A setting is wrong; the command exits with EXIT_CONFIG."""


TOP_K_RANGE = (1, 10)  # passages per answer: BOT_TOP_K and the CLI's --k


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not '{raw[:40]}'") from None
    if not lo <= value <= hi:
        raise SettingsError(f"{name} must be between {lo} and {hi}, not {value}")
    return value


@overload
def _float(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float: ...
@overload
def _float(env: Mapping[str, str], name: str, default: None, lo: float, hi: float) -> float | None: ...
def _float(env: Mapping[str, str], name: str, default: float | None, lo: float, hi: float) -> float | None:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not '{raw[:40]}'") from None
    if not lo <= value <= hi:
        raise SettingsError(f"{name} must be between {lo} and {hi}, not {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, not '{raw[:40]}'")


def _is_number(raw: str) -> bool:
    try:
        float(raw)
    except ValueError:
        return False
    return True


def _ids(env: Mapping[str, str], name: str, what: str = "Discord ids") -> tuple[int, ...]:
    raw = env.get(name, "").strip()
    if not raw:
        return ()
    out = []
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise SettingsError(f"{name} must be a comma-separated list of {what}, not '{part[:40]}'")
        out.append(int(part))
    return tuple(out)


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    model: str = "all-MiniLM-L6-v2"
    encoder: str = "torch"
    index_type: str = "auto"
    model_cache: Path | None = None  # exported encoders; default: index_dir/models
    min_score: float | None = None  # None: the calibrated threshold of the encoder (DEFAULT_MIN_SCORES)
    fusion_alpha: float = DEFAULT_FUSION_ALPHA
    top_k: int = 3
    locale: str = "en-US"
    resources_file: Path | None = None
    # Discord
    token: str | None = field(default=None, repr=False)
    answer_channels: tuple[int, ...] = ()  # opt-in: answer every message here (Message Content intent)
    moderator_role: int | None = None
    cooldown_seconds: float = 15.0
    cooldown_per_channel: int = 20  # questions per channel per minute
    dev_guild: int | None = None
    shard_count: int | None = None  # with shard_ids: this process runs only those shards (docs/scaling.md)
    shard_ids: tuple[int, ...] = ()
    ephemeral_answers: bool = False
    feedback_file: Path = Path("data/feedback.jsonl")
    feedback_keep_question: bool = False
    log_questions: bool = False
    languages: frozenset[str] | None = frozenset({"en"})  # what BOT_MODEL reads; None: any (multilingual)
    crisis_alert_channel: int | None = None  # opt-in: tell moderators here when a crisis card is shown
    crisis_alert_text: bool = False  # ... and include the message text (off: category, channel, link only)
    # Moderators: /library, automatic refresh, threads and forums
    moderator_channel: int | None = None  # where automatic refresh reports go
    auto_refresh_watch: bool = False  # opt-in: refresh when the corpus folder changes
    auto_refresh_minutes: float | None = None  # opt-in: refresh on a period (when something changed)
    fetch_allow_private: bool = False  # /library add url: may fetch private and loopback addresses
    unanswered_file: Path | None = None  # default: unanswered.jsonl beside the feedback file
    answer_in_threads: bool = False  # answer channels: answer in a thread started on the question
    forum_channels: tuple[int, ...] = ()  # opt-in: answer the first message of each new post (Message Content)

    @property
    def relevance_threshold(self) -> float:
        """BOT_MIN_SCORE, or the threshold calibrated for the encoder."""
        if self.min_score is not None:
            return self.min_score
        return DEFAULT_MIN_SCORES.get(self.encoder, DEFAULT_MIN_SCORE)

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
        return replace(self, **changes) if changes else self

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> "Settings":
        if env is None:
            if dotenv:
                from dotenv import load_dotenv

                load_dotenv(override=False)
            env = os.environ
        visibility = env.get("BOT_ANSWER_VISIBILITY", "public").strip().lower() or "public"
        if visibility not in {"public", "ephemeral"}:
            raise SettingsError(f"BOT_ANSWER_VISIBILITY must be 'public' or 'ephemeral', not '{visibility[:40]}'")
        role = _ids(env, "BOT_MODERATOR_ROLE_ID")
        guild = _ids(env, "BOT_DEV_GUILD_ID")
        alert = _ids(env, "BOT_CRISIS_ALERT_CHANNEL_ID")
        raw_languages = env.get("BOT_LANGUAGES", "").strip().lower() or "en"
        if raw_languages == "any":
            languages = None
        else:
            languages = frozenset(p.strip() for p in raw_languages.replace(";", ",").split(",") if p.strip())
            if not languages or not all(re.fullmatch(r"[a-z]{2,3}", p) for p in languages):
                raise SettingsError(
                    "BOT_LANGUAGES must be 'any' or comma-separated language codes such as "
                    f"'en' or 'en,es', not '{raw_languages[:40]}'"
                )
        resources = env.get("BOT_RESOURCES_FILE", "").strip()
        if resources and not Path(resources).is_file():
            raise SettingsError(f"BOT_RESOURCES_FILE points to a file that does not exist: {resources}")
        token = env.get("DISCORD_TOKEN", "").strip() or None
        encoder = env.get("BOT_ENCODER", "").strip().lower() or "torch"
        if encoder not in ("torch", "onnx-int8"):
            raise SettingsError(f"BOT_ENCODER must be 'torch' or 'onnx-int8', not '{encoder[:40]}'")
        shard_count = _int(env, "BOT_SHARD_COUNT", 0, 0, 100_000) or None
        shard_ids = _ids(env, "BOT_SHARD_IDS", "shard numbers")
        if shard_ids and shard_count is None:
            raise SettingsError("BOT_SHARD_IDS needs BOT_SHARD_COUNT (the number of shards across all processes)")
        if any(i >= (shard_count or 0) for i in shard_ids):
            raise SettingsError(f"BOT_SHARD_IDS must be below BOT_SHARD_COUNT ({shard_count})")
        auto = env.get("BOT_AUTO_REFRESH", "").strip().lower()
        auto_minutes = None
        if auto not in ("", "off", "watch"):
            auto_minutes = _float(env, "BOT_AUTO_REFRESH", None, 1.0, 10080.0) if _is_number(auto) else None
            if auto_minutes is None:
                raise SettingsError(
                    f"BOT_AUTO_REFRESH must be 'off', 'watch' or a number of minutes, not '{auto[:40]}'"
                )
        moderator_channel = _ids(env, "BOT_MODERATOR_CHANNEL_ID")
        unanswered = env.get("BOT_UNANSWERED_FILE", "").strip()
        index_type = env.get("BOT_INDEX_TYPE", "").strip().lower() or "auto"
        if index_type not in INDEX_TYPES:
            raise SettingsError(f"BOT_INDEX_TYPE must be one of {', '.join(INDEX_TYPES)}, not '{index_type[:40]}'")
        return cls(
            corpus_dir=Path(env.get("BOT_CORPUS_DIR", "").strip() or "corpus"),
            index_dir=Path(env.get("BOT_INDEX_DIR", "").strip() or "index"),
            model=env.get("BOT_MODEL", "").strip() or "all-MiniLM-L6-v2",
            encoder=encoder,
            index_type=index_type,
            model_cache=Path(env["BOT_MODEL_CACHE"].strip()) if env.get("BOT_MODEL_CACHE", "").strip() else None,
            min_score=_float(env, "BOT_MIN_SCORE", None, -1.0, 1.0),
            fusion_alpha=_float(env, "BOT_FUSION_ALPHA", DEFAULT_FUSION_ALPHA, 0.0, 1.0),
            top_k=_int(env, "BOT_TOP_K", 3, *TOP_K_RANGE),
            locale=normalize_locale(env.get("BOT_LOCALE", "")) or "en-US",
            resources_file=Path(resources) if resources else None,
            token=token,
            answer_channels=_ids(env, "BOT_ANSWER_CHANNEL_IDS"),
            moderator_role=role[0] if role else None,
            cooldown_seconds=_float(env, "BOT_COOLDOWN_SECONDS", 15.0, 0.0, 3600.0),
            cooldown_per_channel=_int(env, "BOT_CHANNEL_RATE_PER_MINUTE", 20, 1, 10000),
            dev_guild=guild[0] if guild else None,
            shard_count=shard_count,
            shard_ids=shard_ids,
            ephemeral_answers=visibility == "ephemeral",
            feedback_file=Path(env.get("BOT_FEEDBACK_FILE", "").strip() or "data/feedback.jsonl"),
            feedback_keep_question=_bool(env, "BOT_FEEDBACK_KEEP_QUESTION", False),
            log_questions=_bool(env, "BOT_LOG_QUESTIONS", False),
            languages=languages,
            crisis_alert_channel=alert[0] if alert else None,
            crisis_alert_text=_bool(env, "BOT_CRISIS_ALERT_INCLUDE_TEXT", False),
            moderator_channel=moderator_channel[0] if moderator_channel else None,
            auto_refresh_watch=auto == "watch",
            auto_refresh_minutes=auto_minutes,
            fetch_allow_private=_bool(env, "BOT_FETCH_ALLOW_PRIVATE", False),
            unanswered_file=Path(unanswered) if unanswered else None,
            answer_in_threads=_bool(env, "BOT_ANSWER_IN_THREADS", False),
            forum_channels=_ids(env, "BOT_FORUM_CHANNEL_IDS"),
        )
