"""Load through the end-to-end Discord harness with the real model: hundreds of simultaneous questions.

Asserts that every question is answered exactly once and that the event loop never stalls near a
heartbeat; prints throughput, latency percentiles and the largest loop lag (run with -s to see).
"""

from __future__ import annotations

import asyncio
import statistics
import time

import pytest

from conftest import write_article
from discord_harness import APP_ID, BOT_USER, CHANNEL_ID, MOD

QUESTIONS = ["in what ways does intimacy aid growth?", "how does oxytocin affect stress?",
             "why should intimacy be consensual?", "what is post-traumatic growth?",
             "can closeness help after trauma?", "what did the study on attachment find?",
             "does intimacy build self-esteem?", "how can survivors feel safe with a partner?"]
N_SLASH, N_MESSAGES = 200, 100
N_NEW_ARTICLES = 300  # added before the load: /reindex embeds them while the questions arrive
HEARTBEAT_S = 41.25  # Discord's usual heartbeat interval


def _user(i: int) -> dict:
    return {"id": str(70000 + i), "username": f"member{i}", "discriminator": "0", "global_name": None, "avatar": None}


@pytest.mark.model
async def test_hundreds_of_simultaneous_questions_are_all_answered(start_bot, real_embedder):
    env = await start_bot(embedder=real_embedder, cooldown_per_channel=10**6)
    loop = asyncio.get_running_loop()
    lags: list[float] = []
    running = True

    async def monitor():
        while running:
            t = loop.time()
            await asyncio.sleep(0.01)
            lags.append(loop.time() - t - 0.01)

    watcher = asyncio.create_task(monitor())
    for i in range(N_NEW_ARTICLES):
        write_article(env.corpus, f"bulk/{i}.md", f"Note {i} on rebuilding trust",
                      f"Note {i}: rebuilding trust after betrayal takes {i % 17 + 2} small kept promises, patience "
                      f"with setbacks, and a partner who listens. Step {i} is to notice what helped before.\n\n"
                      f"A second paragraph for note {i} about consent, pauses and checking in with each other.")
    reindex = await env.fake.slash("reindex", user=MOD)
    sent: dict[str, float] = {}
    started = time.perf_counter()
    for i in range(N_SLASH):
        iid = await env.fake.slash("ask", {"question": QUESTIONS[i % len(QUESTIONS)]}, user=_user(i))
        sent[f"tok{iid}"] = time.perf_counter()
    for i in range(N_MESSAGES):
        mid = await env.fake.message(f"<@{APP_ID}> {QUESTIONS[i % len(QUESTIONS)]}", user=_user(N_SLASH + i),
                                     mentions=[BOT_USER])
        sent[mid] = time.perf_counter()

    def answered() -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        for c in env.fake.calls:
            if "rate_limited" in c.query or c.method != "POST":
                continue
            if c.path.startswith(f"/webhooks/{APP_ID}/"):
                out.setdefault(c.path.split("/")[3], []).append(c.at)
            elif c.path == f"/channels/{CHANNEL_ID}/messages" and isinstance(c.body, dict):
                ref = str((c.body.get("message_reference") or {}).get("message_id"))
                if ref in sent:
                    out.setdefault(ref, []).append(c.at)
        return out

    deadline = time.perf_counter() + 300
    while len(answered()) < len(sent) and time.perf_counter() < deadline:  # questions, not the reindex report
        await asyncio.sleep(0.1)
    elapsed = time.perf_counter() - started
    report = await env.fake.response_to(reindex, timeout=300)
    reindex_done = report.at - started
    running = False
    await watcher
    got = answered()
    missing = [k for k in sent if k not in got]
    assert not missing, f"{len(missing)} of {len(sent)} questions were not answered"
    assert all(len(v) == 1 for v in got.values()), "a question was answered twice"
    assert f"{N_NEW_ARTICLES} added" in report.body["content"]
    during = sum(1 for k in sent if got[k][0] < report.at)
    assert during > 0, "no question was answered while the reindex ran"
    latencies = sorted((got[k][0] - sent[k]) * 1000 for k in sent)
    max_lag = max(lags)
    print(f"\nload: {len(sent)} questions ({N_SLASH} /ask, {N_MESSAGES} mentions) answered in {elapsed:.1f} s "
          f"= {len(sent) / elapsed:.1f}/s; latency p50 {statistics.median(latencies):.0f} ms, "
          f"p99 {latencies[int(0.99 * (len(latencies) - 1))]:.0f} ms; max event-loop lag {max_lag * 1000:.0f} ms; "
          f"a /reindex of {N_NEW_ARTICLES} new articles ran meanwhile and finished after {reindex_done:.1f} s, "
          f"{during} answers sent before it finished")
    assert max_lag < HEARTBEAT_S / 10, f"the event loop stalled for {max_lag:.1f} s"
