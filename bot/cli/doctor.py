"""python -m bot doctor: check a deployment offline and say what to fix."""

from __future__ import annotations

import argparse

from .common import settings_of


def cmd_doctor(args: argparse.Namespace) -> int:
    from ..doctor import run

    return run(settings_of(args), load_model=not args.no_model)


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("doctor", parents=[common], help="check a deployment offline and say what to fix")
    p.add_argument("--no-model", action="store_true", help="skip loading the model")
    p.set_defaults(func=cmd_doctor)
