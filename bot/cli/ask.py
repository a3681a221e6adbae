"""python -m bot ask: answer questions from the library, as text or one JSON object a line."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace

from ..core.errors import IndexError_, QuestionError
from .common import (
    EXIT_ERROR,
    SAMPLE_QUESTION,
    library_of,
    load,
    prepare,
    settings_of,
    top_k,
    warn_if_stale,
)


def cmd_ask(args: argparse.Namespace) -> int:
    from ..core.answer import render_text

    questions = [q for q in args.question]
    if not questions or not any(q.strip() for q in questions):
        raise QuestionError("Please give a question, for example: python -m bot ask \"" + SAMPLE_QUESTION + "\"")
    library = library_of(args)
    prepare(library, build=not library.store.exists())
    try:
        load(library, args)
    except IndexError_ as exc:
        # A broken or mismatched index stops the answers, never the safety check: each question is
        # still assessed, and a card or check-in is shown before the error.
        unusable: IndexError_ | None = exc
    else:
        unusable = None
        warn_if_stale(library)
    from ..core.pipeline import Kind, Question

    status = 0
    settings = settings_of(args)
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
        if outcome.kind is Kind.FAILED and unusable is not None:
            outcome = replace(outcome, message=str(unusable))
        if outcome.answer is None or outcome.kind is Kind.FAILED:  # a message, not (only) an answer
            status = EXIT_ERROR
            if args.json:
                extra = outcome.answer.as_dict() if outcome.answer is not None else {}
                print(
                    json.dumps(
                        {
                            **extra,
                            "question": outcome.question,
                            "outcome": outcome.kind.value,
                            "error": outcome.message,
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                if outcome.answer is not None:  # the check-in, without "nothing matches": nothing was searched
                    notes = outcome.answer.lead_notes or (outcome.answer.safety.check_in or "",)
                    print("\n".join([f"Q: {outcome.question}", "", *notes]) + "\n")
                if unusable is None:
                    print(f"error: {outcome.message}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps({**outcome.answer.as_dict(), "outcome": outcome.kind.value}, ensure_ascii=False))
        else:
            print(render_text(outcome.answer))
        if outcome.kind is Kind.TOO_LONG:
            status = EXIT_ERROR
    if unusable is not None:  # said once, after whatever the safety check had to show
        print(f"error: {unusable}", file=sys.stderr)
        status = EXIT_ERROR
    return status


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("ask", parents=[common], help="answer questions from the library")
    p.add_argument("question", nargs="*", help="one or more questions (quote each one)")
    p.add_argument("--json", action="store_true", help="one JSON object per question per line")
    p.add_argument("--k", type=top_k, default=None, help="passages per answer, 1 to 10 (default: $BOT_TOP_K or 3)")
    p.add_argument("--tag", help="only passages from articles with this tag")
    p.add_argument("--locale", help="locale for helpline resources, e.g. en-GB (default: $BOT_LOCALE or en-US)")
    p.add_argument("--age-restricted", action="store_true", help="include articles marked age_restricted")
    p.set_defaults(func=cmd_ask)
