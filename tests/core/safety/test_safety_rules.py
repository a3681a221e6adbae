"""The precise rules: method and means seeking, explicit intent, negation guards, idioms, ages."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.safety import CHECK_IN, CRISIS, NONE, CrisisDetector
from bot.core.safety.detector import MessageScores, message_units, split_message, whole_units
from bot.core.safety.model import OUTPUTS, CrisisModel, Thresholds, UnitScores
from bot.core.safety.resources import CATEGORIES
from bot.core.safety.rules import check, remove_negations, rewrite_idioms


@pytest.mark.parametrize(
    "text, category",
    [
        ("I'm depressed and want to die", "suicide"),
        ("I will commit suicide", "suicide"),
        ("I've been cutting again", "suicide"),
        ("how many of my pills would it take", "suicide"),
        ("he forced me last night and I can't stop shaking", "sexual_assault"),
        ("I don't see the point of waking up anymore", "suicide"),
        ("what's the most painless way to die", "suicide"),
        ("i'm going to kill myself tonight", "suicide"),
        ("I took all my sleeping pills", "suicide"),
        ("I've been self harming since the breakup", "suicide"),
        ("i keep cutting my arms when it gets bad", "suicide"),
    ],
)
def test_explicit_statements_are_a_crisis_for_the_rules_alone(text, category):
    hits = check(rewrite_idioms(text))
    assert category in hits.crisis
    quick = CrisisDetector.quick(text)
    assert quick is not None and quick.category == category


@pytest.mark.parametrize(
    "text",
    [
        "I want to die my hair blue",
        "this exam is killing me",
        "what does suicidal ideation mean?",
        "I have no intention of hurting myself",
        "I'm not suicidal, just curious about the research",
        "i would never hurt myself",
        "in what ways does intimacy aid growth?",
        "dying my hair purple tonight",
        "I've been cutting back on sugar",
        "I used to self harm years ago",
        "I'm cutting my hair short",
    ],
)
def test_idioms_negations_and_questions_are_not_a_crisis_for_the_rules(text):
    units = message_units(text)
    assert not check(units[0] if units else "").crisis
    assert CrisisDetector.quick(text) is None


def test_a_denial_is_removed_and_the_rest_still_counts():
    assert remove_negations("I have no intention of hurting myself") == ""
    assert remove_negations("I'm not suicidal but I've been cutting again") == "I've been cutting again"
    assert "suicide" in check(remove_negations("I'm not suicidal but I've been cutting again")).crisis
    assert remove_negations("I'm not thinking of killing myself, just to be clear.") == "just to be clear."
    assert remove_negations("im not planning on hurting myself") == ""
    assert remove_negations("I'm not thinking clearly and I want to kill myself") != ""  # no denial there


def test_means_questions_and_jokes_are_marked():
    assert check("I lost my job, what are the tallest bridges near me?").means
    assert check("this article is so bad I could kms lol").joke


@pytest.mark.parametrize(
    "text, minor",
    [
        ("im 15 and my bf wants to", True),
        ("17f here, can trauma affect relationships?", True),
        ("I'm in 9th grade and want to know about intimacy", True),
        ("I was 15 when it happened", False),
        ("I'm 25 and my partner is 30", False),
        ("I'm 14 days sober", False),
        ("my 16 year old daughter asked me", False),
    ],
)
def test_age_statements(text, minor):
    assert check(text).minor is minor


def test_long_messages_are_read_in_full_as_windows_of_three_sentences():
    filler = "We went to the market and bought apples. " * 80
    units = message_units(filler + "Tonight I am going to kill myself. " + filler)
    assert len(units) > 1 and any("kill myself" in u for u in units[1:])
    assert "suicide" in check(units[0]).crisis


@pytest.mark.parametrize(
    "text, category",
    [
        ("I'm not safe at home tonight", "immediate_danger"),
        ("im not safe with him", "immediate_danger"),
        ("I am in danger, please", "immediate_danger"),
        ("I'm not safe to drive tonight", None),
        ("I'm in danger of failing maths", None),
        ("is it safe at home to use a heater overnight?", None),
        ("my girlfriend won't let me leave the apartment", "partner_violence"),
        ("my husband locks me in when he goes to work", "partner_violence"),
        ("my bf wont let me leave his place", "partner_violence"),
        ("my mum won't let me leave the house until my homework is done", None),
        ("my girlfriend won't let me pay for dinner lol", None),
    ],
)
def test_danger_now_and_a_partner_keeping_one_in(text, category):
    """Said plainly, being in danger now or kept in by a partner is a card; look-alikes are not."""
    assert check(text).crisis == ((category,) if category else ())


def test_a_short_message_is_also_read_sentence_by_sentence_and_a_long_one_by_runs():
    units, single = split_message("Hi there. Quick question about the trust article.")
    assert units == [
        "Hi there. Quick question about the trust article.",
        "Hi there.",
        "Quick question about the trust article.",
    ]
    assert single == 2 and whole_units("Hi there. Quick question about the trust article.") == units[:1]
    assert split_message("one line only") == (["one line only"], 0)
    long = " ".join(f"Sentence {i} is here." for i in range(6))
    units, single = split_message(long)
    assert single == 0 and len(units) == 1 + 4  # the whole and four runs of three
    assert split_message("I have no intention of hurting myself") == ([], 0)


def _units(crisis: list[float], risk: list[float], category: list[int]) -> UnitScores:
    n = len(crisis)
    cat = np.full((n, len(CATEGORIES)), 0.01)
    cat[np.arange(n), category] = 0.96
    return UnitScores(np.array(risk), np.array(crisis), np.zeros(n), np.zeros(n), cat)


def _detector(thresholds: Thresholds) -> CrisisDetector:
    """A detector whose decisions are driven by scores given by hand (its network is never run)."""
    layers = [(np.zeros((4, 1)), np.zeros(1), np.zeros((1, len(OUTPUTS))), np.zeros(len(OUTPUTS)))]
    return CrisisDetector(CrisisModel(layers, thresholds), None)  # type: ignore[arg-type]


def test_a_single_sentence_counts_only_at_its_own_thresholds_and_when_the_whole_shows_risk():
    detector = _detector(Thresholds(card=0.7, check_in=0.3, sentence_card=0.9, sentence_check_in=0.5))
    hits = check("")
    suicide, violence = CATEGORIES.index("suicide"), CATEGORIES.index("partner_violence")

    def decide(whole: tuple[float, float], *sentences: tuple[float, float]):
        scores = _units(
            [whole[0], *(s[0] for s in sentences)],
            [whole[1], *(s[1] for s in sentences)],
            [violence] + [suicide] * len(sentences),
        )
        return detector.decide(MessageScores.of(scores, hits, len(sentences)))

    # The whole diluted below a check-in; one sentence alone is clearly grave: a card, its category.
    a = decide((0.2, 0.2), (0.95, 0.97), (0.01, 0.01))
    assert a.level == CRISIS and a.categories == ("suicide",) and "sentence_card" in a.reasons
    # Grave enough for the whole message's card threshold, not for a sentence's: a check-in.
    assert decide((0.2, 0.2), (0.8, 0.8)).level == CHECK_IN
    assert decide((0.2, 0.2), (0.1, 0.4)).level == NONE  # under the sentence check-in
    # The whole shows no risk (an ordinary question): its sentences are not read at all.
    assert decide((0.01, 0.01), (0.99, 0.99)).level == NONE
    # The whole decides when it is enough on its own, with its own category.
    a = decide((0.8, 0.9), (0.95, 0.97))
    assert a.level == CRISIS and a.categories[0] == "partner_violence" and "model_card" in a.reasons


def test_a_joke_marker_caps_a_card_unless_the_model_is_sure():
    detector = _detector(Thresholds(card=0.7, check_in=0.3, joke_card=0.9))
    joking = check("lol im ending it this weekend")
    assert joking.joke

    def decide(crisis: float):
        return detector.decide(MessageScores.of(_units([crisis], [crisis], [0]), joking))

    assert decide(0.8).level == CHECK_IN  # a card's score, but "lol": a check-in
    assert decide(0.95).level == CRISIS  # sure enough to pass the joke marker
    calibrated_before = _detector(Thresholds(card=0.7, check_in=0.3))
    assert (
        calibrated_before.decide(MessageScores.of(_units([0.99], [0.99], [0]), joking)).level == CHECK_IN
    )  # the cap holds


def test_past_a_joke_marker_a_single_sentence_needs_both_its_own_threshold_and_the_joke_one():
    detector = _detector(Thresholds(card=0.6, check_in=0.3, sentence_card=0.9, sentence_check_in=0.5, joke_card=0.8))
    joking = check("lol. im ending it this weekend")
    assert joking.joke

    def decide(whole: float, sentence: float):
        scores = _units([whole, sentence, 0.01], [whole, sentence, 0.01], [0, 0, 0])
        return detector.decide(MessageScores.of(scores, joking, 2))

    assert decide(0.85, 0.2).level == CRISIS  # the whole past the joke threshold: below the sentence one is fine
    assert decide(0.7, 0.2).level == CHECK_IN  # a card's score but under the joke threshold
    assert decide(0.4, 0.85).level == CHECK_IN  # a sentence past the joke threshold, not its own
    assert decide(0.4, 0.95).level == CRISIS  # a sentence past both


def test_a_rule_card_needs_the_model_to_see_some_risk():
    detector = _detector(Thresholds(card=0.7, check_in=0.3))
    hits = check("i want to die")
    assert hits.crisis == ("suicide",)

    def decide(score: float, model: CrisisDetector = detector):
        return model.decide(MessageScores.of(_units([score], [score], [0]), hits))

    a = decide(0.35)  # the model sees risk, if not a card's worth: the rule's card stands
    assert a.level == CRISIS and a.categories == ("suicide",)
    a = decide(0.05)  # read literally by the rule only ("i want to die (in game)"): never silent, a check-in
    assert a.level == CHECK_IN and a.categories == ("suicide",) and "rule_unconfirmed" in a.reasons
    assert decide(0.05, CrisisDetector(None, None)).level == CRISIS  # without a model the rules decide


def test_the_joke_threshold_is_calibrated_above_the_harmless_joking_messages_not_above_the_sentence_one():
    from bot.core.safety.examples import Example
    from bot.core.safety.training import calibrate

    joking, plain = check("lol this exam"), check("this exam")
    rows = []  # (expect, whole crisis score, joke marker)
    rows += [("crisis", 0.95 - i * 0.01, False) for i in range(30)]
    rows += [("check_in", 0.40, False) for _ in range(10)]
    rows += [("none", 0.01, False) for _ in range(100)]
    rows += [("none", 0.72, True), ("none", 0.10, True), ("crisis", 0.90, True)]
    scores = [MessageScores.of(_units([c], [c], [0]), joking if j else plain) for _, c, j in rows]
    examples = [Example(text="x", expect=e, category=None if e == "none" else "suicide") for e, _, _ in rows]
    t = calibrate(scores, examples)
    assert t.card < 0.72 < t.joke_card < 0.8  # above the harmless joking message, wherever the sentence one is
    assert t.sentence_card >= t.card
