"""python -m bot index {build, info}: build or refresh the index, and print what it holds."""

from __future__ import annotations

import argparse
import json

from .common import elapsed, library_of, prepare, print_report, progress_bar, settings_of


def cmd_index_build(args: argparse.Namespace) -> int:
    library = library_of(args)
    prepare(library, build=True)
    report = library.refresh(progress=progress_bar())
    if args.json:
        print(json.dumps({**report.as_dict(), "seconds": round(elapsed(args), 3)}, ensure_ascii=False))
    else:
        print_report(report, elapsed(args))
    return 0


def cmd_index_info(args: argparse.Namespace) -> int:
    from ..core.store import IndexStore

    settings = settings_of(args)
    path, manifest = IndexStore(settings.index_dir).current()
    manifest = {"path": str(path), **manifest}
    stale = library_of(args).staleness()  # the corpus's files against what the build read; no model
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


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("index", help="build or inspect the index")
    isub = p.add_subparsers(dest="index_command", required=True)
    b = isub.add_parser("build", parents=[common], help="build or refresh the index from the corpus")
    b.add_argument("--json", action="store_true", help="print the change report as JSON")
    b.set_defaults(func=cmd_index_build)
    i = isub.add_parser("info", parents=[common], help="print the index manifest")
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_index_info)
