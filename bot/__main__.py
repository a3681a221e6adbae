"""Command line: python -m bot {ask, index, tags, tag, corpus, eval, run}.

Errors are one clear line on stderr and a non-zero exit, never a traceback: 1 for an error, 2 for
a usage error (argparse's own), 78 for a configuration error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from . import __version__
from .core.errors import BotError, QuestionError
from .core.text import plural

EXIT_ERROR = 1

SAMPLE_QUESTION = "in what ways does intimacy aid growth?"


def _settings(args: argparse.Namespace):
    from .settings import Settings

    return Settings.from_env().with_paths(
        corpus=getattr(args, "corpus", None), index=getattr(args, "index", None), model=getattr(args, "model", None)
    )


def _say(line: str) -> None:
    """Progress for the person at the terminal: stderr, so stdout stays the result."""
    print(line, file=sys.stderr)


def _library(args: argparse.Namespace):
    from .app import make_library

    return make_library(_settings(args), on_model_load=lambda: _say("Loading the model…"))


def _prepare(library, *, build: bool) -> None:
    """Load the model and the safety models now, saying so: the first run trains the latter for minutes.

    A build needs the corpus folder: that is checked first, so that a wrong path fails at once.
    """
    from .core.corpus import check_corpus_folder

    if build:
        check_corpus_folder(library.corpus_dir)
    library.prepare_safety(_say)


def _elapsed(args: argparse.Namespace) -> float:
    """Seconds since the command started: what a timing shown to the user covers."""
    return time.monotonic() - args.started


def _top_k(text: str) -> int:
    """--k: the range BOT_TOP_K accepts; anything else is a usage error (exit 2), not a silent default."""
    from .settings import TOP_K_RANGE

    lo, hi = TOP_K_RANGE
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from {lo} to {hi}, not '{text[:40]}'") from None
    if not lo <= value <= hi:
        raise argparse.ArgumentTypeError(f"must be between {lo} and {hi}, not {value}")
    return value


def _progress_bar(total_hint: str = "passages"):
    """A tqdm bar on a terminal (nothing when output is piped)."""
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit=" " + total_hint, desc="Embedding", disable=None, file=sys.stderr)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def _warn_if_stale(library) -> None:
    """One line on stderr when the corpus changed since the index was built (stdout stays the answer)."""
    stale = library.staleness()
    if stale is not None and stale.stale:
        print(f"warning: the index is {stale.summary()}; run: python -m bot index build", file=sys.stderr)


def _print_report(report, seconds: float) -> None:
    for line in report.lines(seconds):
        stream = sys.stderr if line.startswith("Skipped") else sys.stdout
        print(("warning: " if stream is sys.stderr else "") + line, file=stream)


def _load(library, args: argparse.Namespace, **kwargs) -> None:
    """Load the index; if there was none, say that it was built first (on stderr: stdout is the answer)."""
    report = library.load(progress=_progress_bar(), **kwargs)
    if report is not None and not args.json:
        print("Built the index first:", file=sys.stderr)
        for line in report.lines(_elapsed(args)):
            print("  " + line, file=sys.stderr)


# -- commands ------------------------------------------------------------------------------------


def cmd_ask(args: argparse.Namespace) -> int:
    from .core.answer import render_text

    questions = [q for q in args.question]
    if not questions or not any(q.strip() for q in questions):
        raise QuestionError("Please give a question, for example: python -m bot ask \"" + SAMPLE_QUESTION + "\"")
    library = _library(args)
    _prepare(library, build=not library.store.exists())
    _load(library, args)
    _warn_if_stale(library)
    from .core.pipeline import Kind, Question

    status = 0
    settings = _settings(args)
    for text in questions:
        outcome = library.ask(
            Question(
                text, locale=args.locale or settings.locale, tag=args.tag, age_restricted=args.age_restricted, k=args.k
            )
        )
        if outcome.kind is Kind.OTHER_LANGUAGE:
            print(
                json.dumps(
                    {"question": outcome.question, "outcome": outcome.kind.value, "message": outcome.message},
                    ensure_ascii=False,
                )
                if args.json
                else f"Q: {outcome.question}\n\n{outcome.message}\n"
            )
            continue
        if outcome.answer is None:  # an unknown tag, an empty question: a message, not an answer
            status = EXIT_ERROR
            if args.json:
                print(
                    json.dumps(
                        {"question": outcome.question, "outcome": outcome.kind.value, "error": outcome.message},
                        ensure_ascii=False,
                    )
                )
            else:
                print(f"error: {outcome.message}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps({**outcome.answer.as_dict(), "outcome": outcome.kind.value}, ensure_ascii=False))
        else:
            print(render_text(outcome.answer))
        if outcome.kind is Kind.TOO_LONG:
            status = EXIT_ERROR
    return status


def cmd_index_build(args: argparse.Namespace) -> int:
    library = _library(args)
    _prepare(library, build=True)
    report = library.refresh(progress=_progress_bar())
    if args.json:
        print(json.dumps({**report.as_dict(), "seconds": round(_elapsed(args), 3)}, ensure_ascii=False))
    else:
        _print_report(report, _elapsed(args))
    return 0


def cmd_index_info(args: argparse.Namespace) -> int:
    from .core.store import IndexStore

    settings = _settings(args)
    path, manifest = IndexStore(settings.index_dir).current()
    manifest = {"path": str(path), **manifest}
    stale = _library(args).staleness()  # the corpus's files against what the build read; no model
    if stale is not None:
        manifest["freshness"] = (
            {
                "stale": stale.stale,
                "added": list(stale.added),
                "changed": list(stale.changed),
                "removed": list(stale.removed),
            }
            if args.json
            else stale.summary()
        )
    if args.json:
        print(json.dumps(manifest, ensure_ascii=False))
    else:
        width = max(len(k) for k in manifest)
        for key, value in manifest.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k}={v}" for k, v in value.items())
            print(f"{key:<{width}}  {value}")
    return 0


def cmd_tags(args: argparse.Namespace) -> int:
    library = _library(args)
    _load(library, args, check_model=False)
    tags = library.tags()
    if args.json:
        print(json.dumps([{"tag": t.display, "key": t.key, "articles": t.articles} for t in tags], ensure_ascii=False))
        return 0
    if not tags:
        print("No tags yet: add tags to the articles' front matter and rebuild the index.")
    for t in tags:
        print(f"{t.display}  ({plural(t.articles, 'article')})")
    return 0


def cmd_tag(args: argparse.Namespace) -> int:
    library = _library(args)
    _load(library, args, check_model=False)
    display, articles = library.articles_with_tag(args.name)
    if args.json:
        print(
            json.dumps(
                {
                    "tag": display,
                    "articles": [
                        {
                            "title": a.title,
                            "article": a.path,
                            "site": a.site,
                            "url": a.url,
                            "opening": library.opening_passage(a),
                        }
                        for a in articles
                    ],
                },
                ensure_ascii=False,
            )
        )
        return 0
    print(f"Articles tagged '{display}':\n")
    for a in articles:
        print(f"- {a.title} ({a.source})")
        opening = library.opening_passage(a)
        if opening:
            print(f"  {opening[:300]}{'…' if len(opening) > 300 else ''}")
        print()
    return 0


def cmd_corpus_import(args: argparse.Namespace) -> int:
    from .core.corpus import import_article

    settings = _settings(args)
    done = import_article(
        Path(args.file),
        settings.corpus_dir,
        site=args.site,
        url=args.url,
        tags=args.tag,
        age_restricted=args.age_restricted,
        force=args.force,
    )
    print(f"{'Replaced' if done.replaced else 'Wrote'} {done.article}.")
    if done.original is not None:
        print(
            f"Moved the saved page to {done.original}: the build skips that hidden folder, so only the "
            "Markdown is indexed. Delete it when you no longer need it."
        )
    print("Check the article's front matter and text, then run: python -m bot index build")
    return 0


def cmd_eval_safety(args: argparse.Namespace) -> int:
    from .evaluation.safety_eval import REDDIT, run

    library = _library(args)
    library.policy.attach(library.embedder, library.model_cache, _say, claims=False)
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
    from .evaluation.retrieval import parse_configs

    try:
        return parse_configs(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_eval_retrieval(args: argparse.Namespace) -> int:
    from .evaluation.retrieval import main as eval_main

    return eval_main(args)


def cmd_eval_answerability(args: argparse.Namespace) -> int:
    from .evaluation.answerability import main as eval_main

    return eval_main(args)


def cmd_eval_questions(args: argparse.Namespace) -> int:
    from .evaluation.questions import main as eval_main

    return eval_main(args)


def cmd_run(args: argparse.Namespace) -> int:
    from .discordbot.runner import run

    return run(_settings(args))


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import run

    return run(_settings(args), load_model=not args.no_model)


def cmd_sync(args: argparse.Namespace) -> int:
    from .discordbot.runner import run

    return run(_settings(args), sync_global=True)


# -- parser --------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", metavar="DIR", help="article folder (default: $BOT_CORPUS_DIR or corpus/)")
    common.add_argument("--index", metavar="DIR", help="index folder (default: $BOT_INDEX_DIR or index/)")
    common.add_argument(
        "--model",
        metavar="NAME",
        help="sentence-transformers model name or folder (default: $BOT_MODEL or the bundled all-MiniLM-L6-v2)",
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log progress details")

    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description=__doc__.splitlines()[0] if __doc__ else None,
        epilog="Exit status: 0 done, 1 error, 2 usage error, 78 configuration error.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ask", parents=[common], help="answer questions from the library")
    p.add_argument("question", nargs="*", help="one or more questions (quote each one)")
    p.add_argument("--json", action="store_true", help="one JSON object per question per line")
    p.add_argument("--k", type=_top_k, default=None, help="passages per answer, 1 to 10 (default: $BOT_TOP_K or 3)")
    p.add_argument("--tag", help="only passages from articles with this tag")
    p.add_argument("--locale", help="locale for helpline resources, e.g. en-GB (default: $BOT_LOCALE or en-US)")
    p.add_argument("--age-restricted", action="store_true", help="include articles marked age_restricted")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("index", help="build or inspect the index")
    isub = p.add_subparsers(dest="index_command", required=True)
    b = isub.add_parser("build", parents=[common], help="build or refresh the index from the corpus")
    b.add_argument("--json", action="store_true", help="print the change report as JSON")
    b.set_defaults(func=cmd_index_build)
    i = isub.add_parser("info", parents=[common], help="print the index manifest")
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_index_info)

    p = sub.add_parser("tags", parents=[common], help="list tags with their article counts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_tags)
    p = sub.add_parser("tag", parents=[common], help="show the articles with a tag")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser("corpus", help="manage articles")
    csub = p.add_subparsers(dest="corpus_command", required=True)
    c = csub.add_parser("import", parents=[common], help="clean a saved page (.txt/.html/.md) into a corpus article")
    c.add_argument("file")
    c.add_argument("--site", help="the site's name, e.g. ZeroOpposite")
    c.add_argument("--url", help="the article's address")
    c.add_argument("--tag", action="append", default=[], help="an extra tag (repeatable)")
    c.add_argument("--age-restricted", action="store_true", help="serve only in age-restricted channels")
    c.add_argument("--force", action="store_true", help="replace an earlier import with the same title")
    c.set_defaults(func=cmd_corpus_import)

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
        help="comma-separated: seed, dev, blind (report only), or a folder "
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

    p = sub.add_parser("run", parents=[common], help="run the Discord bot (needs DISCORD_TOKEN)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("doctor", parents=[common], help="check a deployment offline and say what to fix")
    p.add_argument("--no-model", action="store_true", help="skip loading the model")
    p.set_defaults(func=cmd_doctor)
    p = sub.add_parser("sync", parents=[common], help="publish the slash commands globally (a deliberate step)")
    p.set_defaults(func=cmd_sync)
    from .bench import add_parser as add_bench

    add_bench(sub, common)
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
    from .settings import EXIT_CONFIG, SettingsError

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
        return 130


if __name__ == "__main__":
    sys.exit(main())
