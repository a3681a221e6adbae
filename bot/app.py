"""Builds the library from settings: the one place where the model, safety and index come together."""

from __future__ import annotations

from typing import Callable

from .core.embedder import Embedder, load_embedder
from .core.library import Library
from .core.safety import CrisisDetector, ResourceBook, SafetyPolicy, SemanticLayer
from .settings import Settings, SettingsError


def make_policy(settings: Settings, get_embedder: Callable[[], Embedder] | None) -> SafetyPolicy:
    try:
        book = ResourceBook.load(settings.resources_file)
    except (OSError, ValueError, TypeError) as exc:
        raise SettingsError(f"cannot read BOT_RESOURCES_FILE ({exc})") from None
    semantic = SemanticLayer(get_embedder) if (settings.semantic_safety and get_embedder is not None) else None
    return SafetyPolicy(book, CrisisDetector(semantic))


def make_library(settings: Settings, embedder: Embedder | None = None) -> Library:
    """The library; the model loads on first use unless an embedder is given (tests, benchmarks)."""
    # The policy's semantic layer asks the library for its (lazily loaded) model when first needed.
    policy = make_policy(settings, lambda: library.embedder)
    library = Library(settings.corpus_dir, settings.index_dir,
                      embedder if embedder is not None else (lambda: load_embedder(
                          settings.model, encoder=settings.encoder, cache_dir=settings.model_cache_dir)),
                      policy, min_score=settings.relevance_threshold, top_k=settings.top_k, fusion_alpha=settings.fusion_alpha,
                      index_type=settings.index_type)
    return library
