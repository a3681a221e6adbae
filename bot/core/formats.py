"""One article file's text by its format: Markdown with YAML front matter, plain text, saved HTML.

Plain text and HTML pages carry site chrome ("Logo", "Contact Us", menus); that is removed with
real boilerplate extractors (jusText for text, trafilatura for HTML), not with hand-written rules.
A trailing ``#tag#tag`` line becomes the article's tags in every format. Each parser returns the
fields of an Article (bot.core.corpus builds it).
"""

from __future__ import annotations

import datetime as _dt
import html
import logging
import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from .errors import ArticleError
from .tags import is_hashtag_line, parse_hashtag_line, split_tag_field

log = logging.getLogger(__name__)


def normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\ufeff", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def split_trailing_hashtags(text: str) -> tuple[str, list[str]]:
    """Remove a final '#a#b#c' line and return its tags."""
    lines = text.rstrip().split("\n")
    if lines and is_hashtag_line(lines[-1]):
        tags = parse_hashtag_line(lines[-1])
        return "\n".join(lines[:-1]).rstrip(), tags
    return text, []


def humanize_stem(path: Path) -> str:
    stem = re.sub(r"^\d+[_\-\s]+", "", path.stem)
    words = re.sub(r"[_\-]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else path.name


_SMALL_WORDS = {"a", "an", "and", "as", "at", "but", "by", "for", "in", "nor", "of", "on", "or", "the", "to", "with"}


def readable_title(title: str) -> str:
    """'HOW SEXUAL INTIMACY CAN ...' -> 'How Sexual Intimacy Can ...'; other titles are kept."""
    title = " ".join(title.split())
    letters = [c for c in title if c.isalpha()]
    if not letters or not all(c.isupper() for c in letters):
        return title
    words = title.lower().split(" ")
    return " ".join(w if (i and w in _SMALL_WORDS) else w[:1].upper() + w[1:] for i, w in enumerate(words))


def _as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "y", "on"}


def _as_date(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return str(value)


# ----------------------------------------------------------------------------------------------
# Per-format parsing


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^---[ \t]*$", re.S | re.M)


def _hashtag_comments(front: str) -> list[str]:
    """'#Triggers' wherever YAML reads it as the start of a comment, dropping it and the rest of its line.

    A '#' starts a comment at the start of a line, after white space, and after '[', '{' or ','
    inside brackets; not inside quotes. Whole-line comments ('# a note') are deliberate and
    ignored, except inside a bracketed list that spans lines.
    """
    found: list[str] = []
    depth = 0
    for line in front.split("\n"):
        whole_line = line.lstrip().startswith("#")
        quote = None
        for i, ch in enumerate(line):
            prev = line[i - 1] if i else " "
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "\"'" and (prev.isspace() or prev in "[{,"):
                quote = ch
            elif ch in "[{":
                depth += 1
            elif ch in "]}":
                depth = max(0, depth - 1)
            elif ch == "#" and (prev.isspace() or (depth and prev in "[{,")):
                word = re.match(r"#[^\s#,\]}]+", line[i:])
                if word and (depth or not whole_line):
                    found.append(word.group(0))
                break  # the rest of the line is the comment
    return found


def _parse_markdown(text: str, path: Path) -> dict:
    import frontmatter

    front = _FRONT_MATTER.match(text)
    lost = _hashtag_comments(front.group(1)) if front else []
    fix = f"write it in quotes: \"{lost[0]}\"" if lost else ""
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        if lost:
            raise ArticleError(
                f"malformed front matter: YAML reads {lost[0]} as the start of a comment; {fix}"
            ) from None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ArticleError(f"malformed front matter ({problem})") from None
    except Exception as exc:  # frontmatter raises assorted errors on odd headers
        raise ArticleError(f"malformed front matter ({type(exc).__name__})") from None
    meta = post.metadata if isinstance(post.metadata, dict) else {}
    if lost:
        log.warning(
            "%s: YAML reads %s in the front matter as the start of a comment, so it and the rest of its "
            "line are ignored; %s",
            path,
            ", ".join(lost),
            fix,
        )
    body = normalize_text(post.content)
    title = meta.get("title")
    if not title:
        heading = re.match(r"^\s*#\s+(.+)$", body, flags=re.M)
        title = heading.group(1).strip() if heading else humanize_stem(path)
    return {
        "title": str(title).strip(),
        "body": body,
        "site": meta.get("site") or meta.get("source"),
        "url": meta.get("url") or meta.get("link"),
        "tags": split_tag_field(meta.get("tags")),
        "date": _as_date(meta.get("date")),
        "age_restricted": _as_bool(meta.get("age_restricted", False)),
    }


def _justext_paragraphs(html_text: str) -> list:
    import justext

    # jusText needs lxml.html.clean, which lxml 6 ships as this separate package; imported here by
    # name so that the install check and the declared-dependency test see it (pip 23.2 leaves it out
    # when it meets jusText's lxml[html_clean]).
    import lxml_html_clean  # noqa: F401

    return justext.justext(html_text.encode("utf-8"), justext.get_stoplist("English"), encoding="utf-8")


def _looks_like_heading(text: str) -> bool:
    text = text.strip()
    return 0 < len(text) <= 200 and "\n" not in text and not text.endswith((".", "!", "?", ":", ";"))


def _parse_text(text: str, path: Path) -> dict:
    """Plain text saved from a web page: blank-line paragraphs, chrome removed by jusText."""
    if text.lstrip().startswith("---"):
        return _parse_markdown(text, path)
    text = normalize_text(text)
    text, tags = split_trailing_hashtags(text)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if not paragraphs:
        raise ArticleError("no text")
    markup = "<html><body>" + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs) + "</body></html>"
    classified = [(p.text.strip(), not p.is_boilerplate) for p in _justext_paragraphs(markup)]
    kept = [text for text, good in classified if good and text]
    if not kept:  # a short note with nothing that looks like web chrome: keep it all
        kept = paragraphs
        classified = [(p, True) for p in paragraphs]
    title = humanize_stem(path)
    if len(kept) > 1 and _looks_like_heading(kept[0]):
        title = readable_title(kept.pop(0))
    else:
        # The page title is the heading just above the content, even when jusText calls it chrome.
        first = next(i for i, (_, good) in enumerate(classified) if good)
        if first > 0:
            heading = classified[first - 1][0]
            if _looks_like_heading(heading) and len(heading.split()) >= 3:
                title = readable_title(heading)
    # jusText joins a paragraph's lines; use the original paragraphs so no text is reworded.
    by_flat = {" ".join(p.split()): p for p in paragraphs}
    body = "\n\n".join(by_flat.get(" ".join(k.split()), k) for k in kept)
    return {
        "title": title,
        "body": body,
        "site": None,
        "url": None,
        "tags": tags,
        "date": None,
        "age_restricted": False,
    }


def _inline_text(element) -> str:
    """An element's text on one line, except where the page broke the line (<br>, trafilatura's <lb>)."""
    parts: list[str] = []

    def walk(node) -> None:
        if node.tag == "lb":
            parts.append("\n")
        elif node.text:
            parts.append(node.text.replace("\n", " "))  # the source's own newlines are only white space
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail.replace("\n", " "))

    walk(element)
    return "\n".join(" ".join(line.split()) for line in "".join(parts).split("\n") if line.strip())


def _html_blocks(body) -> list[str]:
    """trafilatura's extracted content as paragraphs: one per heading, paragraph, list, quote or table."""
    blocks = []
    for element in body:
        if element.tag == "list":
            text = "\n".join(f"- {item}" for item in (_inline_text(i) for i in element.findall("item")) if item)
        elif element.tag == "table":
            rows = (" | ".join(_inline_text(cell) for cell in row.findall("cell")) for row in element.iter("row"))
            text = "\n".join(row for row in rows if row.strip(" |"))
        else:
            text = _inline_text(element)
        if text:
            blocks.append(text)
    return blocks


def same_words(a: str, b: str) -> bool:
    def key(s: str) -> str:
        return "".join(ch for ch in unicodedata.normalize("NFKC", s).casefold() if ch.isalnum())

    return key(a) == key(b)


def _parse_html(text: str, path: Path) -> dict:
    import trafilatura

    # Dates only from the page's own date metadata (meta tags, JSON-LD, <time datetime>, its
    # address): htmldate's extensive search also reads dates in the text, and took a footer's
    # "© 2024" for the article's date (2024-01-01).
    doc = trafilatura.bare_extraction(
        text,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_precision=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    meta: dict[str, Any]
    if doc is None:
        meta = {}
    elif isinstance(doc, dict):  # older trafilatura returns a dict
        meta = doc
    else:
        meta = doc.as_dict()
    title = readable_title(meta.get("title") or humanize_stem(path))
    if meta.get("body") is not None:
        blocks = _html_blocks(meta["body"])
    else:  # older trafilatura: its plain text has one block per line
        blocks = [line for line in normalize_text(meta.get("text") or "").split("\n") if line.strip()]
    if not blocks:  # trafilatura found no main content: fall back to jusText's paragraph classifier
        blocks = [p.text.strip() for p in _justext_paragraphs(text) if not p.is_boilerplate and p.text.strip()]
    if len(blocks) > 1 and same_words(blocks[0], title):
        blocks.pop(0)  # the page's own heading: the title already says it
    body = normalize_text("\n\n".join(blocks))
    if not body.strip():
        raise ArticleError("no readable text in the HTML page")
    body, tags = split_trailing_hashtags(body)
    for field_name in ("tags", "categories"):
        tags.extend(split_tag_field(meta.get(field_name)))
    return {
        "title": title,
        "body": body,
        "site": meta.get("sitename"),
        "url": meta.get("url"),
        "tags": tags,
        "date": _as_date(meta.get("date")),
        "age_restricted": False,
    }


PARSERS = {"markdown": _parse_markdown, "text": _parse_text, "html": _parse_html}
