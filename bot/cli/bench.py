"""python -m bot bench: speed and memory of the product against the plain baseline (bot.bench), or with
--plain against the plain stack through both CLIs (bot.plainbench)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .common import options, say, settings_of


def cmd_bench(args: argparse.Namespace) -> int:
    if args.plain:
        from ..plainbench import run_plain

        report = run_plain(args.plain, documents=args.plain_docs, work=Path(args.work))
    else:
        from ..bench import BenchOptions, run

        report = run(options(BenchOptions, args), settings_of(args))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
        say(f"bench: figures written to {args.json}")
    return 0


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    from ..bench import QUESTIONS

    p = sub.add_parser("bench", parents=[common], help="speed and memory against the plain baseline, side by side")
    p.add_argument("--sizes", default="1k,10k,100k", help="corpus sizes in passages (default: %(default)s)")
    p.add_argument("--encoder", choices=("torch", "onnx-int8"), help="the product's encoder (default: $BOT_ENCODER)")
    p.add_argument(
        "--index-type",
        choices=("auto", "flat", "exact", "hnsw"),
        help="the product's index type (default: $BOT_INDEX_TYPE or auto)",
    )
    p.add_argument(
        "--embed-limit",
        type=int,
        default=100_000,
        help="largest corpus the product embeds for real (default: %(default)s)",
    )
    p.add_argument(
        "--baseline-embed-limit",
        type=int,
        default=10_000,
        help="largest corpus the torch baseline embeds for real; above it, it gets the product's "
        "vectors (default: %(default)s)",
    )
    p.add_argument(
        "--rounds", type=int, default=10, help=f"rounds of the {len(QUESTIONS)} questions (default: %(default)s)"
    )
    p.add_argument("--cold-runs", type=int, default=3, help="cold starts per stack; the median is shown")
    p.add_argument(
        "--million",
        type=int,
        nargs="?",
        const=1_000_000,
        default=0,
        help="also approximate vs exact search on this many synthesized vectors (default 1,000,000)",
    )
    p.add_argument(
        "--recall-vectors", metavar="FILE", help="a FAISS index of real passage vectors to measure HNSW recall on"
    )
    p.add_argument(
        "--source",
        default="corpus",
        help="where the generated corpus takes its sentences: an article folder (default: %(default)s) "
        "or a BEIR corpus.jsonl, e.g. ../shared/data/counselchat/corpus.jsonl (more varied text)",
    )
    p.add_argument(
        "--work", default="index/bench", help="where generated corpora and indexes go (default: %(default)s)"
    )
    p.add_argument(
        "--reuse-builds",
        action="store_true",
        help="keep the full builds (and their figures, marked as such) of an earlier run with the same model",
    )
    p.add_argument(
        "--plain",
        metavar="DATASET",
        help="instead: the product through its CLI against the plain stack (sentence-transformers, "
        "1,000-character chunks, exact float32 search) on a BEIR dataset's documents, "
        "e.g. ../shared/data/medquad_liveqa (see bot/plainbench.py)",
    )
    p.add_argument("--plain-docs", type=int, default=3000, help="documents for --plain (default: %(default)s)")
    p.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    p.set_defaults(func=cmd_bench)
