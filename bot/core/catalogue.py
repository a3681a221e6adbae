"""The catalogue component: the articles, their tags and age restriction, and which article each
passage belongs to.

    catalogue/articles.json          one object per article (metadata, no body)
    catalogue/passage_articles.npy   per passage: the position of its article in articles.json

Answers the questions a filter asks (the passages with a tag, those outside age-restricted
articles) with sorted arrays of passage numbers built once at load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from .corpus import Article
from .errors import IndexCorrupt
from .tags import best_display, tag_key

REBUILD_HINT = "Rebuild it with: python -m bot index build"
_EMPTY = np.zeros(0, dtype=np.int64)


def _article_row(a: Article) -> dict:
    return {
        "path": a.path,
        "title": a.title,
        "site": a.site,
        "url": a.url,
        "tags": list(a.tags),
        "date": a.date,
        "age_restricted": a.age_restricted,
        "content_hash": a.content_hash,
        "body_chars": len(a.body),
    }


class Catalogue:
    def __init__(self, articles: dict[str, Article], passage_articles: np.ndarray) -> None:
        self.articles = articles
        self.passage_articles = passage_articles  # per passage: its article's position in ``articles``
        self._tag_passages: dict[str, np.ndarray] = {}
        self._tag_display: dict[str, str] = {}
        self._tag_articles: dict[str, list[str]] = {}
        self._passages_of: dict[str, np.ndarray] = {}
        self.unrestricted: np.ndarray | None = None  # None: nothing is age-restricted
        forms: dict[str, list[str]] = {}
        for article in articles.values():
            for tag in article.tags:
                key = tag_key(tag)
                if key:
                    forms.setdefault(key, []).append(tag)
                    self._tag_articles.setdefault(key, [])
                    if article.path not in self._tag_articles[key]:
                        self._tag_articles[key].append(article.path)
        self._tag_display = {key: best_display(f) for key, f in forms.items()}
        # Passages per article from one stable sort: no Python loop over passages.
        order = np.argsort(passage_articles, kind="stable")
        ids, starts, counts = np.unique(passage_articles[order], return_index=True, return_counts=True)
        paths = list(articles)
        for a, s, c in zip(ids.tolist(), starts.tolist(), counts.tolist()):
            self._passages_of[paths[a]] = order[s : s + c]
        tag_parts: dict[str, list[np.ndarray]] = {}
        open_parts: list[np.ndarray] = []
        for article in articles.values():
            rows = self._passages_of.get(article.path, _EMPTY)
            for key in article.tag_keys:
                tag_parts.setdefault(key, []).append(rows)
            if not article.age_restricted:
                open_parts.append(rows)
        self._tag_passages = {k: np.sort(np.concatenate(v)).astype(np.int64) for k, v in tag_parts.items()}
        if sum(len(r) for r in open_parts) < len(passage_articles):
            self.unrestricted = np.sort(np.concatenate(open_parts)).astype(np.int64) if open_parts else _EMPTY

    # -- saving and loading ------------------------------------------------------------------------

    @classmethod
    def build(cls, articles: Sequence[Article], passage_paths: Sequence[str]) -> "Catalogue":
        """The catalogue of ``articles``, given each passage's article path."""
        position = {a.path: i for i, a in enumerate(articles)}
        owners = np.fromiter((position[p] for p in passage_paths), dtype=np.int32, count=len(passage_paths))
        return cls({a.path: a for a in articles}, owners)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "articles.json", "w", encoding="utf-8") as fh:
            json.dump([_article_row(a) for a in self.articles.values()], fh, ensure_ascii=False, indent=1)
        np.save(folder / "passage_articles.npy", self.passage_articles)

    @classmethod
    def load(cls, folder: Path, passages: int) -> "Catalogue":
        try:
            articles = {}
            for row in json.loads((folder / "articles.json").read_text(encoding="utf-8")):
                row.pop("body_chars", None)
                row["tags"] = tuple(row.get("tags") or ())
                articles[row["path"]] = Article(body="", **row)
            owners = np.load(folder / "passage_articles.npy", allow_pickle=False)
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise IndexCorrupt(
                f"the catalogue in {folder.parent} is damaged ({type(exc).__name__}). {REBUILD_HINT}"
            ) from None
        problems = []
        if len(owners) != passages:
            problems.append("passage tables of different lengths")
        elif len(owners) and (owners.min() < 0 or owners.max() >= len(articles)):
            problems.append("passages of unknown articles")
        if problems:
            raise IndexCorrupt(f"the index in {folder.parent} is inconsistent ({'; '.join(problems)}). {REBUILD_HINT}")
        return cls(articles, owners)

    # -- questions ---------------------------------------------------------------------------------

    def tags(self) -> dict[str, tuple[str, int]]:
        """tag key -> (display form, number of articles), most used first."""
        ordered = sorted(self._tag_articles.items(), key=lambda kv: (-len(kv[1]), self._tag_display[kv[0]]))
        return {k: (self._tag_display[k], len(v)) for k, v in ordered}

    def tag_display(self, key: str) -> str:
        return self._tag_display.get(key, key)

    def articles_with_tag(self, key: str) -> list[Article]:
        return [self.articles[p] for p in self._tag_articles.get(key, [])]

    def passages_with_tag(self, key: str) -> np.ndarray:
        """Sorted passage numbers of the articles with tag ``key``."""
        return self._tag_passages.get(key, _EMPTY)

    def passages_of(self, article_path: str) -> np.ndarray:
        """The article's passage numbers in passage order."""
        return self._passages_of.get(article_path, _EMPTY)
