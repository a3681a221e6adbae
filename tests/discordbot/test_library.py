"""Moderators through Discord: every /library command, its buttons and autocomplete, end to end.

Raw Discord payloads go in (subcommands, attachments in ``resolved``, button clicks, autocomplete);
the real discord.py runs the cog; the JSON it sends is checked. Members are refused everything,
whatever a payload claims.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading

import pytest
from aiohttp import web

from bot.core.corpus import MAX_FILE_BYTES
from bot.discordbot.checks import REFUSED
from bot.discordbot.cogs.library import EXPIRED, NOT_YOURS
from helpers.discord_harness import ALICE, APP_ID, BOB, MANAGER, MOD, MOD_CHANNEL_ID
from helpers.library import write_article

TIDAL = (
    "---\ntitle: Tidal Pools\ntags: [ocean, patience]\n---\n\n"
    "Tidal pools shelter anemones and small crabs between the tides. Waiting by a tidal pool teaches patience.\n"
)
EVERYTHING = str((1 << 41) - 1)


def custom_ids(data: dict) -> list[str]:
    return [c["custom_id"] for row in data.get("components") or [] for c in row["components"]]


def corpus_state(corpus) -> dict[str, bytes]:
    return {p.relative_to(corpus).as_posix(): p.read_bytes() for p in sorted(corpus.rglob("*")) if p.is_file()}


async def preview_of(env, iid):
    reply = await env.fake.response_to(iid, timeout=20)
    return reply.body if reply.body.get("type") is None else reply.body["data"]


async def confirm(env, preview: dict, user=MOD, *, ok: bool = True) -> str:
    """Press Confirm (or Cancel) on a preview; returns the final text of the edited message."""
    button = next(i for i in custom_ids(preview) if i.endswith(":ok" if ok else ":no"))
    message = {**env.fake._message(preview), "flags": 64}
    iid = await env.fake.click(button, message, user=user)
    first = await env.fake.response_to(iid)
    content = first.body["data"].get("content") or ""
    if first.body["type"] != 7 or not content.endswith("refreshing the index…"):  # refused, cancelled or expired
        return content
    edits = await env.fake.edits_after(iid, timeout=20)
    return edits[-1].body["content"]


async def test_every_library_command_refuses_a_member(start_bot):
    env = await start_bot()
    before = corpus_state(env.corpus)
    commands = [
        ("status", {}),
        ("refresh", {}),
        ("add", {"url": "https://example.org/a"}),
        ("add", {"file": env.fake.attach("a.md", TIDAL.encode(), "text/markdown")}),
        ("remove", {"article": "heal0.md"}),
        ("feedback", {}),
    ]
    for sub, options in commands:
        for claim in (None, EVERYTHING):  # permissions a payload claims count for nothing
            reply = await env.fake.response_to(
                await env.fake.subcommand("library", sub, options, user=ALICE, claimed_permissions=claim)
            )
            assert reply.body["type"] == 4, sub
            assert reply.body["data"]["content"] == REFUSED and reply.body["data"]["flags"] == 64, sub
    offered = await env.fake.response_to(
        await env.fake.autocomplete("library", "article", "heal", user=ALICE, sub="remove")
    )
    assert offered.body == {"type": 8, "data": {"choices": []}}
    # A Confirm button is refused to a member too, even one that names a real pending action.
    preview = await preview_of(
        env,
        await env.fake.subcommand(
            "library", "add", {"file": env.fake.attach("tidal.md", TIDAL.encode(), "text/markdown")}, user=MOD
        ),
    )
    assert await confirm(env, preview, user=BOB) == REFUSED
    assert corpus_state(env.corpus) == before
    assert not env.fake.downloads[:-1]  # only the moderator's upload was ever downloaded


async def test_add_ask_status_and_remove_in_one_session(start_bot):
    """Issue 15's walk-through: out of date after a change on disk, add by file, quoted by /ask, removed again."""
    env = await start_bot()
    status = await env.fake.response_to(await env.fake.subcommand("library", "status", user=MOD), timeout=20)
    embed = status.body["embeds"][0]
    assert embed["description"] == "Up to date with the corpus."
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Library"].startswith("10 articles") and fields["Automatic refresh"] == "off"
    assert "fake-bow" in fields["Encoder"]

    write_article(
        env.corpus, "heal0.md", "Healing Note 0", "Healing with patience through long quiet walks.", tags=["Healing"]
    )
    status = await env.fake.response_to(await env.fake.subcommand("library", "status", user=MANAGER), timeout=20)
    assert status.body["embeds"][0]["description"].startswith(
        "**Out of date: 1 article added, changed or removed since the last build: heal0.md (changed).** "
        "Run `/library refresh`"
    )

    upload = env.fake.attach("Tidal Pools.md", TIDAL.encode(), "text/markdown; charset=utf-8")
    preview = await preview_of(
        env, await env.fake.subcommand("library", "add", {"file": upload, "tags": "Beach"}, user=MOD)
    )
    card = preview["embeds"][0]
    assert card["title"] == "Add “Tidal Pools”?" and preview["flags"] == 64
    assert card["description"].startswith(">>> Tidal pools shelter anemones")
    fields = {f["name"]: f["value"] for f in card["fields"]}
    assert fields == {"Tags": "ocean, patience, Beach", "Passages": "1", "File": "corpus/tidal-pools.md"}
    assert not (env.corpus / "tidal-pools.md").exists()  # nothing is written before Confirm

    done = await confirm(env, preview)
    assert done.startswith("**Added “Tidal Pools”** as corpus/tidal-pools.md: 1 passage"), done
    assert "1 added" in done and "1 changed" in done  # the refresh also took in heal0.md's change
    written = (env.corpus / "tidal-pools.md").read_text(encoding="utf-8")
    assert "added_by: mod" in written and "title: Tidal Pools" in written

    answer = await env.fake.reply(await env.fake.slash("ask", {"question": "anemones crabs tidal pool"}, user=BOB))
    assert re.match(r"1(, \d+)*\. Tidal Pools", answer.embeds[0]["title"])
    status = await env.fake.response_to(await env.fake.subcommand("library", "status", user=MOD), timeout=20)
    fields = {f["name"]: f["value"] for f in status.body["embeds"][0]["fields"]}
    assert fields["Library"].startswith("11 articles") and "1 added" in fields["Last refresh"]

    offered = await env.fake.response_to(
        await env.fake.autocomplete("library", "article", "tid", user=MOD, sub="remove")
    )
    assert offered.body["type"] == 8
    assert offered.body["data"]["choices"][0] == {"name": "Tidal Pools · tidal-pools.md", "value": "tidal-pools.md"}
    assert env.fake.acknowledged_in(offered.path.split("/")[2]) < 3.0

    removal = await preview_of(
        env, await env.fake.subcommand("library", "remove", {"article": "tidal-pools.md"}, user=MOD)
    )
    assert removal["embeds"][0]["title"] == "Remove “Tidal Pools”?"
    assert await confirm(env, removal, ok=False) == "Cancelled: nothing was changed."
    assert (env.corpus / "tidal-pools.md").exists()
    removal = await preview_of(
        env, await env.fake.subcommand("library", "remove", {"article": "tidal-pools.md"}, user=MOD)
    )
    done = await confirm(env, removal)
    assert done.startswith("**Removed “Tidal Pools”**") and "1 removed" in done
    assert not (env.corpus / "tidal-pools.md").exists()
    assert [p.read_text(encoding="utf-8") for p in (env.corpus / ".removed").iterdir()] == [written]
    answer = await env.fake.reply(await env.fake.slash("ask", {"question": "anemones crabs tidal pool"}, user=BOB))
    assert "Tidal Pools" not in answer.text


async def test_only_the_moderator_who_asked_can_confirm_and_once(start_bot):
    env = await start_bot()
    preview = await preview_of(
        env,
        await env.fake.subcommand(
            "library", "add", {"file": env.fake.attach("tidal.md", TIDAL.encode(), "text/markdown")}, user=MOD
        ),
    )
    assert await confirm(env, preview, user=MANAGER) == NOT_YOURS
    assert "Added" in await confirm(env, preview, user=MOD)
    assert await confirm(env, preview, user=MOD) == EXPIRED  # pressed again: already done
    forged = {
        **preview,
        "components": [
            {"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": "lib:rm:0123456789ab:ok"}]}
        ],
    }
    assert await confirm(env, forged, user=MOD) == EXPIRED
    assert len(list((env.corpus).glob("tidal*.md"))) == 1


BAD_FILES = [
    ("photo.png", b"\x89PNG\r\n\x1a\n\0\0", "image/png", "unsupported file type '.png'"),
    ("notes.md", b"# hello", "application/pdf", "the file is application/pdf, not text"),
    ("latin.txt", "Caf\u00e9 au lait, every morning by the river.".encode("latin-1"), "text/plain", "not valid UTF-8"),
    ("nul.md", b"---\ntitle: x\n---\nhello\0world", "text/markdown", "binary file"),
    ("broken.md", b"---\ntitle: [unclosed\ntags: {\n---\nBody text that is fine.\n", "text/markdown", "front matter"),
    ("empty.md", b"---\ntitle: Nothing here\n---\n\n", "text/markdown", "empty article"),
]


@pytest.mark.parametrize("name,data,kind,reason", BAD_FILES, ids=[b[0] for b in BAD_FILES])
async def test_a_rejected_file_changes_nothing_and_says_why(start_bot, name, data, kind, reason):
    env = await start_bot()
    before = corpus_state(env.corpus)
    reply = await env.fake.response_to(
        await env.fake.subcommand("library", "add", {"file": env.fake.attach(name, data, kind)}, user=MOD), timeout=20
    )
    text = reply.body["data"]["content"] if "data" in reply.body else reply.body["content"]
    assert text.startswith("Not added: ") and reason in text and text.endswith("Nothing was changed."), text
    assert corpus_state(env.corpus) == before
    assert not env.bot.pending._items


async def test_too_large_and_duplicate_files_are_refused(start_bot):
    env = await start_bot()
    before = corpus_state(env.corpus)
    big = env.fake.attach("big.md", b"x", "text/markdown", size=MAX_FILE_BYTES + 1)
    reply = await env.fake.response_to(await env.fake.subcommand("library", "add", {"file": big}, user=MOD))
    assert "too large" in reply.body["data"]["content"] and not env.fake.downloads  # refused before downloading

    same = (env.corpus / "heal3.md").read_bytes().replace(b"Healing Note 3", b"Another Title")
    reply = await env.fake.response_to(
        await env.fake.subcommand(
            "library", "add", {"file": env.fake.attach("copy.md", same, "text/markdown")}, user=MOD
        ),
        timeout=20,
    )
    assert reply.body["content"] == "Not added: it is a duplicate of heal3.md ('Healing Note 3'). Nothing was changed."
    twice = (env.corpus / "heal3.md").read_bytes()
    reply = await env.fake.response_to(
        await env.fake.subcommand(
            "library", "add", {"file": env.fake.attach("heal3.md", twice, "text/markdown")}, user=MOD
        ),
        timeout=20,
    )
    assert (
        "healing-note-3.md is already in the library" in reply.body["content"] or "duplicate" in reply.body["content"]
    )
    both = await env.fake.response_to(
        await env.fake.subcommand(
            "library", "add", {"url": "https://example.org/", "file": env.fake.attach("t.md", TIDAL.encode())}, user=MOD
        )
    )
    assert both.body["data"]["content"] == "Give either `file:` (an attachment) or `url:`, not both."
    assert corpus_state(env.corpus) == before


@pytest.fixture
async def web_page():
    """A loopback web server with one article page, one image and one redirect to the page."""
    html = (
        "<html><head><title>Slow Gardening</title><meta charset='utf-8'></head><body><nav>Home | About</nav>"
        "<article><h1>Slow Gardening</h1><p>Slow gardening means planting perennials and letting the soil rest "
        "between seasons. Compost feeds the beds over many months.</p><p>Mulch keeps the roots cool in summer "
        "and the worms busy all year round.</p></article><footer>Copyright</footer></body></html>"
    )

    async def garden(request):
        return web.Response(text=html, content_type="text/html")

    async def image(request):
        return web.Response(body=b"\x89PNG", content_type="image/png")

    async def moved(request):
        raise web.HTTPFound("/garden")

    app = web.Application()
    app.router.add_get("/garden", garden)
    app.router.add_get("/image", image)
    app.router.add_get("/moved", moved)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_url_add_refuses_private_addresses_unless_allowed(start_bot, web_page):
    env = await start_bot()
    before = corpus_state(env.corpus)
    for url, why in (
        (f"{web_page}/garden", "127.0.0.1 is a loopback address"),
        (web_page.replace("127.0.0.1", "localhost") + "/garden", "localhost is a loopback address"),
        ("ftp://example.org/file.txt", "only http and https addresses can be fetched"),
        ("http://10.1.2.3/", "10.1.2.3 is a private or reserved address"),
    ):
        reply = await env.fake.response_to(
            await env.fake.subcommand("library", "add", {"url": url}, user=MOD), timeout=20
        )
        assert reply.body["content"].startswith("Not added: ") and why in reply.body["content"], reply.body
    assert corpus_state(env.corpus) == before


async def test_url_add_fetches_and_cleans_a_page_where_allowed(start_bot, web_page):
    env = await start_bot(fetch_allow_private=True)
    reply = await env.fake.response_to(
        await env.fake.subcommand("library", "add", {"url": f"{web_page}/image"}, user=MOD), timeout=20
    )
    assert "the page is image/png" in reply.body["content"]
    preview = await preview_of(env, await env.fake.subcommand("library", "add", {"url": f"{web_page}/moved"}, user=MOD))
    card = preview["embeds"][0]
    assert card["title"] == "Add “Slow Gardening”?" and "Home | About" not in json.dumps(card)
    assert "Slow gardening means planting perennials" in card["description"]
    assert "Copyright" not in card["description"]
    assert "Added" in await confirm(env, preview)
    written = (env.corpus / "slow-gardening.md").read_text(encoding="utf-8")
    assert f"url: {web_page}/garden" in written and "added_by: mod" in written


async def test_feedback_counts_votes_and_gaps_without_user_ids(start_bot):
    env = await start_bot()
    reply = await env.fake.reply(await env.fake.slash("ask", {"question": "healing note gentle healing patience"}))
    message = env.fake.as_message(reply.call)
    ids = custom_ids(reply.data)
    for button, user in (
        (next(i for i in ids if i.endswith(":up")), ALICE),
        (next(i for i in ids if i.endswith(":down")), BOB),
        (next(i for i in ids if i.endswith(":down")), MANAGER),
    ):
        await env.fake.response_to(await env.fake.click(button, message, user=user))
    for user in (ALICE, BOB):
        await env.fake.reply(
            await env.fake.slash("ask", {"question": "quantum chromodynamics gluon lattice"}, user=user)
        )
    await asyncio.sleep(0.2)

    out = await env.fake.response_to(await env.fake.subcommand("library", "feedback", user=MOD), timeout=20)
    votes, gaps = out.body["embeds"]
    assert votes["title"] == "Feedback: the last 7 days"
    assert votes["description"] == "3 votes: 1 helpful, 2 not helpful."
    by_article = votes["fields"][0]["value"]
    assert "Healing Note" in by_article and "1 helpful, 2 not helpful" in by_article
    assert "2 not helpful" in votes["fields"][2]["value"]  # least helpful passages
    assert gaps["description"].startswith("2 questions went unanswered")
    assert "BOT_FEEDBACK_KEEP_QUESTION is off" in gaps["fields"][1]["value"]
    assert "quantum" not in json.dumps(out.body)
    shown = json.dumps(out.body) + (env.settings.feedback_file.read_text() + env.settings.unanswered_path.read_text())
    for user in (ALICE, BOB, MOD, MANAGER):
        assert user["id"] not in shown and user["username"] not in shown


async def test_feedback_groups_unanswered_questions_into_themes_when_text_is_kept(start_bot):
    env = await start_bot(feedback_keep_question=True)
    questions = [
        "quantum chromodynamics gluon lattice",
        "gluon lattice quantum chromodynamics please",
        "volcano magma eruption basalt",
    ]
    for q in questions:
        await env.fake.reply(await env.fake.slash("ask", {"question": q}))
    await asyncio.sleep(0.2)
    out = await env.fake.response_to(
        await env.fake.subcommand("library", "feedback", {"period": 1}, user=MOD), timeout=20
    )
    gaps = out.body["embeds"][1]
    themes = next(f for f in gaps["fields"] if f["name"].startswith("Themes"))
    assert themes["name"] == "Themes (3 questions kept, grouped by meaning)"
    lines = themes["value"].splitlines()
    assert len(lines) == 2 and lines[0].startswith("• 2 questions, e.g. “") and "gluon" in lines[0]
    assert "volcano" in lines[1] and ALICE["id"] not in json.dumps(out.body)


async def test_refresh_reports_and_runs_while_questions_are_answered(start_bot):
    env = await start_bot()
    write_article(env.corpus, "new.md", "Rivers", "Rivers carve valleys over many years of flowing water.")
    (env.corpus / "broken.md").write_bytes(b"\xff\xfe\x00")
    release, blocked = threading.Event(), threading.Event()
    real_encode = env.embedder.encode

    def slow_encode(texts, **kw):
        if "Rivers" in " ".join(texts):
            blocked.set()
            release.wait(10)
        return real_encode(texts, **kw)

    env.embedder.encode = slow_encode
    iid = await env.fake.subcommand("library", "refresh", user=MOD)
    assert (await env.fake.response_to(iid, final=False)).body == {"type": 5, "data": {"flags": 64}}
    assert await asyncio.to_thread(blocked.wait, 10)
    busy = await env.fake.response_to(await env.fake.subcommand("library", "refresh", user=MANAGER))
    assert "already running" in busy.body["data"]["content"]
    asks = [
        await env.fake.slash("ask", {"question": q}, user=u)
        for q, u in (("healing patience", ALICE), ("oxytocin stress", BOB))
    ]
    asyncio.get_running_loop().call_later(0.5, release.set)
    for ask in asks:
        assert (await env.fake.reply(ask)).embeds
        assert env.fake.acknowledged_in(ask) < 1.0
    report = (await env.fake.response_to(iid, timeout=20)).body["content"]
    assert "Index refreshed" in report and "1 added" in report and "broken.md" in report
    answer = await env.fake.reply(await env.fake.slash("ask", {"question": "rivers carve valleys water"}))
    assert re.match(r"1(, \d+)*\. Rivers", answer.embeds[0]["title"])
    again = await env.fake.response_to(await env.fake.subcommand("library", "refresh", user=MANAGER), timeout=20)
    assert "No change" in again.body["content"]
    assert not any(
        c.path.startswith(f"/webhooks/{APP_ID}") and ALICE["id"] in json.dumps(c.body) for c in env.fake.calls
    )


async def test_automatic_refresh_reports_to_the_moderator_channel(start_bot):
    env = await start_bot(auto_refresh_watch=True, moderator_channel=int(MOD_CHANNEL_ID))
    await asyncio.sleep(0.5)  # the watcher is up
    write_article(env.corpus, "rivers.md", "Rivers", "Rivers carve valleys over many years of flowing water.")
    posted = await env.fake.wait_for(
        lambda c: c.method == "POST" and c.path == f"/channels/{MOD_CHANNEL_ID}/messages", timeout=20
    )
    assert posted.body["content"].startswith("**Automatic refresh.**\nArticles: 1 added")
    assert posted.body["allowed_mentions"] == {"parse": []}
    status = await env.fake.response_to(await env.fake.subcommand("library", "status", user=MOD), timeout=20)
    fields = {f["name"]: f["value"] for f in status.body["embeds"][0]["fields"]}
    assert fields["Automatic refresh"] == "watching the corpus folder" and "1 added" in fields["Last refresh"]


async def test_a_file_the_index_skipped_can_be_removed_and_unknown_articles_are_named(start_bot):
    env = await start_bot()
    (env.corpus / "broken.md").write_bytes(b"\xff\xfe\x00")
    missing = await env.fake.response_to(
        await env.fake.subcommand("library", "remove", {"article": "nope.md"}, user=MOD), timeout=20
    )
    assert missing.body["content"] == (
        "There is no article 'nope.md' in the library. Pick one from the list as you type."
    )
    preview = await preview_of(env, await env.fake.subcommand("library", "remove", {"article": "broken.md"}, user=MOD))
    assert preview["embeds"][0]["description"] == "corpus/broken.md · 0 passages"
    done = await confirm(env, preview)
    assert done.startswith("**Removed “broken.md”**") and not (env.corpus / "broken.md").exists()
    status = await env.fake.response_to(await env.fake.subcommand("library", "status", user=MOD), timeout=20)
    assert status.body["embeds"][0]["description"] == "Up to date with the corpus."
