"""A Discord question-answering bot over a library of articles on intimacy, trauma and growth."""

__version__ = "0.1.0"
