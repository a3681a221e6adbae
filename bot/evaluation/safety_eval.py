"""Crisis detection measured on labelled messages and on real posts.

Sets (``python -m bot eval safety``):
- ``train`` and ``dev``: the project's own examples (bot/data/safety/train, dev): trained and
  calibrated on, so they show fit, not generalization;
- ``blind``: tests/data/blind/safety/*.jsonl, written by a helper that never saw the detector and
  committed before training; never tuned on;
- ``reddit``: real posts (../shared/data/reddit_cssrs), measured per user, as its authors labelled
  them: a user is caught when any of their posts gets a card or a check-in, and a Supportive user
  is a false alarm when any of theirs gets a card.

A little over 300 lines on purpose: the sets, the tallies and their report are one measurement,
each part used only by the others.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..core.safety import CATEGORIES, CHECK_IN, CRISIS, NONE, Assessment, CrisisDetector
from ..core.safety.examples import Example, load_examples, packaged

ROOT = Path(__file__).resolve().parents[2]
BLIND = ROOT / "tests" / "data" / "blind" / "safety"
REDDIT = ROOT.parent / "shared" / "data" / "reddit_cssrs"
RISK_USERS = ("Ideation", "Behavior", "Attempt")


@dataclass
class Counts:
    n: int = 0
    card: int = 0  # a card with the case's category among the card's
    flagged: int = 0  # a card or a check-in, any category

    def rate(self, part: int) -> float:
        return part / self.n if self.n else 0.0


@dataclass
class SetResult:
    name: str
    cases: int
    crisis: dict[str, Counts] = field(default_factory=dict)  # expect crisis, per category
    risky: dict[str, Counts] = field(default_factory=dict)  # expect crisis or check_in, per category
    none_n: int = 0
    false_cards: list[str] = field(default_factory=list)  # cards on messages that need nothing
    false_check_ins: list[str] = field(default_factory=list)
    cards_on_check_in: list[str] = field(default_factory=list)
    ordinary_cards: int = 0  # cards on ordinary questions (kind says so)
    misses: list[str] = field(default_factory=list)  # risky messages that got nothing
    missed_cards: list[str] = field(default_factory=list)  # crisis messages without their card
    supporter_right: int = 0
    supporter_n: int = 0
    minor_right: int = 0
    minor_n: int = 0
    minor_false: int = 0
    ms: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        def pct(counts: dict[str, Counts], part: str) -> dict:
            return {c: {"n": v.n, part: round(v.rate(getattr(v, part)), 4)} for c, v in counts.items()}

        return {
            "set": self.name,
            "cases": self.cases,
            "card_recall": pct(self.crisis, "card"),
            "card_or_check_in_recall": pct(self.risky, "flagged"),
            "none": self.none_n,
            "false_cards": len(self.false_cards),
            "false_check_ins": len(self.false_check_ins),
            "cards_on_check_in": len(self.cards_on_check_in),
            "ordinary_cards": self.ordinary_cards,
            "supporter": [self.supporter_right, self.supporter_n],
            "minor": [self.minor_right, self.minor_n],
            "minor_false": self.minor_false,
            "median_ms": round(statistics.median(self.ms), 3) if self.ms else None,
            "p90_ms": round(sorted(self.ms)[int(0.9 * (len(self.ms) - 1))], 3) if self.ms else None,
        }


def _is_ordinary(e: Example) -> bool:
    return "ordinary" in e.kind.lower() or "question" in e.kind.lower() and "definition" not in e.kind.lower()


def measure(detector: CrisisDetector, examples: Sequence[Example], name: str, vectors=None) -> SetResult:
    """Assess every example (``vectors``: their whole-message vectors, the shared encoder pass)."""
    r = SetResult(name, len(examples))
    for c in CATEGORIES:
        r.crisis[c], r.risky[c] = Counts(), Counts()
    for i, e in enumerate(examples):
        started = time.perf_counter()
        a: Assessment = detector.assess(e.text, None if vectors is None else vectors[i])
        r.ms.append((time.perf_counter() - started) * 1000)
        got = f"{a.level} {','.join(a.categories) or '-'}"
        line = f"{e.text[:160]!r} -> {got}" + (" supporter" if a.supporter else "") + (" minor" if a.minor else "")
        if e.minor:
            r.minor_n += 1
            r.minor_right += a.minor
        elif a.minor:
            r.minor_false += 1
        if e.expect == NONE:
            r.none_n += 1
            if a.level == CRISIS:
                r.false_cards.append(line)
                r.ordinary_cards += _is_ordinary(e)
            elif a.level == CHECK_IN:
                r.false_check_ins.append(line)
            continue
        assert e.category is not None
        risky = r.risky[e.category]
        risky.n += 1
        risky.flagged += a.level != NONE
        if a.level == NONE:
            r.misses.append(f"[{e.expect} {e.category}] {line}")
        if e.expect == CRISIS:
            crisis = r.crisis[e.category]
            crisis.n += 1
            ok = a.level == CRISIS and e.category in a.categories
            crisis.card += ok
            if not ok:
                r.missed_cards.append(f"[{e.category}] {line}")
        elif a.level == CRISIS:
            r.cards_on_check_in.append(f"[{e.category}] {line}")
        if e.supporter:
            r.supporter_n += 1
            r.supporter_right += a.supporter or a.level == NONE  # a miss is counted above, not twice
    return r


def format_set(r: SetResult, *, verbose: bool = False) -> str:
    s = r.summary()
    lines = [
        f"{r.name}: {r.cases} messages",
        "",
        f"  {'category':<18} {'crisis':>6} {'card':>7}   {'risky':>6} {'card or check-in':>17}",
    ]
    for c in CATEGORIES:
        cr, rk = r.crisis[c], r.risky[c]
        lines.append(f"  {c:<18} {cr.n:>6} {cr.rate(cr.card):>7.3f}   {rk.n:>6} {rk.rate(rk.flagged):>17.3f}")
    cr_all = sum(v.n for v in r.crisis.values())
    rk_all = sum(v.n for v in r.risky.values())
    lines.append(
        f"  {'all':<18} {cr_all:>6} {sum(v.card for v in r.crisis.values()) / max(cr_all, 1):>7.3f}   "
        f"{rk_all:>6} {sum(v.flagged for v in r.risky.values()) / max(rk_all, 1):>17.3f}"
    )
    n = max(r.none_n, 1)
    lines += [
        "",
        f"  messages that need nothing: {r.none_n}; false cards {len(r.false_cards)} "
        f"({len(r.false_cards) / n:.3f}), false check-ins {len(r.false_check_ins)} "
        f"({len(r.false_check_ins) / n:.3f}); cards on ordinary questions {r.ordinary_cards}",
        f"  cards on messages that need a check-in: {len(r.cards_on_check_in)} of {rk_all - cr_all}",
        f"  supporters recognised {r.supporter_right}/{r.supporter_n}; minors recognised "
        f"{r.minor_right}/{r.minor_n}, adults taken for minors {r.minor_false}",
        f"  time per message beside the shared encoder pass: median {s['median_ms']:.2f} ms, p90 {s['p90_ms']:.2f} ms",
    ]
    if verbose:
        for title, items in (
            ("risky messages that got nothing", r.misses),
            ("crisis messages without their card", r.missed_cards),
            ("false cards", r.false_cards),
            ("cards on check-in messages", r.cards_on_check_in),
            ("false check-ins", r.false_check_ins),
        ):
            if items:
                lines += ["", f"  {title}:"] + [f"    {m}" for m in items]
    return "\n".join(lines)


@dataclass
class RedditResult:
    users: dict[str, int]
    card: dict[str, int]
    flagged: dict[str, int]
    posts: int
    ms: list[float]
    post_counts: dict[str, list[int]] = field(default_factory=dict)  # label -> [posts, cards, flagged]

    def summary(self) -> dict:
        return {
            label: {
                "users": n,
                "card": round(self.card[label] / n, 4),
                "card_or_check_in": round(self.flagged[label] / n, 4),
                "posts": self.post_counts.get(label, [0, 0, 0]),
            }
            for label, n in sorted(self.users.items())
        }


def measure_reddit(detector: CrisisDetector, folder: Path, limit: int | None = None, progress=None) -> RedditResult:
    posts = [json.loads(line) for line in (folder / "posts.jsonl").read_text(encoding="utf-8").splitlines() if line]
    if limit:
        keep = sorted({p["group"] for p in posts})[:limit]
        posts = [p for p in posts if p["group"] in set(keep)]
    label: dict[str, str] = {}
    card: dict[str, bool] = defaultdict(bool)
    flagged: dict[str, bool] = defaultdict(bool)
    ms = []
    post_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for i, p in enumerate(posts):
        user = str(p["group"])
        label[user] = p["source_label"]
        started = time.perf_counter()
        a = detector.assess(p["text"])
        ms.append((time.perf_counter() - started) * 1000)
        card[user] |= a.level == CRISIS
        flagged[user] |= a.level != NONE
        counts = post_counts[p["source_label"]]
        counts[0] += 1
        counts[1] += a.level == CRISIS
        counts[2] += a.level != NONE
        if progress and i % 500 == 0:
            progress(i, len(posts))
    users: dict[str, int] = defaultdict(int)
    cards: dict[str, int] = defaultdict(int)
    flags: dict[str, int] = defaultdict(int)
    for user, lab in label.items():
        users[lab] += 1
        cards[lab] += card[user]
        flags[lab] += flagged[user]
    return RedditResult(dict(users), dict(cards), dict(flags), len(posts), ms, dict(post_counts))


def format_reddit(r: RedditResult) -> str:
    lines = [
        f"reddit_cssrs (real posts, user level): {r.posts} posts, {sum(r.users.values())} users",
        "",
        f"  {'users labelled':<16} {'users':>6} {'any card':>9} {'card or check-in':>17}"
        f"   {'posts':>6} {'card':>6} {'card or check-in':>17}",
    ]
    for lab in ("Attempt", "Behavior", "Ideation", "Indicator", "Supportive"):
        if lab in r.users:
            n = r.users[lab]
            pn, pc, pf = r.post_counts.get(lab, [0, 0, 0])
            lines.append(
                f"  {lab:<16} {n:>6} {r.card[lab] / n:>9.3f} {r.flagged[lab] / n:>17.3f}"
                f"   {pn:>6} {pc / max(pn, 1):>6.3f} {pf / max(pn, 1):>17.3f}"
            )
    risk_n = sum(r.users.get(x, 0) for x in RISK_USERS)
    if risk_n:
        caught = sum(r.flagged.get(x, 0) for x in RISK_USERS)
        lines.append(f"  risk users (Ideation, Behavior, Attempt) caught: {caught}/{risk_n} = {caught / risk_n:.3f}")
    if r.users.get("Supportive"):
        lines.append(f"  Supportive users with a false card: {r.card['Supportive']}/{r.users['Supportive']}")
    lines.append(f"  time per post (encoding its sentences included): median {statistics.median(r.ms):.1f} ms")
    return "\n".join(lines)


def blind_files() -> list[Path]:
    return sorted(BLIND.glob("*.jsonl"))


def run(
    detector: CrisisDetector,
    encode,
    sets: Sequence[str],
    *,
    cases: Sequence[Path] = (),
    reddit: Path | None = None,
    reddit_limit: int | None = None,
    verbose: bool = False,
    as_json: bool = False,
    progress=None,
) -> int:
    """Print the report; exit status 1 if a blind or own crisis message got nothing at all."""
    sources: list[tuple[str, list[Example]]] = []
    if "train" in sets:
        sources.append(("own set, training split (trained on)", load_examples(packaged("train"))))
    if "dev" in sets:
        sources.append(("own set, development split (thresholds calibrated on)", load_examples(packaged("dev"))))
    if "blind" in sets and blind_files():
        sources.append(("blind batch (never tuned on)", load_examples(blind_files())))
    if cases:
        sources.append((", ".join(p.name for p in cases), load_examples(cases)))
    out: list[dict] = []
    texts: list[str] = []
    status = 0
    for name, examples in sources:
        vectors = encode([e.text for e in examples]) if encode is not None else None
        result = measure(detector, examples, name, vectors)
        out.append(result.summary())
        if not as_json:
            texts.append(format_set(result, verbose=verbose))
        if (
            any(e.expect == CRISIS for e in examples)
            and "blind" in name
            and any(m.startswith("[crisis") for m in result.misses)
        ):
            status = 1
    if reddit is not None:
        if (reddit / "posts.jsonl").exists():
            rr = measure_reddit(detector, reddit, reddit_limit, progress)
            out.append({"set": "reddit_cssrs", **rr.summary()})
            if not as_json:
                texts.append(format_reddit(rr))
        elif not as_json:
            texts.append(f"reddit_cssrs: not found at {reddit}; skipped")
    if as_json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print("\n\n".join(texts))
    return status
