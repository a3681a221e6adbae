"""Builds the library from settings: the one place where the model, safety and index come together."""

from __future__ import annotations

from typing import Callable

from .core.embedder import load_embedder
from .core.library import Library
from .core.safety import ResourceBook, SafetyDataError, SafetyPolicy, messages
from .settings import Settings, SettingsError


def make_policy(settings: Settings) -> SafetyPolicy:
    """The safety policy, its data checked now: a broken helpline file stops the start, never a reply."""
    try:
        book = ResourceBook.load(settings.resources_file)
        text = messages()
    except SafetyDataError as exc:
        raise SettingsError(str(exc)) from None
    return SafetyPolicy(book, text=text, moderators_alerted=settings.crisis_alert_channel is not None)


def make_library(
    settings: Settings,
    embedder=None,
    *,
    on_model_load: Callable[[], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> Library:
    """The library; the model loads on first use unless an embedder is given (tests, benchmarks).

    ``on_model_load`` is called just before the model loads (the CLI says so: it takes seconds);
    ``notify`` hears a line before the encoder is tuned (once per machine, a minute or two).
    """

    def load():
        if on_model_load is not None:
            on_model_load()
        return load_embedder(
            settings.model,
            encoder=settings.encoder,
            cache_dir=settings.model_cache_dir,
            tune=settings.tune,
            notify=notify,
        )

    return Library(
        settings.corpus_dir,
        settings.index_dir,
        embedder if embedder is not None else load,
        make_policy(settings),
        min_score=settings.relevance_threshold,
        top_k=settings.top_k,
        fusion_alpha=settings.fusion_alpha,
        index_type=settings.index_type,
        model_cache=settings.model_cache_dir,
        languages=settings.languages,
    )
