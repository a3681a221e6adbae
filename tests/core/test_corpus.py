import logging
import os

import pytest

from bot.core.article_files import IMPORTED_DIR, import_article
from bot.core.corpus import load_article, scan_corpus
from bot.core.errors import ArticleError, CorpusError
from helpers.library import SEED_ARTICLE, write_article
from helpers.pages import FOOTER_YEAR_PAGE

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
    path = write_article(
        tmp_path,
        "a.md",
        "A Title",
        "Body text here.\n\n#extra#MoreTags",
        tags=["One", "#Two"],
        site="Site",
        url="https://example.org/a",
        date="2024-05-01",
        age_restricted="true",
    )
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
    done = import_article(src, tmp_path / "corpus", site="ExampleSite", tags=["extra tag"])
    article = load_article(done.article, tmp_path / "corpus")
    assert done.article.suffix == ".md" and not done.replaced and done.original is None
    assert article.site == "ExampleSite"
    assert "extra tag" in article.tags and "trust" in article.tags
    assert article.body.startswith("Trust is rebuilt")
    assert src.exists()  # a page saved outside the corpus stays where it is


def test_import_replaces_an_earlier_import_only_with_force(tmp_path):
    src = tmp_path / "page.txt"
    src.write_text(CHROME_TXT, encoding="utf-8")
    first = import_article(src, tmp_path / "corpus")
    with pytest.raises(CorpusError, match="already exists .*--force"):
        import_article(src, tmp_path / "corpus", site="Corrected Site")
    assert "Corrected Site" not in first.article.read_text()
    again = import_article(src, tmp_path / "corpus", site="Corrected Site", force=True)
    assert again.article == first.article and again.replaced
    assert load_article(again.article, tmp_path / "corpus").site == "Corrected Site"


def test_import_takes_the_date_only_from_the_pages_date_metadata(tmp_path):
    page = tmp_path / "slow.html"
    page.write_text(FOOTER_YEAR_PAGE, encoding="utf-8")
    done = import_article(page, tmp_path / "corpus")
    assert load_article(done.article, tmp_path / "corpus").date is None  # not 2024-01-01 from the footer
    assert "date:" not in done.article.read_text()
    dated = FOOTER_YEAR_PAGE.replace(
        "</head>", '<meta property="article:published_time" content="2023-05-02T09:00:00Z"></head>'
    )
    page.write_text(dated, encoding="utf-8")
    done = import_article(page, tmp_path / "corpus", force=True)
    assert load_article(done.article, tmp_path / "corpus").date == "2023-05-02"


def test_imported_html_keeps_paragraphs_apart_and_does_not_repeat_the_title(tmp_path):
    page = tmp_path / "slow.html"
    page.write_text(FOOTER_YEAR_PAGE, encoding="utf-8")
    done = import_article(page, tmp_path / "corpus")
    text = done.article.read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[1].strip()
    assert load_article(done.article, tmp_path / "corpus").title == "Slow Intimacy"
    assert body.split("\n\n") == [
        "Going slowly gives both partners room to notice what feels good and what does not. Pausing is not failure; "
        "it is information that helps both people stay present with each other.",
        "A signal for stopping",
        "Many survivors find that naming a signal for stopping, agreed in advance, makes closeness feel safer.\n"
        "The signal can be a word or a gesture, and using it should never need an explanation.",
        "- A word such as pause, agreed in advance between you.\n- A tap on the shoulder when words are hard.",
    ]


def test_a_page_saved_in_the_corpus_is_moved_aside_so_the_build_indexes_its_markdown(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    page = corpus / "page.html"  # sorts before the article's name: it used to win as the "original"
    page.write_text(FOOTER_YEAR_PAGE, encoding="utf-8")
    done = import_article(page, corpus)
    assert done.original is not None
    assert done.original == corpus / IMPORTED_DIR / "page.html" and done.original.exists() and not page.exists()
    scan = scan_corpus(corpus)
    assert [a.path for a in scan.articles] == ["slow-intimacy.md"] and scan.skipped == []
    # importing again from the set-aside copy leaves it there
    again = import_article(done.original, corpus, force=True)
    assert again.original is None and done.original.exists()
    # a second page saved under the same name does not overwrite the first one
    other = FOOTER_YEAR_PAGE.replace("Slow Intimacy", "Slower Intimacy").replace("Going slowly", "Going more slowly")
    page.write_text(other, encoding="utf-8")
    third = import_article(page, corpus)
    assert third.original == corpus / IMPORTED_DIR / "page~2.html"
    assert sorted(a.path for a in scan_corpus(corpus).articles) == ["slow-intimacy.md", "slower-intimacy.md"]


def test_an_unquoted_hashtag_in_front_matter_is_a_warning_with_the_fix(tmp_path, caplog):
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "lost.md").write_text("---\ntitle: Lost\ntags: healing, #Triggers\n---\n\nBody one.\n", encoding="utf-8")
    (root / "list.md").write_text(
        "---\ntitle: List\ntags:\n  - #Consent\n  - trust\n---\n\nBody two.\n", encoding="utf-8"
    )
    (root / "flow.md").write_text("---\ntitle: Flow\ntags: [#Triggers]\n---\n\nBody three.\n", encoding="utf-8")
    (root / "quoted.md").write_text(
        "---\ntitle: Quoted  # a note\ntags: [\"#Triggers\", 'C#']\n---\n\nBody four.\n", encoding="utf-8"
    )
    with caplog.at_level(logging.WARNING, logger="bot.core.corpus"):
        scan = scan_corpus(root)
    warnings = sorted(r.getMessage() for r in caplog.records)
    assert len(warnings) == 2
    assert warnings[0].startswith(
        f"{root / 'list.md'}: YAML reads #Consent in the front matter as the start of a comment"
    )
    assert warnings[1].startswith(f"{root / 'lost.md'}: YAML reads #Triggers")
    assert all(w.endswith('write it in quotes: "' + w.split(" reads ")[1].split()[0] + '"') for w in warnings)
    tags = {a.path: a.tags for a in scan.articles}
    assert tags == {"list.md": ("trust",), "lost.md": ("healing",), "quoted.md": ("Triggers", "C")}
    reasons = {s.path: s.reason for s in scan.skipped}
    assert reasons == {
        "flow.md": 'malformed front matter: YAML reads #Triggers as the start of a comment; '
        'write it in quotes: "#Triggers"'
    }


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
