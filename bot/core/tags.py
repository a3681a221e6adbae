"""Tag normalization: one key per tag however it is written, and a readable display form."""

from __future__ import annotations

import re
import unicodedata

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[\s_\-]+")
_HASHTAG_LINE = re.compile(r"^\s*(#[^\s#]+\s*)+#?\s*$")


def tag_key(tag: str) -> str:
    """'#PostTraumaticGrowth', 'post traumatic growth', 'post-traumatic growth' -> 'posttraumaticgrowth'."""
    text = unicodedata.normalize("NFKC", str(tag)).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def tag_display(tag: str) -> str:
    """A readable form: CamelCase and underscores become spaces, hyphens stay, the hash goes."""
    text = unicodedata.normalize("NFKC", str(tag)).strip().lstrip("#").strip()
    text = _CAMEL.sub(" ", text)
    text = _SEPARATORS.sub(" ", text.replace("-", "\0")).replace("\0", "-").strip()
    return text.lower()


def display_quality(tag: str) -> int:
    """How readable a written form is: spaced or CamelCase forms beat run-together lowercase."""
    raw = unicodedata.normalize("NFKC", str(tag)).strip().lstrip("#")
    return len(re.split(r"[\s-]+", tag_display(raw)))


def best_display(forms: list[str]) -> str:
    """The most readable of several forms of one tag (ties go to the first seen)."""
    best = max(forms, key=display_quality)
    return tag_display(best)


def is_hashtag_line(line: str) -> bool:
    return bool(_HASHTAG_LINE.match(line))


def parse_hashtag_line(line: str) -> list[str]:
    """'#sexualintimacy#healing#' -> ['sexualintimacy', 'healing']."""
    return [part.strip() for part in line.split("#") if part.strip()]


def split_tag_field(value: object) -> list[str]:
    """Front matter tags: a list, or a string of tags separated by commas or hashes."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [tag for item in value for tag in split_tag_field(item)]
    return [part.strip() for chunk in str(value).split(",") for part in chunk.split("#") if part.strip()]


# fuzz.ratio between tag keys at or above which a tag is offered as a correction. Measured on 38
# tags of this library's kind (tests/core/test_tags.py): 184 typos (a deleted, doubled, swapped or
# neighbouring-key letter; 32 written by hand) score 75 or more; the 703 pairs of different tags
# score at most 72.7 ("intimacy" and "sexual intimacy", which the whole-word rule offers anyway),
# pairs sharing no word at most 69.6 ("connection" and "communication"). WRatio with a cut-off of
# 60, used before, scores partial overlaps high: "consent" against "self-reconstruction" 64.
SUGGEST_CUTOFF = 75.0


def _words(tag: str) -> set[str]:
    return {tag_key(w) for w in re.split(r"[\s-]+", tag_display(tag)) if tag_key(w)}


def suggest_tags(name: str, tags: dict[str, str], limit: int = 5) -> list[str]:
    """The tags ``name`` was probably meant to be: close spellings, then tags that contain its words.

    ``tags`` maps each tag's key to its display form. 'healng' finds 'healing'; 'growth' and 'growht' find
    'post-traumatic growth'; 'consent' finds nothing among tags that only share letters with it.
    """
    from rapidfuzz import fuzz, process

    key = tag_key(name)
    if not key or not tags:
        return []
    close = process.extract(key, list(tags), scorer=fuzz.ratio, score_cutoff=SUGGEST_CUTOFF, limit=limit)
    found = [match for match, _score, _ in close]
    words = _words(name)
    found += [k for k, display in tags.items() if k not in found and _has_words(words, _words(display))]
    return [tags[k] for k in found[:limit]]


def _has_words(words: set[str], tag_words: set[str]) -> bool:
    """Every word is one of the tag's words, or a typo of one: as close as a typo of a whole tag,
    and of nearly the same length ('growht' is 'growth'; 'trauma' is not 'traumatic')."""
    from rapidfuzz import fuzz

    return bool(words) and all(
        w in tag_words or any(abs(len(w) - len(v)) <= 1 and fuzz.ratio(w, v) >= SUGGEST_CUTOFF for v in tag_words)
        for w in words
    )
