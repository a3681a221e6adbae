"""The generated corpus: the bench's questions, and articles recombining the sentences of real ones
(every passage unique text, embedded by the real model)."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

QUESTIONS = [
    "in what ways does intimacy aid growth?",
    "how can a couple rebuild trust after trauma?",
    "why does consent matter when someone is healing?",
    "what is post-traumatic growth?",
    "can closeness with a partner reduce stress?",
    "how do I talk to my partner about boundaries?",
    "does feeling safe help people open up?",
    "what helps people feel connected again after a hard time?",
    "how does oxytocin affect bonding?",
    "is it normal to avoid touch after a bad experience?",
    "how can self-esteem recover after trauma?",
    "what does research say about intimacy and healing?",
    "how can I support a partner who is healing?",
    "what are signs of a healthy relationship?",
    "how does empathy grow after adversity?",
    "what is self-reconstruction?",
    "can intimacy make trauma symptoms worse?",
    "how do people find meaning after loss?",
    "what role does communication play in intimacy?",
    "how do I rebuild confidence in my body?",
    "what is the boiling point of mercury?",
    "who won the football world cup in 1998?",
    "how do I replace a bicycle chain?",
    "what is a good recipe for lentil soup?",
]


TAGS = [
    "healing",
    "trauma",
    "intimacy",
    "consent",
    "growth",
    "relationships",
    "communication",
    "trust",
    "boundaries",
    "self-esteem",
    "research",
    "empathy",
    "resilience",
    "touch",
    "safety",
    "recovery",
    "connection",
    "stress",
    "partners",
    "support",
    "anxiety",
    "body image",
    "meaning",
    "loss",
    "mindfulness",
    "therapy",
    "attachment",
    "vulnerability",
    "self-care",
    "hope",
]


_SENTENCE = re.compile(r"[^.!?\n]{20,}[.!?]")


_WORD = re.compile(r"[A-Za-z][a-z]{3,}")


def _source_texts(source: Path) -> list[str]:
    """Texts to take sentences from: a folder of articles, or a BEIR corpus.jsonl (its "text" fields)."""
    from ..core.corpus import scan_corpus

    if source.is_file() and source.suffix == ".jsonl":
        with open(source, encoding="utf-8") as fh:
            return [str(json.loads(line).get("text", "")) for line in fh if line.strip()]
    if not source.is_dir():
        raise SystemExit(f"bench: --source {source} is neither an article folder nor a corpus.jsonl")
    return [a.body for a in scan_corpus(source).articles]


def generate_corpus(folder: Path, passages: int, source: Path, *, seed: int = 7) -> int:
    """Write about ``passages`` passages as Markdown articles of 10 paragraphs; returns articles written."""
    marker = folder / ".generated.json"
    identity = {"passages": passages, "source": str(Path(source).resolve())}
    if marker.exists() and all(json.loads(marker.read_text()).get(k) == v for k, v in identity.items()):
        return json.loads(marker.read_text())["articles"]
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    bodies = _source_texts(source)
    sentences = [s.strip() for b in bodies for s in _SENTENCE.findall(b)]
    words = sorted({w.lower() for b in bodies for w in _WORD.findall(b)})
    if len(sentences) < 10 or len(words) < 50:
        raise SystemExit(f"bench: {source} has too little text to generate a corpus from (need a few articles)")
    rng = random.Random(seed)
    per_article = 10
    articles = max(1, passages // per_article)
    for a in range(articles):
        paragraphs = []
        for _ in range(per_article):
            picked = rng.sample(sentences, 6)
            text = " ".join(picked)
            tokens = text.split()
            for _ in range(max(3, len(tokens) // 12)):  # unique text: a few words swapped
                tokens[rng.randrange(len(tokens))] = rng.choice(words)
            paragraphs.append(" ".join(tokens))
        tags = rng.sample(TAGS, 2)
        title = " ".join(rng.sample(words, 5)).capitalize()
        restricted = "age_restricted: true\n" if a % 50 == 49 else ""
        (folder / f"a{a:07d}.md").write_text(
            f"---\ntitle: {title}\ntags: {json.dumps(tags)}\nsite: Generated\n{restricted}---\n\n"
            + "\n\n".join(paragraphs)
            + "\n",
            encoding="utf-8",
        )
    marker.write_text(json.dumps({**identity, "articles": articles}))
    return articles


def _touch_one_article(corpus: Path) -> tuple[Path, str]:
    path = sorted(corpus.glob("a*.md"))[len(list(corpus.glob("a*.md"))) // 2]
    original = path.read_text(encoding="utf-8")
    path.write_text(
        original.rstrip("\n") + "\n\nA new closing paragraph was added to this article by the benchmark, "
        "so that one article changes and everything else stays as it was.\n",
        encoding="utf-8",
    )
    return path, original


def _recall_questions(corpus: Path, n: int = 200, seed: int = 3) -> list[str]:
    """The bench questions plus sentences drawn from the corpus: 200 queries for recall."""
    rng = random.Random(seed)
    files = sorted(corpus.glob("*.md"))
    extra = []
    while len(extra) < n - len(QUESTIONS):
        found = _SENTENCE.findall(rng.choice(files).read_text(encoding="utf-8").split("---", 2)[-1])
        if found:
            extra.append(rng.choice(found).strip())
    return QUESTIONS + extra
