"""python -m bot bench --plain DATASET: the product through its CLI against the plain stack.

The plain stack is what a first retrieval prototype looks like: sentence-transformers on torch,
the documents cut into chunks of about 1,000 characters, an exact float32 FAISS index, top 10 by
cosine. The product is the bot as configured (by default the int8 encoder, passages and sentence
evidence, BM25, the crisis check and the claim guard), driven through ``python -m bot index build``
and ``python -m bot ask --json``. Both run in fresh processes on the same documents (every one a
BEIR dataset's question has judged relevant, the rest drawn at random), so each figure includes
what a user waits for: the build, the cold start to the first answer, then each further answer
(measured as the time between consecutive lines of output). MRR@10 is read from the same output.
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHUNK_CHARS = 1000
_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")


def _chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Pieces of at most about ``size`` characters, cut between sentences (a plain recursive splitter)."""
    out, cur = [], ""
    for piece in _BREAK.split(text):
        piece = piece.strip()
        if not piece:
            continue
        while len(piece) > size:
            if cur:
                out.append(cur)
                cur = ""
            out.append(piece[:size])
            piece = piece[size:]
        if cur and len(cur) + 1 + len(piece) > size:
            out.append(cur)
            cur = piece
        else:
            cur = f"{cur} {piece}" if cur else piece
    if cur:
        out.append(cur)
    return out


# ----------------------------------------------------------------------------------------------
# The plain stack (runs in its own process: python -m bot.plainbench build|ask ...)


def _plain_model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    from .core.embedder import resolve_model

    return SentenceTransformer(resolve_model(None)[1], device="cpu")


def plain_build(docs_file: Path, out: Path) -> None:
    import faiss
    import numpy as np

    model = _plain_model()
    ids, texts = [], []
    with open(docs_file, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            for chunk in _chunks(row["text"]):
                ids.append(row["_id"])
                texts.append(f"{row['title']}\n{chunk}")
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    out.mkdir(parents=True, exist_ok=True)
    faiss.write_index(index, str(out / "index.faiss"))
    (out / "chunks.json").write_text(json.dumps({"ids": ids, "texts": texts}))
    print(json.dumps({"chunks": len(texts)}), flush=True)


def plain_ask(out: Path, questions: list[str]) -> None:
    import faiss

    model = _plain_model()
    index = faiss.read_index(str(out / "index.faiss"))
    chunks = json.loads((out / "chunks.json").read_text())
    for q in questions:
        v = model.encode([q], normalize_embeddings=True, convert_to_numpy=True)
        scores, rows = index.search(v, 10)
        print(
            json.dumps(
                {
                    "question": q,
                    "passages": [
                        {"article": chunks["ids"][r], "text": chunks["texts"][r], "score": float(s)}
                        for r, s in zip(rows[0], scores[0])
                        if r >= 0
                    ],
                }
            ),
            flush=True,
        )


# ----------------------------------------------------------------------------------------------
# The comparison


def _timed_lines(cmd: list[str], env: dict) -> tuple[list[tuple[float, str]], float, float]:
    """Run ``cmd``; (each stdout line with the seconds since start when it arrived, total seconds, started)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append((time.perf_counter() - started, line))
    err = proc.stderr.read() if proc.stderr else ""
    if proc.wait() != 0:
        raise SystemExit(f"bench: {' '.join(cmd[:4])} ... failed:\n{err[-2000:]}")
    return lines, time.perf_counter() - started, started


def _mrr(answers: list[dict], qrels: dict[str, set[str]], qids: list[str]) -> float:
    """MRR@10 of the CLI's JSON answers, one per question of ``qids``, by the articles quoted."""
    from .evaluation.metrics import mean_reciprocal_rank

    rankings = [[p["article"] for p in answer.get("passages", [])] for answer in answers]
    rankings += [[]] * (len(qids) - len(rankings))  # a question without an answer ranks nothing
    return mean_reciprocal_rank(rankings, [qrels[q] for q in qids], k=10)


def _per_question(lines: list[tuple[float, str]]) -> float:
    gaps = [b - a for (a, _), (b, _) in zip(lines, lines[1:])]
    return statistics.median(gaps) * 1000 if gaps else float("nan")


def run_plain(dataset: str, *, documents: int, work: Path) -> dict:
    """The product through its CLI against the plain stack on ``documents`` of a BEIR ``dataset``."""
    from .evaluation.retrieval import load_beir

    ds = load_beir(dataset, min_grade=3)
    relevant = sorted({d for q in ds.qrels.values() for d in q})
    rng = random.Random(5)
    others = rng.sample(sorted(set(ds.docs) - set(relevant)), max(0, documents - len(relevant)))
    chosen = sorted(set(relevant) | set(others))
    work = work / f"plain-{len(chosen)}"
    corpus, docs = work / "corpus", work / "docs.jsonl"
    if not docs.exists():
        corpus.mkdir(parents=True, exist_ok=True)
        with open(docs, "w", encoding="utf-8") as fh:
            for d in chosen:
                title, text = ds.docs[d]
                fh.write(json.dumps({"_id": d, "title": title, "text": text}) + "\n")
                (corpus / f"{d}.md").write_text(
                    f"---\ntitle: {json.dumps(title or d)}\n---\n\n{text}\n", encoding="utf-8"
                )
    qids = [q for q in ds.queries if q in ds.qrels]
    questions = [ds.queries[q] for q in qids]
    qrels = {q: {f"{d}.md" for d in ds.qrels[q]} | set(ds.qrels[q]) for q in qids}
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    py = sys.executable
    report: dict = {"documents": len(chosen), "questions": len(qids)}
    for name in ("plain", "product"):
        index_dir = work / f"index-{name}"
        if index_dir.exists():
            import shutil

            shutil.rmtree(index_dir)
        _say(f"bench --plain: {name}: build ...")
        if name == "plain":
            build = [py, "-m", "bot.plainbench", "build", str(docs), str(index_dir)]
            ask = [py, "-m", "bot.plainbench", "ask", str(index_dir), *questions]
        else:
            where = ["--corpus", str(corpus), "--index", str(index_dir)]
            build = [py, "-m", "bot", "index", "build", "--json", *where]
            ask = [py, "-m", "bot", "ask", "--json", "--k", "10", *where, *questions]
        _, build_s, _ = _timed_lines(build, env)
        _say(f"bench --plain: {name}: {len(questions)} questions from a cold start ...")
        lines, ask_s, _ = _timed_lines(ask, env)
        answers = [json.loads(line) for _, line in lines]
        report[name] = {
            "build_s": build_s,
            "cold_first_answer_s": lines[0][0],
            "per_question_ms": _per_question(lines),
            "all_questions_s": ask_s,
            "mrr_at_10": _mrr(answers, qrels, qids),
            "answered": sum(bool(a.get("passages")) for a in answers),
        }
    _print_plain(report)
    return report


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _print_plain(r: dict) -> None:
    p, b = r["product"], r["plain"]
    print(f"\n{r['documents']:,} documents, {r['questions']} questions, each stack in fresh processes through its CLI")
    print(f"{'':30} {'plain':>10} {'product':>10}   ratio")
    for label, key, fmt, better in (
        ("build s", "build_s", "{:.1f}", "faster"),
        ("cold start to first answer s", "cold_first_answer_s", "{:.2f}", "sooner"),
        ("per further question ms", "per_question_ms", "{:.1f}", "faster"),
    ):
        print(f"{label:30} {fmt.format(b[key]):>10} {fmt.format(p[key]):>10}   {b[key] / p[key]:.1f}x {better}")
    print(f"{'MRR@10':30} {b['mrr_at_10']:>10.3f} {p['mrr_at_10']:>10.3f}")
    print(f"{'questions with a quote':30} {b['answered']:>10} {p['answered']:>10}")
    sys.stdout.flush()


if __name__ == "__main__":
    if sys.argv[1] == "build":
        plain_build(Path(sys.argv[2]), Path(sys.argv[3]))
    elif sys.argv[1] == "ask":
        plain_ask(Path(sys.argv[2]), sys.argv[3:])
