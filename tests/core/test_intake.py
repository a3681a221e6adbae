"""Adding and removing articles without a shell: checked like the corpus loader, nothing written until commit."""

from __future__ import annotations

import pytest

from bot.core.chunker import chunk_articles
from bot.core.corpus import scan_corpus
from bot.core.errors import ArticleError, CorpusError
from bot.core.intake import REMOVED_DIR, article_file, check_type, commit, draft_article, remove_article
from helpers.library import FakeEmbedder, write_article

EMB = FakeEmbedder()


def chunk(article):
    return chunk_articles([article], EMB.count_tokens, EMB.max_tokens, 200, 20)


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    write_article(
        root,
        "rest.md",
        "Rest",
        "Rest is part of healing; sleep restores the body.",
        tags=["healing"],
        url="https://example.org/rest",
    )
    return root


def test_a_text_file_becomes_markdown_with_front_matter(corpus):
    draft = draft_article(
        "Morning pages\n\nWriting three pages each morning clears the mind.\n".encode(),
        "notes.txt",
        corpus,
        chunk,
        tags=["journaling"],
        added_by="Mod  Person",
        site="example.org",
    )
    assert draft.article.path == "morning-pages.md" and draft.article.title == "Morning pages"
    assert draft.article.tags == ("journaling",) and draft.article.site == "example.org"
    assert draft.first_passage.startswith("Writing three pages") and len(draft.passages) == 1
    assert "added_by: Mod Person" in draft.markdown and not (corpus / "morning-pages.md").exists()
    path = commit(draft, corpus)
    assert path.read_text(encoding="utf-8") == draft.markdown
    assert {a.path for a in scan_corpus(corpus).articles} == {"rest.md", "morning-pages.md"}
    with pytest.raises(ArticleError, match="morning-pages.md is already in the library"):
        commit(draft, corpus)  # the same Confirm pressed twice, or two moderators at once


def test_html_is_cleaned_as_the_corpus_loader_cleans_it(corpus):
    html = (
        "<html><head><title>Breathing</title></head><body><nav>Menu Home</nav><article><p>Slow breathing calms the "
        "nervous system within minutes of practice.</p></article></body></html>"
    )
    draft = draft_article(html.encode(), "breathing.html", corpus, chunk)
    assert draft.article.title == "Breathing" and "Menu Home" not in draft.article.body
    assert draft.markdown.startswith("---\n") and "<p>" not in draft.markdown


@pytest.mark.parametrize(
    "data,name,kind,message",
    [
        (b"x", "a.pdf", None, "unsupported file type '.pdf'"),
        (b"x", "a.md", "image/jpeg", "the file is image/jpeg, not text"),
        (b"\xff\xfe\x00a", "a.md", None, "binary file"),
        (b"caf\xe9 au lait", "a.txt", "text/plain", "not valid UTF-8 (byte 3)"),
        (b"---\ntitle: [a\n---\nbody\n", "a.md", None, "front matter"),
        (b"   \n\n", "a.txt", None, "no text"),
    ],
)
def test_bad_documents_are_refused_with_the_reason(corpus, data, name, kind, message):
    before = sorted(p.name for p in corpus.iterdir())
    with pytest.raises(ArticleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        draft_article(data, name, corpus, chunk, content_type=kind)
    assert sorted(p.name for p in corpus.iterdir()) == before


def test_duplicates_by_text_and_by_address(corpus):
    with pytest.raises(ArticleError, match=r"it is a duplicate of rest.md \('Rest'\)"):
        draft_article(
            b"---\ntitle: Other\n---\nRest is part of   HEALING; sleep restores the body.\n", "o.md", corpus, chunk
        )
    with pytest.raises(ArticleError, match=r"rest.md \('Rest'\) already has this address"):
        draft_article(b"New words entirely.", "n.txt", corpus, chunk, url="https://www.example.org/rest/")


def test_check_type_accepts_the_library_formats():
    assert check_type("A.MD", "text/markdown; charset=utf-8") == ".md"
    assert check_type("page.html", "text/html") == ".html" and check_type("n.txt", None) == ".txt"
    assert check_type("notes.md", "application/octet-stream") == ".md"  # a client with no type for .md


def test_removal_moves_the_file_aside_and_refuses_paths_outside(corpus):
    kept = remove_article(corpus, "rest.md")
    assert kept.parent == corpus / REMOVED_DIR and kept.read_text(encoding="utf-8").startswith("---\ntitle: Rest")
    assert scan_corpus(corpus).articles == []  # .removed/ is hidden from the library
    for bad in ("rest.md", "../corpus/rest.md", f"{REMOVED_DIR}/{kept.name}", "/etc/passwd"):
        with pytest.raises(CorpusError, match="there is no article"):
            article_file(corpus, bad)
