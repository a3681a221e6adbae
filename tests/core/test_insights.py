"""Feedback for moderators: votes per article and passage, gaps per day, themes only where text is kept."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from bot.core.insights import UnansweredLog, cluster_questions, gather, theme_distance, theme_labels
from helpers.library import FakeEmbedder, make_test_library, write_article

NOW = time.mktime((2026, 3, 10, 12, 0, 0, 0, 0, 0)) - time.timezone  # 2026-03-10 12:00 UTC


def stamp(days_ago: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - days_ago * 86400))


def write_jsonl(path, records) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + "{damaged\n[1, 2]\n", encoding="utf-8")


def test_votes_per_article_and_passage_over_a_period(tmp_path):
    corpus = tmp_path / "corpus"
    write_article(corpus, "a.md", "Alpha", "Alpha text about rest.")
    write_article(corpus, "b.md", "Beta", "Beta text about sleep.")
    library = make_test_library(corpus, tmp_path / "index", FakeEmbedder())
    library.load()
    pa, pb = (next(p.id for p in library.index.passages if p.article == name) for name in ("a.md", "b.md"))
    feedback = tmp_path / "feedback.jsonl"
    write_jsonl(
        feedback,
        [
            {"time": stamp(1), "answer": "k1", "helpful": True, "passages": [pa, pb]},
            {"time": stamp(2), "answer": "k2", "helpful": False, "passages": [pb]},
            {"time": stamp(3), "answer": "k3", "helpful": False, "passages": [pb, "gone-passage"]},
            {"time": stamp(40), "answer": "k4", "helpful": True, "passages": [pb]},  # outside 7 and 30 days
        ],
    )
    unanswered = tmp_path / "unanswered.jsonl"
    write_jsonl(unanswered, [{"time": stamp(0.1)}, {"time": stamp(0.2)}, {"time": stamp(1)}, {"time": stamp(9)}])

    week = gather(feedback, unanswered, library.index, days=7, now=NOW)
    assert (week.votes.helpful, week.votes.not_helpful) == (1, 2)
    assert [(a.title, a.votes.helpful, a.votes.not_helpful) for a in week.articles] == [("Beta", 1, 2), ("Alpha", 1, 0)]
    assert [(p.title, p.votes.helpful, p.votes.not_helpful) for p in week.least_helpful] == [
        ("Beta", 1, 2),
        ("(no longer in the library)", 0, 1),
    ]
    assert week.least_helpful[0].text == "Beta text about sleep."
    assert week.unanswered == 3 and week.unanswered_by_day == (("2026-03-10", 2), ("2026-03-09", 1))
    assert week.themes is None  # question text is not kept
    everything = gather(feedback, unanswered, library.index, days=0, now=NOW)
    assert everything.votes.total == 4 and everything.unanswered == 4
    assert gather(tmp_path / "none.jsonl", tmp_path / "none2.jsonl", None, now=NOW).votes.total == 0


def test_unanswered_log_keeps_text_only_when_asked(tmp_path):
    off = UnansweredLog(tmp_path / "off.jsonl")
    assert set(off.record("what about volcanoes?")) == {"time"}
    on = UnansweredLog(tmp_path / "on.jsonl", keep_question=True)
    assert on.record("  what about\nvolcanoes?  ")["question"] == "what about volcanoes?"
    assert "volcano" not in (tmp_path / "off.jsonl").read_text()


def test_themes_group_similar_questions():
    questions = [
        "how do volcanoes erupt",
        "why do volcanoes erupt",
        "how do volcanoes erupt",
        "tax forms for freelancers",
        "freelancers tax forms deadline",
        "chess opening for beginners",
    ]
    themes = cluster_questions(questions, FakeEmbedder().encode, distance=0.6)
    assert [t.count for t in themes] == [3, 2, 1]
    assert "volcanoes" in themes[0].example and "tax" in themes[1].example and "chess" in themes[2].example


def test_themes_only_with_kept_text(tmp_path):
    unanswered = tmp_path / "u.jsonl"
    write_jsonl(unanswered, [{"time": stamp(0.1), "question": "volcano eruptions"}, {"time": stamp(0.2)}])
    kept = gather(
        tmp_path / "f.jsonl", unanswered, None, days=1, keep_question=True, encode=FakeEmbedder().encode, now=NOW
    )
    assert kept.themes is not None
    assert [(t.count, t.example) for t in kept.themes] == [(1, "volcano eruptions")] and kept.themed == 1
    assert gather(tmp_path / "f.jsonl", unanswered, None, days=1, keep_question=False, now=NOW).themes is None


# Hand-written unanswered questions in themes: the first set chose the theme distances, the second checked them.
CHOSE = [
    [
        "how do I talk to my partner about pornography",
        "is it ok that my boyfriend watches porn",
        "my wife found my porn and is upset, what now",
        "should couples discuss porn use",
    ],
    [
        "what are good contraception options for teens",
        "which birth control has the fewest side effects",
        "can I get pregnant on the pill",
        "is the copper IUD reliable",
    ],
    [
        "how can I stop feeling jealous",
        "my jealousy is ruining my relationship",
        "why do I get jealous when my partner texts friends",
    ],
    ["how do I come out to my parents as gay", "telling my family I'm bisexual", "is it safe to come out at school"],
    [
        "what helps with grief after a miscarriage",
        "coping with pregnancy loss",
        "my partner and I lost a baby, how do we heal",
    ],
]
CHECKED = [
    [
        "how do I say no to sex without hurting him",
        "my girlfriend pressures me into sex, how do I refuse",
        "is it ok to turn down my husband",
    ],
    ["why does sex hurt for me", "pain during intercourse, what can cause it", "it burns when we have sex"],
    [
        "how do I rebuild trust after cheating",
        "my partner had an affair, can we recover",
        "forgiving infidelity in a marriage",
    ],
    ["how to flirt with someone at work", "tips for a first date", "how do I ask someone out"],
]


@pytest.mark.model
@pytest.mark.parametrize("groups,least", [(CHOSE, 0.8), (CHECKED, 0.85)], ids=["chose", "checked"])
def test_themes_with_the_real_encoder_follow_the_written_themes(real_embedder, groups, least):
    from sklearn.metrics import adjusted_rand_score

    questions = [q for g in groups for q in g]
    written = [i for i, g in enumerate(groups) for _ in g]
    vectors = np.asarray(real_embedder.encode(questions), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    found = theme_labels(vectors, theme_distance(real_embedder.name))
    score = adjusted_rand_score(written, found)
    print(f"{len(set(found.tolist()))} themes for {len(groups)} written; adjusted Rand {score:.2f}")
    assert score >= least
    themes = cluster_questions(questions, real_embedder.encode, distance=theme_distance(real_embedder.name))
    assert len(themes) == len(set(found.tolist())) and sum(t.count for t in themes) == len(questions)
