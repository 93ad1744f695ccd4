"""Adapters that turn public QA benchmarks into eval suites, so the harness also measures the
assistant on data nobody here wrote.

Each adapter reads `<data>/<name>/{corpus,questions.dev}.jsonl` (see the README next to the
data), picks a deterministic sample of questions (ordered by sha256 of their ids, so a smaller
`--limit` is a subset of a larger one), writes the documents it needs as .txt reports under a
work folder and returns a Suite whose corpus is that folder and whose collection is its own
(`bench-squad`, ...), never the user's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import REPO_ROOT
from .metrics import locate
from .suites import Suite, parse_suite

DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
DEFAULT_LIMIT = 200

Row = dict[str, Any]
Build = Callable[[list[Row], list[Row]], tuple[list[Row], list[Row]]]


@dataclass(frozen=True)
class Benchmark:
    """A benchmark's collection name and how its rows become (questions, documents)."""

    collection: str
    description: str
    build: Build


def _report(doc_id: str) -> str:
    return f"{doc_id}.txt"


def doc_text(doc: Row) -> str:
    """A document as a report file: its title as first line when it has one, then its text."""
    title = str(doc.get("title") or "").strip()
    text = str(doc.get("text") or "")
    return f"{title}\n\n{text}\n" if title else f"{text}\n"


def _found(evidence: list[str], docs: dict[str, Row], ids: list[str]) -> list[list[str]]:
    """Keep the evidence sentences that occur in one of the gold documents (data glitches dropped)."""
    texts = [doc_text(docs[i]) for i in ids if i in docs]
    return [[e] for e in evidence if e.strip() and any(locate(e, t) for t in texts)]


def _build_squad(questions: list[Row], corpus: list[Row]) -> tuple[list[Row], list[Row]]:
    """SQuAD 2.0: the corpus is every paragraph of the articles the sampled questions come from
    (same-topic distractors); unanswerable questions must be refused; answerable ones are scored
    on "answer contains a gold answer", best-sentence EM/F1 and the gold paragraph."""
    articles = {q["article"] for q in questions}
    docs = [d for d in corpus if d.get("article") in articles]
    by_id = {d["id"]: d for d in docs}
    items: list[Row] = []
    for q in questions:
        item: Row = {"id": q["id"], "question": q["question"], "tags": [q.get("type", "squad")]}
        item["reports"] = [_report(i) for i in q.get("gold_doc_ids", []) if i in by_id]
        if q.get("answerable", True):
            item["answers"] = [a for a in q.get("answers", []) if a.strip()]
            item["evidence"] = _found(q.get("evidence_sentences", []), by_id, q["gold_doc_ids"])
        else:
            item["unanswerable"] = True
        items.append(item)
    return items, docs


def _build_multihop(questions: list[Row], corpus: list[Row]) -> tuple[list[Row], list[Row]]:
    """MultiHop-RAG: the whole 326-article corpus; every gold fact (2-4 articles) must be cited;
    the gold answer is an expected fact except Yes/No (which an extractive answer never says);
    null questions must be refused."""
    by_id = {d["id"]: d for d in corpus}
    items: list[Row] = []
    for q in questions:
        item: Row = {"id": q["id"], "question": q["question"], "tags": [q.get("type", "multihop")]}
        if not q.get("answerable", True):
            item["unanswerable"] = True
        else:
            gold = [i for i in q.get("gold_doc_ids", []) if i in by_id]
            item["reports"] = [_report(i) for i in gold]
            item["evidence"] = _found(q.get("evidence_sentences", []), by_id, gold)
            answer = str(q.get("answer", "")).strip()
            if answer and answer.lower().rstrip(".") not in ("yes", "no"):
                item["facts"] = [[answer]]
        items.append(item)
    return items, list(corpus)


def _build_rgb(questions: list[Row], corpus: list[Row]) -> tuple[list[Row], list[Row]]:
    """RGB en_fact: for the sampled questions, their true, counterfactual and noise snippets share
    one corpus; the answer must contain the true answer (reports disagree, so showing the
    counterfactual side too is allowed) and cite the true snippets."""
    wanted = {q["id"] for q in questions}
    docs = [d for d in corpus if d.get("question_id") in wanted]
    by_id = {d["id"]: d for d in docs}
    items: list[Row] = []
    for q in questions:
        gold = [i for i in q.get("gold_doc_ids", []) if i in by_id]
        items.append(
            {
                "id": q["id"],
                "question": q["question"],
                "tags": [q.get("type", "counterfactual")],
                "reports": [_report(i) for i in gold],
                "facts": [[a for a in q.get("answers", []) if a.strip()] or [q["answer"]]],
            }
        )
    return items, docs


BENCHMARKS: dict[str, Benchmark] = {
    "squad_v2_dev": Benchmark("bench-squad", "SQuAD 2.0 dev (Wikipedia; half unanswerable)", _build_squad),
    "multihop_rag": Benchmark("bench-multihop", "MultiHop-RAG (news, 2-4 articles per answer)", _build_multihop),
    "rgb_en_fact": Benchmark("bench-rgb", "RGB en_fact (news snippets with counterfactuals)", _build_rgb),
}  # fmt: skip


def _read_jsonl(path: Path) -> list[Row]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def sample(questions: list[Row], limit: int) -> list[Row]:
    """The first `limit` questions ordered by sha256 of their id: spread over the data, stable."""
    ordered = sorted(questions, key=lambda q: hashlib.sha256(str(q["id"]).encode()).hexdigest())
    return ordered[:limit]


def write_corpus(docs: list[Row], folder: Path) -> None:
    """Mirror `docs` as <id>.txt files in `folder`: unchanged files are left alone, stale ones removed."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {_report(d["id"]): doc_text(d) for d in docs}
    for stale in folder.glob("*.txt"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def benchmark_suite(
    name: str, data_dir: Path, work_dir: Path, limit: int = DEFAULT_LIMIT
) -> tuple[Suite | None, str]:
    """The suite for benchmark `name`, or (None, why) when its data is not at `data_dir`."""
    bench = BENCHMARKS[name]
    folder = data_dir / name
    corpus_file = folder / "corpus.jsonl"
    question_file = folder / "questions.dev.jsonl"
    if not corpus_file.is_file() or not question_file.is_file():
        return None, f"{name}: no data in {folder} (give the folder holding it with --data)"
    questions = sample(_read_jsonl(question_file), limit)
    items, docs = bench.build(questions, _read_jsonl(corpus_file))
    corpus = work_dir / name
    write_corpus(docs, corpus)
    data = {
        "name": name,
        "description": f"{bench.description}: {len(items)} questions, {len(docs)} documents",
        "corpus": str(corpus),
        "collection": bench.collection,
        "questions": items,
    }
    return parse_suite(data, source=f"{name} ({folder})"), f"{name}: {len(items)} questions"
