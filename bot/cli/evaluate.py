"""python -m bot eval {safety, retrieval, answerability, questions}: the measurements, each given its
typed options (bot.evaluation never sees argparse)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import library_of, options, say, settings_of


def cmd_eval_safety(args: argparse.Namespace) -> int:
    from ..evaluation.safety_eval import REDDIT, run

    library = library_of(args)
    library.policy.attach(library.embedder, library.model_cache, say, claims=False)
    sets = [s.strip() for s in args.set.split(",") if s.strip()]
    reddit = None if args.no_reddit else Path(args.reddit) if args.reddit else (REDDIT if REDDIT.exists() else None)
    encoder = library.embedder
    return run(
        library.policy.detector,
        lambda texts: encoder.encode(list(texts)),
        sets,
        cases=[Path(c) for c in args.cases],
        reddit=reddit,
        reddit_limit=args.reddit_users,
        verbose=args.show,
        as_json=args.json,
    )


def _eval_configs(text: str):
    from ..evaluation.retrieval import parse_configs

    try:
        return parse_configs(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_eval_retrieval(args: argparse.Namespace) -> int:
    from ..evaluation.retrieval import RetrievalOptions, main

    return main(options(RetrievalOptions, args), settings_of(args))


def cmd_eval_answerability(args: argparse.Namespace) -> int:
    from ..evaluation.answerability import AnswerabilityOptions, main

    return main(options(AnswerabilityOptions, args), settings_of(args))


def cmd_eval_questions(args: argparse.Namespace) -> int:
    from ..evaluation.questions import QuestionsOptions, main

    return main(options(QuestionsOptions, args), settings_of(args))


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("eval", help="measure safety or retrieval")
    esub = p.add_subparsers(dest="eval_command", required=True)
    e = esub.add_parser("safety", parents=[common], help="crisis detection: recall per category, false cards, time")
    e.add_argument("--set", default="train,dev,blind", help="comma-separated: train, dev, blind (default: %(default)s)")
    e.add_argument("--cases", action="append", default=[], metavar="FILE", help="more labelled messages (JSON lines)")
    e.add_argument(
        "--reddit", metavar="DIR", help="reddit_cssrs folder (default: ../shared/data/reddit_cssrs if present)"
    )
    e.add_argument("--no-reddit", action="store_true", help="skip the real posts (they take a few minutes)")
    e.add_argument("--reddit-users", type=int, help="only the first N users of reddit_cssrs")
    e.add_argument("-V", "--show", action="store_true", help="list every miss and false alarm")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_eval_safety)

    e = esub.add_parser("retrieval", parents=[common], help="Recall@k, MRR@10, nDCG@10 on a BEIR-layout dataset")
    e.add_argument("--dataset", required=True, metavar="DIR", help="folder with corpus.jsonl, queries.jsonl, qrels.tsv")
    e.add_argument(
        "--config",
        default="dense,bm25,rrf,hybrid",
        type=_eval_configs,
        help="comma-separated: dense, bm25, rrf, wrrf:WEIGHT, hybrid (the bot's ranking), hybrid:ALPHA, "
        "hybrid:ALPHA:BM25_DEPTH (default: %(default)s)",
    )
    e.add_argument(
        "--split", help="query splits to report, ';' between reports, ',' joins splits (e.g. 'train,val;test')"
    )
    e.add_argument("--min-grade", type=int, default=1, help="qrels score counted as relevant (MedQuAD: 3)")
    e.add_argument("--query-field", default="text", help="the queries.jsonl field to ask (default: text)")
    e.add_argument("--limit", type=int, help="only the first N queries")
    e.add_argument("--max-tokens", type=int, default=256, help="passage length limit in tokens (default: %(default)s)")
    e.add_argument("--no-title", action="store_true", help="embed passages without their article's title")
    e.add_argument("--work", default="index/eval", help="where dataset indexes are cached (default: %(default)s)")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_eval_retrieval)

    e = esub.add_parser(
        "answerability", parents=[common], help="calibrate the relevance threshold: quote or stay silent"
    )
    e.add_argument("--dataset", required=True, metavar="DIR", help="questions that the library answers (BEIR layout)")
    e.add_argument("--split", help="its query splits to use (e.g. train,val)")
    e.add_argument(
        "--unanswerable", required=True, metavar="DIR", help="another dataset whose questions it cannot answer"
    )
    e.add_argument(
        "--seed-questions",
        default="tests/data/seed_questions.yaml",
        help="answerable and off-topic questions about corpus/ (default: %(default)s)",
    )
    e.add_argument(
        "--questions",
        default="dev",
        help="members' question sets to add (evaluation.questions; '' for none; never blind) (default: %(default)s)",
    )
    e.add_argument(
        "--min-precision", type=float, default=0.95, help="answering precision to keep (default: %(default)s)"
    )
    e.add_argument("--work", default="index/eval", help="where dataset indexes are cached (default: %(default)s)")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_eval_answerability)

    e = esub.add_parser(
        "questions",
        parents=[common],
        help="members' questions: answering sentence in the top quotes, silence when nothing answers",
    )
    e.add_argument(
        "--set",
        default="seed,dev",
        help="comma-separated: seed, dev, dev2, blind (report only), or a folder "
        "with questions.yaml and articles/ (default: %(default)s)",
    )
    e.add_argument("--work", default="index/eval", help="where indexes and cached vectors go (default: %(default)s)")
    e.add_argument("--threshold", type=float, help="relevance threshold (default: the encoder's calibrated one)")
    e.add_argument(
        "--weights",
        metavar="SHORT/LONG,...",
        help="sentence weights to try side by side (tuning: never on blind) (default: the bot's)",
    )
    e.add_argument("-V", "--show", action="store_true", help="list every miss and every unanswerable question quoted")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_eval_questions)
