"""Load articles from the corpus folder: Markdown with YAML front matter, plain text, saved HTML.

Plain text and HTML pages carry site chrome ("Logo", "Contact Us", menus); that is removed with
real boilerplate extractors (jusText for text, trafilatura for HTML), not with hand-written rules.
A trailing ``#tag#tag`` line becomes the article's tags in every format.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import logging
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ArticleError, CorpusError
from .tags import is_hashtag_line, parse_hashtag_line, split_tag_field, tag_key

log = logging.getLogger(__name__)

SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html", ".htm": "html"}
MAX_FILE_BYTES = 5 * 1024 * 1024
IGNORED_NAMES = {"readme.md", "readme.txt", "license", "license.md"}


@dataclass(frozen=True)
class Article:
    """One article: metadata plus its cleaned body text."""

    path: str  # relative to the corpus root, POSIX separators; the article's identity
    title: str
    body: str
    site: str | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()
    date: str | None = None
    age_restricted: bool = False
    content_hash: str = ""

    @property
    def source(self) -> str:
        """How an article is attributed: site and link where known."""
        parts = [p for p in (self.site, self.url) if p]
        return " — ".join(parts) if parts else self.path

    @property
    def tag_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(tag_key(t) for t in self.tags if tag_key(t)))


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass
class CorpusScan:
    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for a in sorted(self.articles, key=lambda a: a.path):
            h.update(f"{a.path}\0{a.content_hash}\n".encode())
        return h.hexdigest()


# ----------------------------------------------------------------------------------------------
# Text helpers


def _normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\ufeff", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def _split_trailing_hashtags(text: str) -> tuple[str, list[str]]:
    """Remove a final '#a#b#c' line and return its tags."""
    lines = text.rstrip().split("\n")
    if lines and is_hashtag_line(lines[-1]):
        tags = parse_hashtag_line(lines[-1])
        return "\n".join(lines[:-1]).rstrip(), tags
    return text, []


def _humanize_stem(path: Path) -> str:
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
    body = _normalize_text(post.content)
    title = meta.get("title")
    if not title:
        heading = re.match(r"^\s*#\s+(.+)$", body, flags=re.M)
        title = heading.group(1).strip() if heading else _humanize_stem(path)
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
    text = _normalize_text(text)
    text, tags = _split_trailing_hashtags(text)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if not paragraphs:
        raise ArticleError("no text")
    markup = "<html><body>" + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs) + "</body></html>"
    classified = [(p.text.strip(), not p.is_boilerplate) for p in _justext_paragraphs(markup)]
    kept = [text for text, good in classified if good and text]
    if not kept:  # a short note with nothing that looks like web chrome: keep it all
        kept = paragraphs
        classified = [(p, True) for p in paragraphs]
    title = _humanize_stem(path)
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


def _same_words(a: str, b: str) -> bool:
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
    title = readable_title(meta.get("title") or _humanize_stem(path))
    if meta.get("body") is not None:
        blocks = _html_blocks(meta["body"])
    else:  # older trafilatura: its plain text has one block per line
        blocks = [line for line in _normalize_text(meta.get("text") or "").split("\n") if line.strip()]
    if not blocks:  # trafilatura found no main content: fall back to jusText's paragraph classifier
        blocks = [p.text.strip() for p in _justext_paragraphs(text) if not p.is_boilerplate and p.text.strip()]
    if len(blocks) > 1 and _same_words(blocks[0], title):
        blocks.pop(0)  # the page's own heading: the title already says it
    body = _normalize_text("\n\n".join(blocks))
    if not body.strip():
        raise ArticleError("no readable text in the HTML page")
    body, tags = _split_trailing_hashtags(body)
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


_PARSERS = {"markdown": _parse_markdown, "text": _parse_text, "html": _parse_html}


# ----------------------------------------------------------------------------------------------
# Public API


def read_article_text(path: Path) -> tuple[str, str]:
    """Read a file as UTF-8 text; return (text, sha256). Raises ArticleError with the reason."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ArticleError(f"cannot read file ({exc.strerror or exc})") from None
    if size > MAX_FILE_BYTES:
        raise ArticleError(f"file too large ({size // 1024} KiB; the limit is {MAX_FILE_BYTES // 1024} KiB)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"cannot read file ({exc.strerror or exc})") from None
    if b"\0" in raw:
        raise ArticleError("binary file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"not valid UTF-8 (byte {exc.start})") from None
    return text, hashlib.sha256(raw).hexdigest()


def load_article(path: Path, root: Path) -> Article:
    """Parse one article file. Raises ArticleError (user-safe reason) if it cannot be used."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ArticleError(f"unsupported file type '{path.suffix or path.name}' (use .md, .txt or .html)")
    text, digest = read_article_text(path)
    fields = _PARSERS[kind](text, path)
    body, trailing = _split_trailing_hashtags(fields["body"])
    body = _normalize_text(body)
    if not body.strip():
        raise ArticleError("empty article (no body text)")
    tags = list(dict.fromkeys([*fields["tags"], *trailing]))
    return Article(
        path=path.relative_to(root).as_posix(),
        title=" ".join(str(fields["title"]).split())[:300] or _humanize_stem(path),
        body=body,
        site=str(fields["site"]).strip() if fields.get("site") else None,
        url=str(fields["url"]).strip() if fields.get("url") else None,
        tags=tuple(t for t in tags if tag_key(t)),
        date=fields.get("date"),
        age_restricted=bool(fields.get("age_restricted")),
        content_hash=digest,
    )


def corpus_files(root: Path, skipped: list[Skipped]) -> list[Path]:
    """The article files under ``root`` (hidden files and folders and READMEs aside); others go to ``skipped``."""
    files: list[Path] = []
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or name.lower() in IGNORED_NAMES:
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.suffix.lower() not in SUFFIXES:
                skipped.append(Skipped(rel, f"unsupported file type '{path.suffix or name}' (use .md, .txt or .html)"))
                continue
            if path.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    skipped.append(Skipped(rel, "broken symbolic link"))
                    continue
                if not target.is_relative_to(real_root):
                    skipped.append(Skipped(rel, "symbolic link to a file outside the corpus folder"))
                    continue
            files.append(path)
    return files


def check_corpus_folder(root: Path | str) -> Path:
    """``root`` as a Path; CorpusError if it is not a folder (checked before anything slow starts)."""
    root = Path(root)
    if not root.exists():
        raise CorpusError(f"corpus folder not found: {root}")
    if not root.is_dir():
        raise CorpusError(f"corpus path is not a folder: {root}")
    return root


def scan_corpus(root: Path | str) -> CorpusScan:
    """Load every article under ``root``; unusable files are skipped with a reason, never fatal."""
    root = check_corpus_folder(root)
    scan = CorpusScan()
    seen_bodies: dict[str, str] = {}
    for path in corpus_files(root, scan.skipped):
        rel = path.relative_to(root).as_posix()
        try:
            article = load_article(path, root)
        except ArticleError as exc:
            scan.skipped.append(Skipped(rel, str(exc)))
            continue
        body_key = hashlib.sha256(" ".join(article.body.split()).casefold().encode()).hexdigest()
        if body_key in seen_bodies:
            scan.skipped.append(Skipped(rel, f"duplicate of {seen_bodies[body_key]}"))
            continue
        seen_bodies[body_key] = rel
        scan.articles.append(article)
    return scan


def slugify(text: str, limit: int = 80) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug[:limit].rstrip("-") or "article"


def to_markdown(article: Article) -> str:
    """An article as a corpus Markdown file with YAML front matter."""
    meta: dict[str, object] = {"title": article.title}
    if article.site:
        meta["site"] = article.site
    if article.url:
        meta["url"] = article.url
    if article.date:
        meta["date"] = article.date
    meta["tags"] = list(article.tags)
    if article.age_restricted:
        meta["age_restricted"] = True
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000).strip()
    return f"---\n{header}\n---\n\n{article.body.strip()}\n"


IMPORTED_DIR = ".imported"  # hidden: the scan skips it


@dataclass(frozen=True)
class Imported:
    """What ``import_article`` did: the article it wrote, and where the saved page went if it moved."""

    article: Path
    replaced: bool = False  # an earlier import with the same title was replaced (--force)
    original: Path | None = None  # the saved page, moved out of the indexed part of the corpus


def _drop_repeated_title(title: str, body: str) -> str:
    """The body without a first line that only repeats the title ('Title' or '# Title')."""
    first, _, rest = body.partition("\n\n")
    if rest.strip() and _same_words(first.lstrip("#"), title):
        return rest.lstrip("\n")
    return body


def _set_aside(source: Path, corpus: Path) -> Path:
    """Move a saved page that sits in the corpus into corpus/.imported/, where no build reads it.

    Left beside its Markdown, it would be indexed too, and the build would keep one of the two as
    a duplicate of the other (the page, if its name sorts first).
    """
    rel = source.resolve().relative_to(corpus.resolve())
    target = corpus / IMPORTED_DIR / rel
    n = 2
    while target.exists():  # never overwrite an earlier saved page
        target = target.with_name(f"{target.stem.rsplit('~', 1)[0]}~{n}{target.suffix}")
        n += 1
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
    except OSError as exc:
        raise CorpusError(
            f"wrote the article, but could not move {source} out of the corpus "
            f"({exc.strerror or exc}); move or delete it, or the build will index both"
        ) from None
    return target


def import_article(
    source: Path,
    corpus: Path,
    *,
    site: str | None = None,
    url: str | None = None,
    tags: list[str] | None = None,
    age_restricted: bool = False,
    force: bool = False,
) -> Imported:
    """Clean a saved page (txt/html/md) and write it into the corpus as Markdown.

    An article with the same title is replaced only with ``force``. A saved page inside the corpus
    folder is moved into ``corpus/.imported/``, so that only the Markdown is indexed.
    """
    source = Path(source)
    corpus = Path(corpus)
    if not source.is_file():
        raise CorpusError(f"file not found: {source}")
    article = load_article(source.resolve(), source.resolve().parent)
    article = Article(
        path=article.path,
        title=article.title,
        body=_drop_repeated_title(article.title, article.body),
        site=site or article.site,
        url=url or article.url,
        tags=tuple(dict.fromkeys([*article.tags, *(tags or [])])),
        date=article.date,
        age_restricted=age_restricted or article.age_restricted,
        content_hash=article.content_hash,
    )
    corpus.mkdir(parents=True, exist_ok=True)
    dest = corpus / f"{slugify(article.title)}.md"
    replaced = dest.exists()
    if replaced and not force:
        raise CorpusError(f"{dest} already exists (imported before?); to replace it, import again with --force")
    tmp = dest.with_name(f".{dest.name}.tmp")  # hidden: a scan never sees it
    tmp.write_text(to_markdown(article), encoding="utf-8")
    os.replace(tmp, dest)
    real = source.resolve()
    inside = real.is_relative_to(corpus.resolve())
    hidden = inside and any(part.startswith(".") for part in real.relative_to(corpus.resolve()).parts)
    moved = _set_aside(source, corpus) if inside and not hidden and real != dest.resolve() else None
    return Imported(dest, replaced, moved)
