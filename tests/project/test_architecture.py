"""The core never imports discord: the bot, the CLI and the tests share it without Discord."""

import ast
import subprocess
import sys
from pathlib import Path

from helpers.library import ROOT

CORE = ROOT / "bot" / "core"


def test_core_modules_do_not_import_discord_in_source():
    for path in CORE.glob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            assert not any(n == "discord" or n.startswith("discord.") for n in names), path.name


def test_importing_the_core_and_cli_does_not_load_discord():
    code = (
        "import sys, bot.core.library, bot.core.safety, bot.core.indexer, bot.__main__, bot.app; "
        "print('discord' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


BOT = CORE.parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str) -> set[str]:
    """The bot modules ``path`` imports, at the top or inside a function (a lazy import is still a cycle)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)  # "from . import rules" names a module
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in BOT.rglob("*.py")}
    return {name: {t for t in _imports(path, name) if t in modules and t != name} for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), a package and its own __init__ aside."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _without_package_inits(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """A package's __init__ re-exporting its modules, which import each other through it, is not a cycle
    of design: drop the edges from a module to the package that contains it."""
    return {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in graph.items()}


def test_no_import_cycles_between_modules():
    assert cycles(_without_package_inits(import_graph())) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_measurements_take_typed_options_never_the_command_line():
    """Evaluation and bench are given dataclasses or keyword arguments: they import neither the entry
    point, nor bot.cli, nor argparse."""
    graph = import_graph()
    measuring = [m for m in graph if m.startswith(("bot.evaluation", "bot.bench", "bot.plainbench"))]
    assert measuring
    for name in measuring:
        assert not any(t == "bot.__main__" or t == "bot.cli" or t.startswith("bot.cli.") for t in graph[name]), name
        path = BOT.parent / (name.replace(".", "/") + ".py")
        if not path.exists():
            path = BOT.parent / name.replace(".", "/") / "__init__.py"
        assert "argparse" not in _imports(path, name), name
