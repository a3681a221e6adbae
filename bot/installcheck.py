"""Check an install: every third-party module the bot imports loads. ``python -m bot.installcheck``

pip can finish without an error and still leave a dependency out: pip 23.2 (the one Python 3.11's
venv ships) does not match jusText's ``lxml[html_clean]`` to lxml 6's ``html-clean`` extra. Most of
these modules are imported only when first needed, so such a gap would otherwise surface at the
first ``corpus import``, not at install time. ``make install`` runs this check.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def imported_modules(package: Path = PACKAGE) -> dict[str, list[str]]:
    """Top-level third-party modules imported anywhere in the package, with the files importing each."""
    found: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top not in sys.stdlib_module_names and top not in {"__future__", package.name}:
                    found.setdefault(top, set()).add(path.relative_to(package.parent).as_posix())
    return {name: sorted(files) for name, files in sorted(found.items())}


def main() -> int:
    modules = imported_modules()
    failed = []
    for name, files in modules.items():
        try:
            importlib.import_module(name)
        except Exception as exc:  # an ImportError, or a dependency's own import failing
            failed.append(f"error: {name} (imported by {files[0]}) cannot be imported: {type(exc).__name__}: {exc}")
    for line in failed:
        print(line, file=sys.stderr)
    if failed:
        print(
            "Install what is missing with the environment's pip (.venv/bin/python -m pip install NAME), or start "
            "over with: make clean install",
            file=sys.stderr,
        )
        return 1
    print(f"All {len(modules)} third-party modules the bot imports load.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
