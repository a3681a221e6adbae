"""The corpus folder: which files are articles, each loaded as an Article, and a scan of them all.

Reading one file's text by its format (Markdown with front matter, plain text, saved HTML, with the
site chrome removed) is bot.core.formats; writing articles into the folder is bot.core.article_files.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ArticleError, CorpusError
from .formats import PARSERS, humanize_stem, normalize_text, split_trailing_hashtags
from .tags import tag_key

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
    fields = PARSERS[kind](text, path)
    body, trailing = split_trailing_hashtags(fields["body"])
    body = normalize_text(body)
    if not body.strip():
        raise ArticleError("empty article (no body text)")
    tags = list(dict.fromkeys([*fields["tags"], *trailing]))
    return Article(
        path=path.relative_to(root).as_posix(),
        title=" ".join(str(fields["title"]).split())[:300] or humanize_stem(path),
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
