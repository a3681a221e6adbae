"""Writing articles into the corpus: file names, Markdown with front matter, and importing a saved page
(``python -m bot corpus import``)."""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from .corpus import Article, load_article
from .errors import CorpusError
from .formats import same_words

log = logging.getLogger(__name__)


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
    if rest.strip() and same_words(first.lstrip("#"), title):
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
