"""The index on disk: round trip, atomic swap, leftovers, mismatch, corruption, incremental refresh."""

import json
import shutil

import pytest

from bot.core.errors import IndexBusy, IndexCorrupt, IndexMismatch, IndexMissing
from bot.core.indexer import refresh_index
from bot.core.store import IndexStore
from helpers.library import FakeEmbedder, write_article


def test_build_and_load_round_trip(corpus_dir, tmp_path, fake_embedder):
    store = IndexStore(tmp_path / "index")
    report = refresh_index(corpus_dir, store, fake_embedder)
    assert report.published and report.articles_total == 3
    assert sorted(report.articles_added) == sorted(
        ["boundaries.md", "garden/soil.md", next(p.name for p in corpus_dir.glob("how-*.md"))]
    )
    assert report.passages_embedded == report.passages_total
    assert report.passages_embedded + report.sentences_embedded == fake_embedder.calls
    assert report.sentences_total >= report.passages_total and report.generation is not None
    loaded = store.load(model=fake_embedder.name, dimension=fake_embedder.dimension)
    assert loaded.size == report.passages_total
    manifest = loaded.manifest
    for key in (
        "model",
        "dimension",
        "normalized",
        "passages",
        "articles",
        "corpus_fingerprint",
        "format_version",
        "built_at",
        "versions",
        "chunking",
    ):
        assert key in manifest
    assert manifest["articles"] == 3 and manifest["normalized"] is True
    # vectors survive the round trip to float16 storage (relative precision 2^-11)
    fresh = fake_embedder.encode([p.embed_text for p in loaded.passages])
    assert loaded.index_type == "exact"
    assert abs(loaded.vectors() - fresh).max() < 1e-3
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
    write_article(
        corpus_dir,
        "boundaries.md",
        "Setting Boundaries After Trauma",
        "Boundaries are limits we set to protect our wellbeing. Saying no is a complete sentence.\n\n"
        "A completely new middle paragraph about pacing, pauses and checking in with each other often.\n\n"
        "Therapists describe boundaries as flexible fences rather than walls.",
        tags=["Boundaries", "#Healing"],
        site="Example Site",
        url="https://example.org/boundaries",
    )
    write_article(corpus_dir, "new.md", "A New Article", "Fresh words about something else entirely, like rivers.")
    (corpus_dir / "garden" / "soil.md").unlink()
    report = refresh_index(corpus_dir, store, fake_embedder)
    assert report.articles_changed == ["boundaries.md"]
    assert report.articles_added == ["new.md"]
    assert report.articles_removed == ["garden/soil.md"]
    new_passages = report.passages_embedded
    assert fake_embedder.calls - before == new_passages + report.sentences_embedded
    assert 1 <= report.sentences_embedded < report.sentences_total  # unchanged sentences kept their vectors
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
    assert gen is not None
    for component in ("vectors", "sentences"):
        faiss_bytes = (gen / component / "index.faiss").read_bytes()
        (gen / component / "index.faiss").write_bytes(faiss_bytes[: len(faiss_bytes) // 2])
        with pytest.raises(IndexCorrupt, match="damaged.*index build"):
            store.load()
        (gen / component / "index.faiss").write_bytes(faiss_bytes)

    lines = (gen / "passages" / "passages.jsonl").read_text().splitlines()
    (gen / "passages" / "passages.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(IndexCorrupt, match="inconsistent"):
        store.load()
    (gen / "passages" / "passages.jsonl").write_text("\n".join(lines) + "\n")

    spans = (gen / "sentences" / "spans.npy").read_bytes()
    import numpy as np

    np.save(gen / "sentences" / "spans.npy", np.zeros((1, 2), dtype=np.int32))
    with pytest.raises(IndexCorrupt, match="inconsistent.*sentence"):
        store.load()
    (gen / "sentences" / "spans.npy").write_bytes(spans)

    (gen / "catalogue" / "passage_articles.npy").unlink()
    with pytest.raises(IndexCorrupt, match="catalogue.*damaged"):
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
    live = store.current_path()
    assert live is not None
    path = live / "manifest.json"
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
    from helpers.library import make_test_library

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


# -- index types, on-demand passages, chunk reuse -------------------------------------------------


def _more_articles(folder, n=12):
    topics = [
        "trust",
        "touch",
        "sleep",
        "anger",
        "grief",
        "play",
        "music",
        "rivers",
        "cooking",
        "boundaries",
        "consent",
        "memory",
    ]
    for i in range(n):
        t = topics[i % len(topics)]
        write_article(
            folder,
            f"extra/{i:02d}-{t}.md",
            f"On {t} number {i}",
            f"A paragraph about {t} and how {t} changes after hard times, number {i}.\n\n"
            f"Another paragraph on {t}: people describe {t} with care and patience {i}.",
            tags=[t, "extra"],
            **({"age_restricted": "true"} if i % 5 == 4 else {}),
        )


@pytest.mark.parametrize("force_graph", [False, True])
def test_hnsw_finds_what_exact_search_finds_with_tag_and_age_filters(
    corpus_dir, tmp_path, fake_embedder, monkeypatch, force_graph
):
    from bot.core import vectors as vectors_module

    _more_articles(corpus_dir)
    exact_store, hnsw_store = IndexStore(tmp_path / "exact"), IndexStore(tmp_path / "hnsw")
    refresh_index(corpus_dir, exact_store, fake_embedder, index_type="exact")
    refresh_index(corpus_dir, hnsw_store, fake_embedder, index_type="hnsw")
    if force_graph:  # filters go through the graph with a selector instead of the exact subset path
        monkeypatch.setattr(vectors_module, "SUBSET_EXACT_LIMIT", 0)
    exact, hnsw = exact_store.load(), hnsw_store.load()
    assert (exact.index_type, hnsw.index_type) == ("exact", "hnsw")
    assert hnsw.manifest["ef_search"] == vectors_module.HNSW_EF_SEARCH
    assert hnsw.unrestricted_rows is not None and len(hnsw.unrestricted_rows) < hnsw.size
    for question in ["how does trust change after hard times", "grief and patience", "rivers and music"]:
        q = fake_embedder.encode([question])[0]
        for rows in (None, hnsw.rows_with_tag("trust"), hnsw.unrestricted_rows):
            want = exact.search(q, 5, rows)
            got = hnsw.search(q, 5, rows)
            # the same scores (the fake embedder ties often, so tied rows may come in either order)
            assert [round(s, 3) for _, s in got] == [round(s, 3) for _, s in want]
            if rows is not None:
                assert set(r for r, _ in got) <= set(rows.tolist())


def test_index_type_auto_follows_size_and_bad_names_are_refused():
    from bot.core.vectors import APPROX_THRESHOLD, choose_index_type
    from bot.settings import Settings, SettingsError

    assert choose_index_type("auto", 10) == "exact"
    assert choose_index_type("auto", APPROX_THRESHOLD) == "exact"
    assert choose_index_type("auto", APPROX_THRESHOLD + 1) == "hnsw"
    assert choose_index_type("flat", 10**7) == "flat"
    with pytest.raises(ValueError):
        choose_index_type("ivf", 10)
    assert Settings.from_env({"BOT_INDEX_TYPE": "HNSW"}, dotenv=False).index_type == "hnsw"
    with pytest.raises(SettingsError, match="BOT_INDEX_TYPE"):
        Settings.from_env({"BOT_INDEX_TYPE": "annoy"}, dotenv=False)


def test_changing_the_index_type_rebuilds_without_embedding(corpus_dir, tmp_path, fake_embedder):
    store = IndexStore(tmp_path / "index")
    refresh_index(corpus_dir, store, fake_embedder)
    before = fake_embedder.calls
    report = refresh_index(corpus_dir, store, fake_embedder, index_type="hnsw")
    assert report.published and report.passages_embedded == 0
    assert fake_embedder.calls - before <= report.passages_total  # only the probe sentences tuning the graph
    assert store.load().index_type == "hnsw"
    assert not refresh_index(corpus_dir, store, fake_embedder, index_type="hnsw").published


def test_unchanged_articles_are_neither_chunked_nor_embedded_again(corpus_dir, tmp_path, fake_embedder, monkeypatch):
    store = IndexStore(tmp_path / "index")
    refresh_index(corpus_dir, store, fake_embedder)
    first = store.load()
    counted: list[str] = []
    count = fake_embedder.count_tokens
    monkeypatch.setattr(fake_embedder, "count_tokens", lambda text: counted.append(text) or count(text))
    write_article(corpus_dir, "new.md", "A New Article", "Fresh words about rivers and the sea at night.")
    report = refresh_index(corpus_dir, store, fake_embedder)
    assert report.articles_added == ["new.md"] and report.passages_embedded == 1
    assert counted and all("Compost" not in t and "Boundaries are limits" not in t for t in counted)
    second = store.load()
    same = [p for p in second.passages if p.article != "new.md"]
    assert same == list(first.passages)
    assert (
        abs(
            second.vectors_of(second.rows_of_article("boundaries.md"))
            - first.vectors_of(first.rows_of_article("boundaries.md"))
        ).max()
        == 0
    )


def test_passages_are_read_on_demand_and_damage_is_reported(corpus_dir, tmp_path, fake_embedder):
    store = IndexStore(tmp_path / "index")
    refresh_index(corpus_dir, store, fake_embedder)
    loaded = store.load()
    assert type(loaded.passages).__name__ == "PassageTable"
    assert loaded.passages[-1] == list(loaded.passages)[-1]
    path = loaded.path / "passages" / "passages.jsonl"
    data = bytearray(path.read_bytes())
    data[5:15] = b"#" * 10  # same length: the offsets still match, the line no longer parses
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="index build"):
        store.load().passages[0]


def test_a_loaded_index_still_reads_its_passages_after_its_folder_is_removed(corpus_dir, tmp_path, fake_embedder):
    store = IndexStore(tmp_path / "index")
    refresh_index(corpus_dir, store, fake_embedder)
    loaded = store.load()
    expected = [p.text for p in store.load().passages]
    shutil.rmtree(loaded.path)  # what a newer build's clean-up does to a generation two steps old
    assert [p.text for p in loaded.passages] == expected and loaded.passages[0].text == expected[0]


def test_hnsw_is_tuned_to_the_recall_target_or_falls_back_to_exact_search(
    corpus_dir, tmp_path, fake_embedder, monkeypatch
):
    from bot.core import vectors as vectors_module

    _more_articles(corpus_dir)
    store = IndexStore(tmp_path / "index")
    refresh_index(corpus_dir, store, fake_embedder, index_type="hnsw")
    manifest = store.load().manifest
    assert manifest["index_type"] == "hnsw" and manifest["recall_at_10"] >= vectors_module.RECALL_TARGET
    assert vectors_module.HNSW_EF_SEARCH <= manifest["ef_search"] <= vectors_module.HNSW_EF_MAX

    monkeypatch.setattr(vectors_module, "RECALL_TARGET", 1.01)  # out of reach: exact search it is
    write_article(corpus_dir, "new.md", "A New Article", "Fresh words about rivers and the sea at night.")
    report = refresh_index(corpus_dir, store, fake_embedder, index_type="hnsw")
    loaded = store.load()
    assert report.published and loaded.index_type == "exact" and loaded.manifest["hnsw_fallback"]
    assert "ef_search" not in loaded.manifest and loaded.manifest["recall_at_10"] < 1.01
    assert not refresh_index(corpus_dir, store, fake_embedder, index_type="hnsw").published  # no rebuild loop
