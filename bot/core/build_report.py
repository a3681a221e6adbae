"""What a build or refresh changed: the report the CLI, /library and the status show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .corpus import Skipped
from .text import plural

if TYPE_CHECKING:
    from .generation import Generation


@dataclass
class BuildReport:
    """What a build or refresh changed; shown by the CLI and by /reindex."""

    articles_added: list[str] = field(default_factory=list)
    articles_changed: list[str] = field(default_factory=list)
    articles_removed: list[str] = field(default_factory=list)
    articles_total: int = 0
    passages_total: int = 0
    passages_embedded: int = 0
    passages_reused: int = 0
    sentences_total: int = 0
    sentences_embedded: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    published: bool = False
    full_rebuild_reason: str | None = None
    generation: Generation | None = field(default=None, repr=False)  # what was published, ready to serve

    @property
    def changed(self) -> bool:
        return bool(self.articles_added or self.articles_changed or self.articles_removed) or self.published

    def lines(self, seconds: float | None = None) -> list[str]:
        """The report in words; ``seconds`` is the time to show when it is more than the build's
        own (the CLI's timing covers loading the model too)."""
        out = []
        if self.full_rebuild_reason:
            out.append(f"Full rebuild: {self.full_rebuild_reason}.")
        if not self.published:
            out.append(
                f"No change: the index is up to date ({plural(self.articles_total, 'article')}, "
                f"{plural(self.passages_total, 'passage')})."
            )
        else:
            out.append(
                f"Articles: {len(self.articles_added):,} added, {len(self.articles_changed):,} changed, "
                f"{len(self.articles_removed):,} removed, {self.articles_total:,} in all."
            )
            out.append(
                f"Passages: {self.passages_embedded:,} embedded, {self.passages_reused:,} reused, "
                f"{self.passages_total:,} in all."
            )
            out.append(f"Sentences: {self.sentences_embedded:,} embedded, {self.sentences_total:,} in all.")
        for s in self.skipped:
            out.append(f"Skipped {s.path}: {s.reason}")
        out.append(f"Took {self.seconds if seconds is None else seconds:.1f} s.")
        return out

    def as_dict(self) -> dict:
        return {
            "articles_added": self.articles_added,
            "articles_changed": self.articles_changed,
            "articles_removed": self.articles_removed,
            "articles_total": self.articles_total,
            "passages_total": self.passages_total,
            "passages_embedded": self.passages_embedded,
            "passages_reused": self.passages_reused,
            "sentences_total": self.sentences_total,
            "sentences_embedded": self.sentences_embedded,
            "published": self.published,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "seconds": round(self.seconds, 3),
            "full_rebuild_reason": self.full_rebuild_reason,
        }
