import itertools

import pytest

from bot.core.tags import (
    SUGGEST_CUTOFF,
    best_display,
    is_hashtag_line,
    parse_hashtag_line,
    split_tag_field,
    suggest_tags,
    tag_display,
    tag_key,
)


def test_written_forms_of_one_tag_share_a_key():
    forms = [
        "#PostTraumaticGrowth",
        "post traumatic growth",
        "posttraumaticgrowth",
        "Post-Traumatic Growth",
        "post_traumatic_growth",
        "  #posttraumaticGROWTH  ",
    ]
    assert {tag_key(f) for f in forms} == {"posttraumaticgrowth"}


def test_display_form_is_readable():
    assert tag_display("#PostTraumaticGrowth") == "post traumatic growth"
    assert tag_display("post-traumatic growth") == "post-traumatic growth"
    assert tag_display("self_reconstruction") == "self reconstruction"
    assert best_display(["posttraumaticgrowth", "#PostTraumaticGrowth"]) == "post traumatic growth"
    assert best_display(["posttraumaticgrowth", "post-traumatic growth"]) == "post-traumatic growth"


def test_hashtag_lines():
    line = "#sexualintimacy#posttraumaticgrowth#healing#"
    assert is_hashtag_line(line)
    assert parse_hashtag_line(line) == ["sexualintimacy", "posttraumaticgrowth", "healing"]
    assert not is_hashtag_line("We are #1 in the world")
    assert not is_hashtag_line("")


def test_tag_fields_accept_lists_and_strings():
    assert split_tag_field(["a", "b, c"]) == ["a", "b", "c"]
    assert split_tag_field("#a#b, post traumatic growth") == ["a", "b", "post traumatic growth"]
    assert split_tag_field(None) == []


# Tags of this library's kind, and misspellings a member might type. The cut-off in suggest_tags was
# chosen on these: every typo scores at least 75 with fuzz.ratio, every pair of different tags at
# most 72.7 (a pair sharing a word) and otherwise 69.6.
TAGS = [
    "sexual intimacy",
    "post-traumatic growth",
    "self-reconstruction",
    "healing",
    "connection",
    "bonding",
    "attachment",
    "boundaries",
    "gardening",
    "trust",
    "consent",
    "shame",
    "grief",
    "abuse",
    "therapy",
    "ptsd",
    "anxiety",
    "communication",
    "vulnerability",
    "touch",
    "pleasure",
    "desire",
    "dissociation",
    "safety",
    "relationships",
    "self-esteem",
    "resilience",
    "recovery",
    "survivors",
    "childhood trauma",
    "couples",
    "sexual assault",
    "emotional intimacy",
    "oxytocin",
    "trauma",
    "intimacy",
    "body image",
    "mindfulness",
]
HAND_TYPOS = {
    "healng": "healing",
    "heeling": "healing",
    "attachmnet": "attachment",
    "atachment": "attachment",
    "boundries": "boundaries",
    "boundarys": "boundaries",
    "conection": "connection",
    "connnection": "connection",
    "conscent": "consent",
    "concent": "consent",
    "intamacy": "intimacy",
    "intimicy": "intimacy",
    "traumma": "trauma",
    "truama": "trauma",
    "posttramatic growth": "post-traumatic growth",
    "post traumatic grwoth": "post-traumatic growth",
    "sexual intamacy": "sexual intimacy",
    "self reconstuction": "self-reconstruction",
    "bondng": "bonding",
    "vulnerabilty": "vulnerability",
    "dissasociation": "dissociation",
    "resiliance": "resilience",
    "comunication": "communication",
    "survivers": "survivors",
    "gardenning": "gardening",
    "greif": "grief",
    "shmae": "shame",
    "trsut": "trust",
    "abuze": "abuse",
    "therapie": "therapy",
    "anxeity": "anxiety",
    "pstd": "ptsd",
}
_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]


def _one_edit_typos(word: str) -> list[str]:
    """A deleted, doubled, swapped and neighbouring-key letter in the middle of the word."""
    i = len(word) // 2
    row = next(r for r in _ROWS if word[i] in r) if word[i].isalpha() else "q"
    j = row.find(word[i])
    neighbour = row[j + 1] if j + 1 < len(row) else row[j - 1]
    return [
        word[:i] + word[i + 1 :],
        word[:i] + word[i] + word[i:],
        word[:i] + word[i + 1] + word[i] + word[i + 2 :],
        word[:i] + neighbour + word[i + 1 :],
    ]


def _typos():
    for tag in TAGS:
        for typo in _one_edit_typos(tag_key(tag)):
            yield typo, tag
    yield from HAND_TYPOS.items()


@pytest.fixture(scope="module")
def tags() -> dict[str, str]:
    return {tag_key(t): t for t in TAGS}


def test_a_misspelled_tag_is_offered_the_tag_it_meant(tags):
    for typo, meant in _typos():
        others = {k: v for k, v in tags.items() if k != tag_key(typo)}  # the typo itself is not a tag
        if tag_key(meant) in others:
            assert suggest_tags(typo, others)[:1] == [meant], typo


def test_a_different_tag_is_not_offered_for_shared_letters(tags):
    for name in TAGS:
        others = {k: v for k, v in tags.items() if k != tag_key(name)}
        for suggestion in suggest_tags(name, others):  # only tags that contain every word of it
            assert set(tag_display(name).replace("-", " ").split()) <= set(suggestion.replace("-", " ").split())
    seed = {tag_key(t): t for t in TAGS[:7]}
    assert suggest_tags("consent", seed) == []  # was "self-reconstruction" (WRatio 64 above a cut-off of 60)
    assert suggest_tags("trust", seed) == []
    assert suggest_tags("growth", seed) == ["post-traumatic growth"]
    assert suggest_tags("growht", seed) == ["post-traumatic growth"]  # a typo of one of its words
    assert suggest_tags("trauma", seed) == []  # not a typo of 'traumatic'
    assert suggest_tags("#SexualIntimacy", {tag_key("sexual healing"): "sexual healing"}) == []


def test_the_cut_off_sits_between_the_measured_typos_and_unrelated_pairs():
    from rapidfuzz import fuzz

    worst_typo = min(
        fuzz.ratio(tag_key(typo), tag_key(meant)) for typo, meant in _typos() if tag_key(typo) != tag_key(meant)
    )
    best_unrelated = max(fuzz.ratio(tag_key(a), tag_key(b)) for a, b in itertools.combinations(TAGS, 2))
    assert best_unrelated < SUGGEST_CUTOFF <= worst_typo
