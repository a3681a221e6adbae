"""Text helpers shared by search, safety and rendering: one normalization, one sentence splitter."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and bidirectional marks, the word joiner, the BOM and the soft hyphen: invisible in
# Discord, but they split words for the tokenizer and for patterns.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201b": "'", "`": "'", "\u00b4": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"'}
)
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def normalize(text: object, *, keep_newlines: bool = False) -> str:
    """NFKC, straight quotes, no invisible or control characters, single spaces.

    ``keep_newlines`` keeps line breaks (collapsed to at most one blank line), which separate
    sentences in a message; otherwise the text is one line.
    """
    text = unicodedata.normalize("NFKC", str(text)).translate(_QUOTES)
    text = _INVISIBLE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", text)
    if not keep_newlines:
        return " ".join(text.split())
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Abbreviations whose full stop does not end a sentence ("Dr. Hertlein", "Bonanno et al. , 2006").
_ABBREVIATIONS = (
    "dr",
    "mr",
    "mrs",
    "ms",
    "prof",
    "st",
    "vs",
    "etc",
    "al",
    "e.g",
    "i.e",
    "approx",
    "no",
    "vol",
    "fig",
    "jr",
    "sr",
    "inc",
    "ltd",
    "co",
    "mt",
    "ft",
    "u.s",
    "u.k",
)
_ABBREV = re.compile(r"(?:^|[\s(])(?:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r")\.$", re.I)
# A sentence ends at . ! ? or an ellipsis (with closing quotes or brackets) before white space, or
# at a line break.
_END = re.compile(r"(?:[.!?…]+[\"')\]]*)(?=\s)|\n+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, white space trimmed; line breaks end sentences."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        end = m.end() if m.group(0)[0] != "\n" else m.start()
        if m.group(0)[0] != "\n" and _ABBREV.search(text[max(start, end - 12) : end]):
            continue
        _add_span(text, start, end, spans)
        start = m.end()
    _add_span(text, start, len(text), spans)
    return spans


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def plural(n: int, word: str, plural_form: str | None = None) -> str:
    """'1 article', '2 articles', '1,234 passages'."""
    return f"{n:,} {word if n == 1 else plural_form or word + 's'}"
