"""Adding and removing articles without a shell: the same checks and cleaning as the corpus loader.

An upload or a fetched page is read exactly as a file in the corpus is (``corpus.load_article``:
type, size, binary content, UTF-8, front matter, boilerplate removal for text and HTML), written
as Markdown with front matter (``corpus.to_markdown``) and read back, so the preview shows what the
index will hold. A duplicate of an article already in the library is refused. Nothing is written
until ``commit``; a removed article is moved aside into ``.removed/`` (hidden from the library),
never deleted, so a moderator can put it back.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import urlsplit

import yaml

from .article_files import slugify, to_markdown
from .chunker import Passage
from .corpus import MAX_FILE_BYTES, SUFFIXES, Article, corpus_files, load_article, scan_corpus
from .errors import ArticleError, CorpusError

REMOVED_DIR = ".removed"
# Upload content types the library reads (a missing type is judged by the bytes alone).
TEXT_TYPES = ("text/", "application/xhtml+xml")
# What a client sends when it does not know the type (many have no mapping for .md): the bytes decide.
UNKNOWN_TYPES = ("application/octet-stream", "binary/octet-stream")

Chunker = Callable[[Article], Sequence[Passage]]


@dataclass(frozen=True)
class Draft:
    """An article checked and cleaned, not yet written."""

    article: Article  # as the index will read it; ``path`` is its file name in the corpus
    passages: tuple[Passage, ...]  # as the index will split it
    markdown: str  # the file to write
    source: str  # the upload's name or the page's address

    @property
    def first_passage(self) -> str:
        return self.passages[0].text if self.passages else ""


def body_key(article: Article) -> str:
    """Two articles with this key are duplicates (the rule ``scan_corpus`` skips duplicates by)."""
    return hashlib.sha256(" ".join(article.body.split()).casefold().encode()).hexdigest()


def _same_address(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False

    def norm(u: str) -> tuple[str, str, str]:
        p = urlsplit(u.strip())
        return (p.hostname or "").lower().removeprefix("www."), p.path.rstrip("/") or "/", p.query

    return norm(a) == norm(b)


def check_type(filename: str, content_type: str | None) -> str:
    """The file's suffix if the library reads it (.md, .txt, .html); ArticleError otherwise."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise ArticleError(f"unsupported file type '{suffix or filename}' (use .md, .txt or .html)")
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind and kind not in UNKNOWN_TYPES and not kind.startswith(TEXT_TYPES):
        raise ArticleError(f"the file is {kind}, not text (use .md, .txt or .html)")
    return suffix


def _with_added_by(markdown: str, added_by: str | None) -> str:
    if not added_by:
        return markdown
    end = markdown.index("\n---\n", 4)  # to_markdown always writes a front matter block
    extra = yaml.safe_dump({"added_by": " ".join(added_by.split())[:100]}, allow_unicode=True, width=1000).strip()
    return f"{markdown[:end]}\n{extra}{markdown[end:]}"


def _read(data: bytes, name: str) -> Article:
    """``data`` read as the corpus loader reads a file called ``name``."""
    with tempfile.TemporaryDirectory(prefix="library-add-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        return load_article(path, Path(tmp))


def draft_article(
    data: bytes,
    filename: str,
    corpus_dir: Path | str,
    chunk: Chunker,
    *,
    content_type: str | None = None,
    site: str | None = None,
    url: str | None = None,
    tags: Sequence[str] = (),
    age_restricted: bool = False,
    added_by: str | None = None,
    source: str | None = None,
) -> Draft:
    """Check and clean a document for the library; ArticleError (with the reason) if it cannot be added."""
    suffix = check_type(filename, content_type)
    if len(data) > MAX_FILE_BYTES:
        raise ArticleError(f"file too large ({len(data) // 1024} KiB; the limit is {MAX_FILE_BYTES // 1024} KiB)")
    parsed = _read(data, slugify(Path(filename).stem) + suffix)
    article = replace(
        parsed,
        site=parsed.site or site,
        url=parsed.url or url,
        tags=tuple(dict.fromkeys([*parsed.tags, *tags])),
        age_restricted=parsed.age_restricted or age_restricted,
    )
    name = f"{slugify(article.title)}.md"
    markdown = _with_added_by(to_markdown(article), added_by)
    final = _read(markdown.encode("utf-8"), name)  # what the index will read from the written file
    check_new(final, corpus_dir)
    return Draft(final, tuple(chunk(final)), markdown, source or filename)


def check_new(article: Article, corpus_dir: Path | str) -> None:
    """ArticleError if ``article`` is already in the library: its file name, its text or its address."""
    root = Path(corpus_dir)
    if (root / article.path).exists():
        raise ArticleError(f"{article.path} is already in the library; remove it first to add it again")
    if not root.is_dir():
        return
    key = body_key(article)
    for other in scan_corpus(root).articles:
        if body_key(other) == key:
            raise ArticleError(f"it is a duplicate of {other.path} ('{other.title}')")
        if _same_address(other.url, article.url):
            raise ArticleError(f"{other.path} ('{other.title}') already has this address")


def commit(draft: Draft, corpus_dir: Path | str) -> Path:
    """Write a draft into the corpus (checked again: the library may have changed since the preview)."""
    root = Path(corpus_dir)
    check_new(draft.article, root)
    root.mkdir(parents=True, exist_ok=True)
    dest = root / draft.article.path
    tmp = dest.with_name(f".{dest.name}.tmp")  # hidden: a scan never sees it
    tmp.write_text(draft.markdown, encoding="utf-8")
    os.replace(tmp, dest)
    return dest


def article_file(corpus_dir: Path | str, path: str) -> Path:
    """The corpus file at ``path`` (relative, as the index names articles); CorpusError if there is none."""
    root = Path(corpus_dir)
    files = {p.relative_to(root).as_posix(): p for p in corpus_files(root, [])} if root.is_dir() else {}
    if path not in files:
        raise CorpusError(f"there is no article {path[:200]} in the library")
    return files[path]


def remove_article(corpus_dir: Path | str, path: str) -> Path:
    """Move an article out of the library into ``.removed/``; returns where it was kept."""
    source = article_file(corpus_dir, path)
    kept = Path(corpus_dir) / REMOVED_DIR / f"{time.strftime('%Y%m%d-%H%M%S')}-{path.replace('/', '__')}"
    kept.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, kept)
    return kept
