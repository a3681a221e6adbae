"""Retrieval on the seed article with the real bundled model."""

import pytest
import yaml

from helpers.library import DATA

CASES = yaml.safe_load((DATA / "seed_questions.yaml").read_text())


@pytest.mark.model
@pytest.mark.parametrize("case", CASES["answerable"], ids=lambda c: c["q"][:40])
def test_answerable_question_finds_its_passage_in_the_top_3(seed_library, case):
    answer = seed_library.ask(case["q"], k=3).answer
    assert answer.answered, f"no passage for {case['q']!r}"
    assert any(case["passage"] in q.text for q in answer.quotes), [q.text[:60] for q in answer.quotes]


@pytest.mark.model
@pytest.mark.parametrize("question", CASES["off_topic"])
def test_off_topic_question_gets_no_passage(seed_library, question):
    answer = seed_library.ask(question).answer
    assert not answer.answered, [(q.score, q.text[:60]) for q in answer.quotes]


@pytest.mark.model
def test_sample_answer_carries_attribution_and_safety(seed_library):
    answer = seed_library.ask("in what ways does intimacy aid growth?").answer
    assert len(answer.quotes) == 3
    for quote in answer.quotes:
        assert quote.site == "ZeroOpposite"
        assert quote.title.startswith("How Sexual Intimacy")
    # the article's "it is crucial for individuals experiencing trauma to engage in sexual intimacy"
    flagged = [q for q in answer.quotes if "crucial for individuals experiencing trauma" in q.text]
    assert flagged and all(q.claim_note for q in flagged)
    assert answer.safety.growth_note and "Calhoun" in answer.safety.growth_note
    assert "Consent" in answer.safety.note


def test_the_bold_answer_tells_rather_than_asks(seed_library):
    """The seed article's heading 'In what ways does sexual intimacy facilitate…?' restates the sample
    question and scores high; the sentence shown in bold is one that answers."""
    answer = seed_library.ask("in what ways does intimacy aid growth?").answer
    assert answer.quotes
    for q in answer.quotes:
        assert q.highlights
        assert not any(q.text[s:e].rstrip().endswith("?") for s, e in q.highlights), q.text[:120]
