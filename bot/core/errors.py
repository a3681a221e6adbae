"""One error type per domain, each with a message that is safe to show to a user."""

from __future__ import annotations


class BotError(Exception):
    """Base class: ``str(error)`` is a complete, user-safe sentence."""


class CorpusError(BotError):
    """The corpus folder or an article file cannot be used."""


class ArticleError(CorpusError):
    """One article file cannot be read; the rest of the corpus still can."""


class IndexError_(BotError):
    """The index on disk is missing, corrupt or built with another model."""


class IndexMissing(IndexError_):
    pass


class IndexCorrupt(IndexError_):
    pass


class IndexMismatch(IndexError_):
    pass


class IndexBusy(IndexError_):
    """A refresh is already running."""


class QuestionError(BotError):
    """The question cannot be answered as asked (empty, too long...)."""


class ModelError(BotError):
    """The embedding model cannot be loaded."""
