"""python -m bot {tags, tag, corpus import}: browse the library by tag, and add a saved page to it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..core.text import plural
from .common import library_of, load, settings_of


def cmd_tags(args: argparse.Namespace) -> int:
    library = library_of(args)
    load(library, args, check_model=False)
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
    library = library_of(args)
    load(library, args, check_model=False)
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
    from ..core.article_files import import_article

    settings = settings_of(args)
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


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
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
