"""What the commands share: exit statuses, the common options, settings and library from them, and the
terminal helpers (progress on stderr, so that stdout stays the result)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ..core.indexer import BuildReport
    from ..core.library import Library
    from ..settings import Settings

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
EXIT_STATUS_EPILOG = "Exit status: 0 done, 1 error, 2 usage error, 78 configuration error."

SAMPLE_QUESTION = "in what ways does intimacy aid growth?"

T = TypeVar("T")


def common_options() -> argparse.ArgumentParser:
    """The options every command that reads the library takes (a parent parser)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", metavar="DIR", help="article folder (default: $BOT_CORPUS_DIR or corpus/)")
    common.add_argument("--index", metavar="DIR", help="index folder (default: $BOT_INDEX_DIR or index/)")
    common.add_argument(
        "--model",
        metavar="NAME",
        help="sentence-transformers model name or folder (default: $BOT_MODEL or the bundled all-MiniLM-L6-v2)",
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    return common


def options(cls: type[T], args: argparse.Namespace) -> T:
    """The typed options ``cls`` (a dataclass) from the parsed arguments of the same names."""
    return cls(**{f.name: getattr(args, f.name) for f in dataclasses.fields(cls)})  # type: ignore[arg-type]


def settings_of(args: argparse.Namespace) -> Settings:
    from ..settings import Settings

    return Settings.from_env().with_paths(
        corpus=getattr(args, "corpus", None), index=getattr(args, "index", None), model=getattr(args, "model", None)
    )


def say(line: str) -> None:
    """Progress for the person at the terminal: stderr, so stdout stays the result."""
    print(line, file=sys.stderr)


def library_of(args: argparse.Namespace) -> Library:
    from ..app import make_library

    return make_library(settings_of(args), on_model_load=lambda: say("Loading the model…"), notify=say)


def prepare(library: Library, *, build: bool) -> None:
    """Load the model and the safety models now, saying so: the first run trains the latter for minutes.

    A build needs the corpus folder: that is checked first, so that a wrong path fails at once.
    """
    from ..core.corpus import check_corpus_folder

    if build:
        check_corpus_folder(library.corpus_dir)
    library.prepare_safety(say)


def elapsed(args: argparse.Namespace) -> float:
    """Seconds since the command started: what a timing shown to the user covers."""
    return time.monotonic() - args.started


def top_k(text: str) -> int:
    """--k: the range BOT_TOP_K accepts; anything else is a usage error (exit 2), not a silent default."""
    from ..settings import TOP_K_RANGE

    lo, hi = TOP_K_RANGE
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from {lo} to {hi}, not '{text[:40]}'") from None
    if not lo <= value <= hi:
        raise argparse.ArgumentTypeError(f"must be between {lo} and {hi}, not {value}")
    return value


def progress_bar(total_hint: str = "passages"):
    """A tqdm bar on a terminal (nothing when output is piped)."""
    from tqdm import tqdm

    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit=" " + total_hint, desc="Embedding", disable=None, file=sys.stderr)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def warn_if_stale(library: Library) -> None:
    """One line on stderr when the corpus changed since the index was built (stdout stays the answer)."""
    stale = library.staleness()
    if stale is not None and stale.stale:
        print(f"warning: the index is {stale.summary()}; run: python -m bot index build", file=sys.stderr)


def print_report(report: BuildReport, seconds: float) -> None:
    for line in report.lines(seconds):
        stream = sys.stderr if line.startswith("Skipped") else sys.stdout
        print(("warning: " if stream is sys.stderr else "") + line, file=stream)


def load(library: Library, args: argparse.Namespace, **kwargs) -> None:
    """Load the index; if there was none, say that it was built first (on stderr: stdout is the answer)."""
    report = library.load(progress=progress_bar(), **kwargs)
    if report is not None and not args.json:
        print("Built the index first:", file=sys.stderr)
        for line in report.lines(elapsed(args)):
            print("  " + line, file=sys.stderr)
