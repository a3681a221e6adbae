"""Command line: python -m bot {ask, index, tags, tag, corpus, eval, run}.

The entry point only: the commands are in bot.cli, one module per command group.
"""

from __future__ import annotations

import sys

from .cli import build_parser, main

__all__ = ["build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
