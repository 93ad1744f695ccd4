"""Adapters that turn public QA benchmarks into eval suites, so the harness also measures the
assistant on data nobody here wrote.

Each adapter reads `<data>/<name>/corpus.jsonl` and one questions file of the same folder
(`questions.<split>.jsonl`, see the README next to the data), orders the questions by sha256 of
their ids (so a smaller `--limit` is a subset of a larger one; no limit takes them all), writes
the documents it needs as .txt reports under a work folder and returns a Suite whose corpus is
that folder, whose collection is its own (`bench-squad`, ...), never the user's, and whose
thresholds are the benchmark's (`Benchmark.thresholds`): a benchmark run can fail.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assistant.errors import BadSuite

from .metrics import locate
from .suites import Suite, parse_suite

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"
"""`../shared/data` beside a source checkout; elsewhere give `--data`."""
DEFAULT_SPLIT = "dev"

Row = dict[str, Any]
Build = Callable[[list[Row], list[Row]], tuple[list[Row], list[Row]]]


@dataclass(frozen=True)
class Benchmark:
    """A benchmark's collection, how its rows become (questions, documents), and its bars.

    The thresholds sit a few points below what the offline extractive answerer measured on the
    dev split, so a regression fails the run.
    """

    collection: str
    description: str
    build: Build
    thresholds: Mapping[str, float]


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


def neutral_id(prefix: str, doc: Row) -> str:
    """An id that depends on the document's text alone: upstream ids that name a passage's role
    (`rgb-fact-0-pos-0`) would tell the answerer which passage is true, through file names,
    report ids and every tie broken by them."""
    return f"{prefix}-{hashlib.sha256(doc_text(doc).encode()).hexdigest()[:12]}"


def _neutral_corpus(
    prefix: str, questions: list[Row], corpus: list[Row]
) -> tuple[dict[str, str], list[Row]]:
    """The documents of the sampled questions under neutral ids: upstream id -> neutral id, and
    the documents (identical texts share one report), sorted by id."""
    wanted = {q["id"] for q in questions}
    renamed = {d["id"]: neutral_id(prefix, d) for d in corpus if d.get("question_id") in wanted}
    docs = {
        renamed[d["id"]]: {"id": renamed[d["id"]], "title": "", "text": d.get("text")}
        for d in corpus
        if d["id"] in renamed
    }
    return renamed, sorted(docs.values(), key=lambda d: str(d["id"]))


def _build_rgb(questions: list[Row], corpus: list[Row]) -> tuple[list[Row], list[Row]]:
    """RGB en_fact: for the sampled questions, their true, counterfactual and noise snippets share
    one corpus under neutral ids; the answer must contain the true answer (reports disagree, so
    showing the counterfactual side too is allowed) and cite the true snippets."""
    renamed, docs = _neutral_corpus("rgb", questions, corpus)
    items: list[Row] = []
    for q in questions:
        gold = sorted({renamed[i] for i in q.get("gold_doc_ids", []) if i in renamed})
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


def _build_ramdocs(questions: list[Row], corpus: list[Row]) -> tuple[list[Row], list[Row]]:
    """RAMDocs: every document of the sampled questions in one corpus under neutral ids (no
    titles, sources or dates: Wikipedia and web text). An ambiguous name has several valid
    answers, one per entity, and each is a fact the answer must show; misinformation documents
    state a wrong value, which may be shown only beside the true one (bench_disagreements.py
    counts that)."""
    renamed, docs = _neutral_corpus("ramdocs", questions, corpus)
    items: list[Row] = []
    for q in questions:
        unsupported = set(q.get("unsupported_gold_answers", []))
        sides = [
            a
            for a in q.get("answers", [])
            if a.get("status") == "correct" and a["answer"] not in unsupported
        ]
        gold = sorted({renamed[i] for a in sides for i in a.get("doc_ids", []) if i in renamed})
        item: Row = {
            "id": q["id"],
            "question": q["question"],
            "tags": [q.get("conflict_kind", "none").replace("+", "-")],
            "reports": [_report(i) for i in gold],
        }
        facts = [[a["answer"]] for a in sides if str(a["answer"]).strip()]
        if facts:
            item["facts"] = facts
        items.append(item)
    return items, docs


BENCHMARKS: dict[str, Benchmark] = {
    "squad_v2_dev": Benchmark(
        "bench-squad", "SQuAD 2.0 dev (Wikipedia; half unanswerable)", _build_squad,
        {"citation_validity": 1.0, "hit@k": 0.93, "mrr": 0.85, "evidence_recall": 0.79,
         "citation_precision": 0.41, "answer_contains": 0.84, "abstention_precision": 0.70,
         "abstention_recall": 0.08, "false_abstention_rate": 0.07, "groundedness": 0.97},
    ),
    "multihop_rag": Benchmark(
        "bench-multihop", "MultiHop-RAG (news, 2-4 articles per answer)", _build_multihop,
        {"citation_validity": 1.0, "hit@k": 0.93, "mrr": 0.86, "evidence_recall": 0.54,
         "citation_precision": 0.56, "fact_recall": 0.51, "abstention_recall": 0.88,
         "false_abstention_rate": 0.05, "groundedness": 0.97},
    ),
    "rgb_en_fact": Benchmark(
        "bench-rgb", "RGB en_fact (news snippets with counterfactuals)", _build_rgb,
        {"citation_validity": 1.0, "hit@k": 0.82, "mrr": 0.53, "citation_precision": 0.30,
         "fact_recall": 0.73, "false_abstention_rate": 0.03, "groundedness": 0.97},
    ),
    "ramdocs": Benchmark(
        "bench-ramdocs", "RAMDocs (ambiguous names, misinformation; Wikipedia and web)",
        _build_ramdocs,
        {"citation_validity": 1.0, "hit@k": 0.93, "mrr": 0.81, "citation_precision": 0.74,
         "fact_recall": 0.56, "false_abstention_rate": 0.09, "groundedness": 0.97},
    ),
}  # fmt: skip
"""Thresholds: 3 points below (above, for false abstentions) what the extractive answerer
measured on the whole dev split, rounded to whole points (evals/README.md has the runs)."""


def _read_jsonl(path: Path) -> list[Row]:
    """Rows of a JSONL file; a broken line is a BadSuite naming the file and line."""
    rows: list[Row] = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BadSuite(f"{path}: line {n}: invalid JSON: {exc.msg}") from exc
            if not isinstance(row, dict) or "id" not in row:
                raise BadSuite(f"{path}: line {n}: expected an object with an `id`")
            rows.append(row)
    return rows


def sample(questions: list[Row], limit: int | None = None) -> list[Row]:
    """The questions ordered by sha256 of their id (spread over the data, stable), the first
    `limit` of them, or all without a limit."""
    ordered = sorted(questions, key=lambda q: hashlib.sha256(str(q["id"]).encode()).hexdigest())
    return ordered if limit is None else ordered[:limit]


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


def questions_file(folder: Path, split: str) -> Path:
    """`questions.<split>.jsonl` of the benchmark's folder, or `split` itself when it is a path."""
    if split.endswith(".jsonl") or "/" in split or "\\" in split:
        return Path(split)
    return folder / f"questions.{split}.jsonl"


def benchmark_suite(
    name: str,
    data_dir: Path,
    work_dir: Path,
    limit: int | None = None,
    split: str = DEFAULT_SPLIT,
) -> tuple[Suite | None, str]:
    """The suite for benchmark `name`, or (None, why) when its data is not at `data_dir`.

    A split whose questions file is missing is a BadSuite naming the file: asking for held-out
    questions and silently measuring nothing would look like a pass.
    """
    bench = BENCHMARKS[name]
    folder = data_dir / name
    corpus_file = folder / "corpus.jsonl"
    if not corpus_file.is_file():
        return None, f"{name}: no data in {folder} (give the folder holding it with --data)"
    question_file = questions_file(folder, split)
    if not question_file.is_file():
        raise BadSuite(f"{name}: no questions file {question_file} (--split {split})")
    available = _read_jsonl(question_file)
    items, docs = bench.build(sample(available, limit), _read_jsonl(corpus_file))
    corpus = work_dir / name
    write_corpus(docs, corpus)
    label = split if question_file.parent == folder else str(question_file)
    data = {
        "name": name,
        "description": f"{bench.description}: {len(items)} questions, {len(docs)} documents",
        "corpus": str(corpus),
        "collection": bench.collection,
        "thresholds": dict(bench.thresholds),
        "questions": items,
    }
    suite = parse_suite(data, source=f"{name} ({question_file})")
    suite = replace(suite, split=label, available=len(available))
    return suite, f"{name}: {len(items)} of {len(available)} questions of split {label}"
