"""The command line, one module per command group; ``python -m bot`` (bot.__main__) calls ``main``.

Errors are one clear line on stderr and a non-zero exit, never a traceback: 1 for an error, 2 for
a usage error (argparse's own), 78 for a configuration error.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from .. import __version__
from ..core.errors import BotError
from . import ask, bench, doctor, evaluate, index, library, run
from .common import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_STATUS_EPILOG, common_options

DESCRIPTION = "Command line: python -m bot {ask, index, tags, tag, corpus, eval, run}."


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(prog="python -m bot", description=DESCRIPTION, epilog=EXIT_STATUS_EPILOG)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    ask.add_parsers(sub, common)
    index.add_parsers(sub, common)
    library.add_parsers(sub, common)
    evaluate.add_parsers(sub, common)
    run.add_run_parser(sub, common)
    doctor.add_parsers(sub, common)
    run.add_sync_parser(sub, common)
    bench.add_parsers(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    parser = build_parser()
    args = parser.parse_args(argv)
    args.started = started
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from ..settings import EXIT_CONFIG, SettingsError

    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
