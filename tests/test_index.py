"""The index on disk: round trip, atomic swap, leftovers, mismatch, corruption, incremental refresh."""

import json
import shutil

import pytest

from bot.core.errors import IndexBusy, IndexCorrupt, IndexMismatch, IndexMissing
from bot.core.indexer import refresh_index
from bot.core.store import IndexStore

from conftest import FakeEmbedder, write_article


def test_build_and_load_round_trip(corpus_dir, tmp_path, fake_embedder):
    store = IndexStore(tmp_path / "index")
    report = refresh_index(corpus_dir, store, fake_embedder)
    assert report.published and report.articles_total == 3
    assert sorted(report.articles_added) == sorted(["boundaries.md", "garden/soil.md",
                                                    next(p.name for p in corpus_dir.glob("how-*.md"))])
    assert report.passages_embedded == report.passages_total == fake_embedder.calls
    loaded = store.load(model=fake_embedder.name, dimension=fake_embedder.dimension)
    assert loaded.size == report.passages_total
    manifest = loaded.manifest
    for key in ("model", "dimension", "normalized", "passages", "articles", "corpus_fingerprint",
                "format_version", "built_at", "versions", "chunking"):
        assert key in manifest
    assert manifest["articles"] == 3 and manifest["normalized"] is True
    # vectors survive the round trip exactly
    fresh = fake_embedder.encode([p.embed_text for p in loaded.passages])
    assert abs(loaded.vectors() - fresh).max() < 1e-6
    assert loaded.tags()["healing"] == ("healing", 2)


def test_unchanged_corpus_embeds_nothing(corpus_dir, tmp_path, fake_embedder):
    store = IndexStore(tmp_path / "index")
    refresh_index(corpus_dir, store, fake_embedder)
    before, live = fake_embedder.calls, store.current_path()
    report = refresh_index(corpus_dir, store, fake_embedder)
    assert fake_embedder.calls == before
    assert not report.published and report.passages_embedded == 0
    assert store.current_path() == live
    assert "No change" in report.lines()[0]


def test_one_changed_article_reembeds_only_its_changed_passages(corpus_dir, tmp_path, fake_embedder):
    store = IndexStore(tmp_path / "index")
    refresh_index(corpus_dir, store, fake_embedder)
    before = fake_embedder.calls
    write_article(corpus_dir, "boundaries.md", "Setting Boundaries After Trauma",
                  "Boundaries are limits we set to protect our wellbeing. Saying no is a complete sentence.\n\n"
                  "A completely new middle paragraph about pacing, pauses and checking in with each other often.\n\n"
                  "Therapists describe boundaries as flexible fences rather than walls.",
                  tags=["Boundaries", "#Healing"], site="Example Site", url="https://example.org/boundaries")
    write_article(corpus_dir, "new.md", "A New Article", "Fresh words about something else entirely, like rivers.")
    (corpus_dir / "garden" / "soil.md").unlink()
    report = refresh_index(corpus_dir, store, fake_embedder)
    assert report.articles_changed == ["boundaries.md"]
    assert report.articles_added == ["new.md"]
    assert report.articles_removed == ["garden/soil.md"]
    new_passages = fake_embedder.calls - before
    assert report.passages_embedded == new_passages
    loaded = store.load()
    changed = [p for p in loaded.passages if p.article in ("boundaries.md", "new.md")]
    assert 1 <= new_passages < len(changed) + 1  # the unchanged boundaries passages were reused
    assert report.passages_reused == loaded.size - new_passages
    assert all(p.article != "garden/soil.md" for p in loaded.passages)


def test_a_failed_build_leaves_the_live_index_serving(corpus_dir, tmp_path, fake_embedder):
    store = IndexStore(tmp_path / "index")
    refresh_index(corpus_dir, store, fake_embedder)
    live = store.current_path()
    write_article(corpus_dir, "more.md", "More", "Many new words about an unrelated topic, clouds and weather.")
    fake_embedder.fail_after = fake_embedder.calls  # the next encode fails
    with pytest.raises(RuntimeError, match="injected"):
        refresh_index(corpus_dir, store, fake_embedder)
    assert store.current_path() == live
    assert store.load().size > 0
    assert not list((tmp_path / "index").glob(".tmp-*"))


def test_a_failure_while_writing_leaves_no_half_index(corpus_dir, tmp_path, fake_embedder, monkeypatch):
    store = IndexStore(tmp_path / "index")
    refresh_index(corpus_dir, store, fake_embedder)
    live = store.current_path()
    write_article(corpus_dir, "more.md", "More", "Many new words about an unrelated topic, clouds and weather.")
    import bot.core.store as store_mod

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_mod, "_write_json", disk_full)
    with pytest.raises(OSError):
        refresh_index(corpus_dir, store, fake_embedder)
    assert store.current_path() == live
    assert not list((tmp_path / "index").glob(".tmp-*"))


def test_leftovers_of_a_killed_build_are_cleaned_and_ignored(corpus_dir, tmp_path, fake_embedder):
    store = IndexStore(tmp_path / "index")
    refresh_index(corpus_dir, store, fake_embedder)
    half = tmp_path / "index" / ".tmp-dead"
    half.mkdir()
    (half / "index.faiss").write_bytes(b"half written")
    assert store.load().size > 0  # readers never look at it
    write_article(corpus_dir, "more.md", "More", "Different words about clouds, weather and rain.")
    refresh_index(corpus_dir, store, fake_embedder)
    assert not half.exists()
    gens = list((tmp_path / "index").glob("gen-*"))
    assert len(gens) <= 2  # the live one and at most one previous


def test_only_one_build_at_a_time(corpus_dir, tmp_path, fake_embedder):
    store = IndexStore(tmp_path / "index")
    with store.build_lock():
        with pytest.raises(IndexBusy):
            refresh_index(corpus_dir, store, fake_embedder)


def test_model_or_dimension_mismatch_is_refused_with_a_way_out(corpus_dir, tmp_path, fake_embedder):
    store = IndexStore(tmp_path / "index")
    refresh_index(corpus_dir, store, fake_embedder)
    with pytest.raises(IndexMismatch, match="built with model 'fake-bow'.*python -m bot index build"):
        store.load(model="other-model", dimension=512)
    with pytest.raises(IndexMismatch, match="512-dimensional.*index build"):
        store.load(model="fake-bow", dimension=32)
    other = FakeEmbedder(name="other-model", dimension=32)
    report = refresh_index(corpus_dir, store, other)  # a build with the new model starts over
    assert report.full_rebuild_reason and "model changed" in report.full_rebuild_reason
    assert report.passages_reused == 0 and store.load(model="other-model", dimension=32).size > 0


def test_missing_and_corrupt_indexes_say_how_to_rebuild(corpus_dir, tmp_path, fake_embedder):
    root = tmp_path / "index"
    store = IndexStore(root)
    with pytest.raises(IndexMissing, match="index build"):
        store.load()
    refresh_index(corpus_dir, store, fake_embedder)
    gen = store.current_path()
    faiss_bytes = (gen / "index.faiss").read_bytes()

    (gen / "index.faiss").write_bytes(faiss_bytes[: len(faiss_bytes) // 2])
    with pytest.raises(IndexCorrupt, match="damaged.*index build"):
        store.load()
    (gen / "index.faiss").write_bytes(faiss_bytes)

    lines = (gen / "passages.jsonl").read_text().splitlines()
    (gen / "passages.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(IndexCorrupt, match="inconsistent"):
        store.load()

    (gen / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorrupt, match="manifest"):
        store.load()

    (root / "CURRENT").write_text("../../etc")
    with pytest.raises(IndexCorrupt, match="does not name"):
        store.load()

    # a rebuild is the way out, and it works over the damage
    report = refresh_index(corpus_dir, store, fake_embedder)
    assert report.published and store.load().size == report.passages_total


def test_unknown_format_version_is_refused(corpus_dir, tmp_path, fake_embedder):
    store = IndexStore(tmp_path / "index")
    refresh_index(corpus_dir, store, fake_embedder)
    path = store.current_path() / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = 99
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="unknown format"):
        store.load()


def test_skipped_files_are_reported(corpus_dir, tmp_path, fake_embedder):
    (corpus_dir / "bad.md").write_bytes(b"\xff\xfe\x00")
    report = refresh_index(corpus_dir, IndexStore(tmp_path / "index"), fake_embedder)
    assert [s.path for s in report.skipped] == ["bad.md"]
    assert any(line.startswith("Skipped bad.md: binary file") for line in report.lines())


def test_the_next_start_cleans_up_what_a_killed_build_left(corpus_dir, tmp_path, fake_embedder):
    from conftest import make_test_library

    lib = make_test_library(corpus_dir, tmp_path / "index", fake_embedder)
    lib.load()
    size = lib.index.size
    half = tmp_path / "index" / ".tmp-killed"
    half.mkdir()
    (half / "index.faiss").write_bytes(b"half")
    (tmp_path / "index" / ".tmp-CURRENT-dead").write_text("gen-nothing")
    restarted = make_test_library(corpus_dir, tmp_path / "index", fake_embedder)
    restarted.load()
    assert restarted.index.size == size
    assert not list((tmp_path / "index").glob(".tmp-*"))


def test_a_start_during_a_build_leaves_the_build_alone(corpus_dir, tmp_path, fake_embedder):
    store = IndexStore(tmp_path / "index")
    refresh_index(corpus_dir, store, fake_embedder)
    with store.build_lock():
        half = tmp_path / "index" / ".tmp-building"
        half.mkdir()
        store.clean_if_idle()
        assert half.exists()
