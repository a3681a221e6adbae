import os
from pathlib import Path

import pytest

from bot.core.corpus import import_article, load_article, scan_corpus
from bot.core.errors import ArticleError, CorpusError

from conftest import SEED_ARTICLE, write_article

CHROME_TXT = """Logo

ExampleSite

Contact Us
Search

WHY TRUST TAKES TIME AFTER BETRAYAL

Trust is rebuilt through many small moments of reliability. When a partner keeps their word again and again, the nervous system slowly learns that it is safe to relax, and old alarms fire less often than before.

Researchers who study attachment describe this as earned security. It does not erase the past, but it changes how the past is carried into each new relationship, and it can grow at any age.

#trust#attachment#EarnedSecurity#
"""

HTML_PAGE = """<!doctype html><html><head><title>Slow Intimacy | Example Journal</title>
<meta property="og:site_name" content="Example Journal">
<meta name="keywords" content="intimacy, pacing"></head>
<body><nav><a href="/">Home</a> <a href="/about">About</a> <a href="/contact">Contact Us</a></nav>
<article><h1>Slow Intimacy</h1>
<p>Going slowly gives both partners room to notice what feels good and what does not. Pausing is not failure; it is information that helps both people stay present with each other.</p>
<p>Many survivors find that naming a signal for stopping, agreed in advance, makes closeness feel safer. The signal can be a word or a gesture, and using it should never need an explanation.</p>
</article><footer>Copyright 2024 Example Journal. Privacy policy. Subscribe to our newsletter.</footer></body></html>"""


def test_markdown_article_with_front_matter(tmp_path):
    path = write_article(tmp_path, "a.md", "A Title", "Body text here.\n\n#extra#MoreTags", tags=["One", "#Two"],
                         site="Site", url="https://example.org/a", date="2024-05-01", age_restricted="true")
    article = load_article(path, tmp_path)
    assert article.title == "A Title"
    assert article.site == "Site" and article.url == "https://example.org/a"
    assert article.tags == ("One", "Two", "extra", "MoreTags")
    assert article.body == "Body text here."
    assert article.age_restricted is True
    assert article.date == "2024-05-01"
    assert article.path == "a.md"


def test_seed_article_is_in_the_corpus_without_site_chrome():
    article = load_article(SEED_ARTICLE, SEED_ARTICLE.parent)
    assert article.title.startswith("How Sexual Intimacy Can Facilitate")
    assert article.site == "ZeroOpposite"
    assert {"posttraumaticgrowth", "sexualintimacy", "healing"} <= set(article.tag_keys)
    for chrome in ("Logo", "Contact Us", "Search\n", "#sexualintimacy"):
        assert chrome not in article.body
    assert article.body.startswith("Sexual intimacy is an essential aspect")


def test_plain_text_page_loses_chrome_keeps_text_and_tags(tmp_path):
    path = tmp_path / "trust.txt"
    path.write_text(CHROME_TXT, encoding="utf-8")
    article = load_article(path, tmp_path)
    assert article.title == "Why Trust Takes Time After Betrayal"
    assert article.tags == ("trust", "attachment", "EarnedSecurity")
    assert "Logo" not in article.body and "Contact Us" not in article.body and "ExampleSite" not in article.body
    assert article.body.startswith("Trust is rebuilt through many small moments")
    assert article.body.rstrip().endswith("can grow at any age.")


def test_html_page_loses_navigation_and_footer(tmp_path):
    path = tmp_path / "slow.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    article = load_article(path, tmp_path)
    assert "Slow Intimacy" in article.title
    assert article.site == "Example Journal"
    assert "Going slowly gives both partners room" in article.body
    assert "naming a signal for stopping" in article.body
    for chrome in ("Privacy policy", "newsletter", "About"):
        assert chrome not in article.body


def test_import_writes_a_markdown_article(tmp_path):
    src = tmp_path / "page.txt"
    src.write_text(CHROME_TXT, encoding="utf-8")
    dest = import_article(src, tmp_path / "corpus", site="ExampleSite", tags=["extra tag"])
    article = load_article(dest, tmp_path / "corpus")
    assert dest.suffix == ".md"
    assert article.site == "ExampleSite"
    assert "extra tag" in article.tags and "trust" in article.tags
    assert article.body.startswith("Trust is rebuilt")
    with pytest.raises(CorpusError):
        import_article(src, tmp_path / "corpus")  # never overwrites


def test_scan_skips_bad_files_with_reasons_and_indexes_the_rest(tmp_path):
    root = tmp_path / "corpus"
    write_article(root, "good.md", "Good", "A perfectly good article body.")
    (root / "README.md").write_text("# How to write articles\n", encoding="utf-8")
    (root / "empty.md").write_text("", encoding="utf-8")
    (root / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (root / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (root / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    (root / "image.png").write_bytes(b"\x89PNG")
    write_article(root, "z-copy.md", "Copy", "A perfectly good article body.")
    outside = tmp_path / "secret.md"
    write_article(tmp_path, "secret.md", "Secret", "Outside the corpus.")
    os.symlink(outside, root / "link.md")
    os.symlink(tmp_path / "missing.md", root / "dangling.md")
    scan = scan_corpus(root)
    assert [a.path for a in scan.articles] == ["good.md"]
    reasons = {s.path: s.reason for s in scan.skipped}
    assert "README.md" not in reasons
    assert reasons["empty.md"].startswith("empty article")
    assert reasons["binary.txt"].startswith("binary file")
    assert reasons["latin1.txt"].startswith("not valid UTF-8")
    assert reasons["broken.md"].startswith("malformed front matter")
    assert reasons["image.png"].startswith("unsupported file type")
    assert reasons["z-copy.md"] == "duplicate of good.md"
    assert reasons["link.md"] == "symbolic link to a file outside the corpus folder"
    assert reasons["dangling.md"] == "broken symbolic link"


def test_huge_file_is_skipped(tmp_path, monkeypatch):
    import bot.core.corpus as corpus

    monkeypatch.setattr(corpus, "MAX_FILE_BYTES", 1000)
    write_article(tmp_path, "big.md", "Big", "word " * 500)
    with pytest.raises(ArticleError, match="too large"):
        load_article(tmp_path / "big.md", tmp_path)


def test_missing_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="corpus folder not found"):
        scan_corpus(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(CorpusError, match="not a folder"):
        scan_corpus(tmp_path / "file")


def test_fingerprint_changes_with_content(tmp_path):
    write_article(tmp_path, "a.md", "A", "One body.")
    first = scan_corpus(tmp_path).fingerprint()
    assert scan_corpus(tmp_path).fingerprint() == first
    write_article(tmp_path, "a.md", "A", "Another body.")
    assert scan_corpus(tmp_path).fingerprint() != first
