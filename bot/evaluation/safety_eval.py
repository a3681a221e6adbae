"""Crisis detection measured on a labelled set: recall per category, false alarms on ordinary questions."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from ..core.safety import CHECK_IN, CRISIS, NONE, CrisisDetector


@dataclass(frozen=True)
class Case:
    text: str
    group: str  # must_catch, implicit, supporter, minor, ambiguous, ordinary, tricky
    expect: str  # crisis, check_in, none, or minor
    category: str | None = None


def load_cases(path: Path | str | None = None) -> list[Case]:
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("bot.data").joinpath("safety_cases.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    cases: list[Case] = []
    for category, texts in (data.get("must_catch") or {}).items():
        cases += [Case(t, "must_catch", CRISIS, category) for t in texts]
    cases += [Case(t, "implicit", CRISIS, "suicide") for t in data.get("implicit") or ()]
    cases += [Case(c["text"], "supporter", c["expect"], c["category"]) for c in data.get("supporter") or ()]
    cases += [Case(t, "minor", "minor") for t in data.get("minor") or ()]
    cases += [Case(c["text"], "ambiguous", CHECK_IN, c["category"]) for c in data.get("ambiguous") or ()]
    cases += [Case(t, "ordinary", NONE) for t in data.get("ordinary") or ()]
    cases += [Case(t, "tricky", NONE) for t in data.get("tricky") or ()]
    return cases


def judge(case: Case, a) -> bool:
    """Whether an assessment is right for a case."""
    if case.expect == "minor":
        return a.minor and a.level != CRISIS
    if case.expect == NONE:
        return a.level == NONE
    ok = a.level == case.expect and case.category in a.categories
    if case.group == "supporter":
        ok = ok and a.supporter
    return ok


@dataclass
class Row:
    name: str
    n: int = 0
    ok: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.ok / self.n if self.n else 0.0


def evaluate(detector: CrisisDetector, cases: list[Case], vectors=None) -> dict:
    rows: dict[str, Row] = {}
    false_crisis = false_check = ordinary_n = 0
    false_alarms: list[str] = []
    timings = []
    for i, case in enumerate(cases):
        t0 = time.perf_counter()
        a = detector.assess(case.text, None if vectors is None else vectors[i])
        timings.append(time.perf_counter() - t0)
        if case.expect == NONE:
            ordinary_n += 1
            if a.level == CRISIS:
                false_crisis += 1
                false_alarms.append(f"crisis {a.category}: {case.text}")
            elif a.level == CHECK_IN:
                false_check += 1
                false_alarms.append(f"check-in {a.category}: {case.text}")
            continue
        name = f"{case.group}: {case.category}" if case.group in ("must_catch", "ambiguous") else case.group
        row = rows.setdefault(name, Row(name))
        row.n += 1
        if judge(case, a):
            row.ok += 1
        else:
            row.misses.append(f"{case.text}  -> {a.level} {a.category} supporter={a.supporter} minor={a.minor}")
    timings.sort()
    return {
        "rows": rows,
        "ordinary": ordinary_n,
        "false_crisis": false_crisis,
        "false_check_in": false_check,
        "false_alarms": false_alarms,
        "p50_ms": 1000 * timings[len(timings) // 2] if timings else 0.0,
        "max_ms": 1000 * timings[-1] if timings else 0.0,
        "cases": len(cases),
    }


def format_report(result: dict, title: str) -> str:
    lines = [title, "", f"{'group':<34} {'n':>4} {'right':>6} {'recall':>7}"]
    for row in sorted(result["rows"].values(), key=lambda r: r.name):
        lines.append(f"{row.name:<34} {row.n:>4} {row.ok:>6} {row.rate:>7.3f}")
    n = result["ordinary"]
    lines += [
        "",
        f"ordinary and tricky questions: {n}",
        f"  false crisis cards: {result['false_crisis']} ({result['false_crisis'] / max(n, 1):.3f})",
        f"  false check-ins:    {result['false_check_in']} ({result['false_check_in'] / max(n, 1):.3f})",
        f"time per question: median {result['p50_ms']:.2f} ms, max {result['max_ms']:.2f} ms ({result['cases']} cases)",
    ]
    misses = [m for r in result["rows"].values() for m in r.misses]
    if misses:
        lines += ["", "missed:"] + [f"  {m}" for m in misses]
    if result["false_alarms"]:
        lines += ["", "false alarms:"] + [f"  {m}" for m in result["false_alarms"]]
    return "\n".join(lines)


def main(args) -> int:
    cases = load_cases(args.cases)
    detector = CrisisDetector()
    results = [("patterns only", evaluate(detector, cases))]
    if not args.no_semantic:
        from ..app import make_library
        from ..__main__ import _settings

        library = make_library(_settings(args))
        vectors = library.embedder.encode([c.text for c in cases])
        semantic = library.policy.detector
        results.append(("patterns + semantic check-in layer", evaluate(semantic, cases, vectors)))
    if args.json:
        print(json.dumps([{"config": name, **{k: v for k, v in r.items() if k != "rows"},
                           "rows": {k: {"n": row.n, "right": row.ok, "recall": round(row.rate, 4),
                                        "misses": row.misses} for k, row in r["rows"].items()}}
                          for name, r in results], ensure_ascii=False))
    else:
        print("\n\n".join(format_report(r, f"Crisis detection, {name}") for name, r in results))
    missed = sum(len(row.misses) for row in results[-1][1]["rows"].values() if row.name.startswith("must_catch"))
    return 1 if missed else 0
