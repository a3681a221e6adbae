"""The real model for the tests: loaded, and its safety models trained, once per session, meanwhile.

On a fresh clone the session trains the safety models first (minutes: every labelled message is
encoded). So that the rest of the suite does not wait for it, the session starts that work on a
thread of lower priority as soon as the tests are collected, and runs the tests that need the real
model last: the others run in the meantime. A test that needs the model earlier (one selected with
-k, say) waits for the thread. A failure on the thread is raised in every test that needs the model.

Loaded as a plugin (``pytest_plugins`` in conftest.py); its fixtures are the session's real model.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from helpers.library import ROOT

# Fixtures that mean "this test needs the real model": such tests run after the others.
REAL_MODEL_FIXTURES = frozenset({"real_embedder", "safety_policy", "seed_library", "onnx_embedder"})
WARM_NICE = 10  # behind the tests that run meanwhile (see bot.core.background)


def model_folder() -> Path:
    """Where the safety models trained on the real encoder are kept: the project's own model folder
    (index/models, git-ignored), as the bot keeps them, or BOT_TEST_MODEL_CACHE.

    A model is trained when none is cached for its key, which covers the training data, the encoder
    and the trainer version, so a change to any of them trains again. A fresh clone (CI) trains once
    per session; after `make demo` (which trains the same model) the session loads it.
    """
    folder = Path(os.environ.get("BOT_TEST_MODEL_CACHE") or ROOT / "index" / "models")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class RealModel:
    """The bundled encoder and the real safety policy, made once on a background thread."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._embedder_ready = threading.Event()
        self.embedder = None
        self.policy = None
        self.error: BaseException | None = None

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._make, name="real-model", daemon=True)
                self._thread.start()

    def _make(self) -> None:
        from bot.app import make_policy
        from bot.core.background import lower_priority
        from bot.core.embedder import load_embedder
        from bot.settings import Settings

        lower_priority(WARM_NICE)
        try:
            self.embedder = load_embedder()
            self._embedder_ready.set()
            policy = make_policy(Settings())
            policy.attach(self.embedder, model_folder())
            self.policy = policy
        except BaseException as exc:  # raised in the tests that need it
            self.error = exc
        finally:
            self._embedder_ready.set()

    def get_embedder(self):
        self.start()
        self._embedder_ready.wait()
        if self.embedder is None:
            raise RuntimeError("the real model could not be loaded") from self.error
        return self.embedder

    def get_policy(self):
        self.start()
        assert self._thread is not None
        self._thread.join()
        if self.policy is None:
            raise RuntimeError("the safety models could not be trained") from self.error
        return self.policy


_real = RealModel()


def _needs_model(item: pytest.Item) -> bool:
    return bool(REAL_MODEL_FIXTURES.intersection(getattr(item, "fixturenames", ()))) or bool(
        item.get_closest_marker("model")
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Stable: the tests that need the real model keep their order, after all the others.
    items.sort(key=_needs_model)


def pytest_collection_finish(session: pytest.Session) -> None:
    if any(_needs_model(item) for item in session.items):
        _real.start()


@pytest.fixture(scope="session")
def model_cache() -> Path:
    return model_folder()


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled all-MiniLM-L6-v2, loaded once for the whole session."""
    return _real.get_embedder()


@pytest.fixture(scope="session")
def safety_policy(real_embedder):
    """The real safety policy: the learned crisis model and claim guard, trained once per session
    (or read from the model folder)."""
    return _real.get_policy()
