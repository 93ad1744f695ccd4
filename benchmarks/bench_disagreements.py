"""Disagreements on facts, measured on RGB en_fact dev (news snippets, each question with true and
counterfactual versions of the same snippets) or RAMDocs dev (Wikipedia and web text: ambiguous
names with several valid answers, misinformation documents stating a wrong one), under neutral ids.

    .venv/bin/python benchmarks/bench_disagreements.py [--set rgb_en_fact|ramdocs]
        [--data ../shared/data] [--limit N] [--backend extractive] [--work DIR]

For each question, with every document of the set in one corpus, the assistant answers and the
script counts (over answered questions unless said otherwise):
- true value shown: the answer's text contains a gold answer (over all questions);
- every valid answer shown (RAMDocs, questions with several): all of them are in the answer;
- false cited: a citation quotes a counterfactual / misinformation document;
- flagged: among those, the answer reports a disagreement (Answer.disagreements is not empty);
- true value alongside: among those, the true value is in the answer too;
- false value shown: the answer's text holds a false value (a cited false document may be cited
  for another of its sentences); flagged: among those, a disagreement is reported;
- silently false: the answer shows a false value, not a true one, and flags nothing.
Targets (issue 11, RGB): true value shown >= 0.8; flagged >= 0.7 when a counterfactual is cited.
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
from assistant.evals.benchmarks import _read_jsonl, benchmark_suite, neutral_id  # noqa: E402
from assistant.evals.metrics import fact_found  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--set", dest="name", default="rgb_en_fact", choices=("rgb_en_fact", "ramdocs"))
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--backend", default="extractive")
    ap.add_argument("--work", type=Path, default=None, help="reuse this folder's store")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    out = args.out or REPO / f"benchmarks/results/disagreements-{args.name}.json"
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-disagree-"))
    suite, why = benchmark_suite(args.name, args.data, work / "corpora", args.limit)
    print(why)
    if suite is None:
        return
    false_docs, wrong = _false_of(args.name, args.data / args.name)
    settings = Settings(
        data_dir=work / "data",
        corpus_dir=suite.corpus,
        collection=f"bench-{args.name}",
        backend=args.backend,
    )
    assistant = Assistant(settings)
    t0 = time.perf_counter()
    assistant.ingest([suite.corpus], prune=True)
    print(f"ingest {time.perf_counter() - t0:.1f} s")
    n = shown = answered = false_cited = flagged = alongside = silent = several = every = 0
    value_shown = value_flagged = 0
    for q in suite.questions:
        n += 1
        answer = assistant.ask(q.question)
        golds = [a for alts in q.facts for a in alts]
        true_shown = not answer.abstained and fact_found(answer.text, golds)
        shown += true_shown
        if len(q.facts) > 1:
            several += 1
            every += not answer.abstained and all(fact_found(answer.text, f) for f in q.facts)
        if answer.abstained:
            continue
        answered += 1
        cited = {c.report_id.removesuffix(".txt") for c in answer.citations}
        false_shown = bool(wrong.get(q.id)) and fact_found(answer.text, wrong[q.id])
        if cited & false_docs:
            false_cited += 1
            flagged += bool(answer.disagreements)
            alongside += true_shown
        silent += false_shown and not true_shown and not answer.disagreements
        value_shown += false_shown
        value_flagged += false_shown and bool(answer.disagreements)
    figures = {
        "questions": n,
        "answered": answered,
        "true_value_shown": shown / max(1, n),
        "questions_with_several_valid_answers": several,
        "every_valid_answer_shown": every / max(1, several),
        "false_cited": false_cited,
        "flagged_when_false_cited": flagged / max(1, false_cited),
        "true_value_alongside_false": alongside / max(1, false_cited),
        "false_value_shown": value_shown,
        "flagged_when_false_value_shown": value_flagged / max(1, value_shown),
        "silently_false": silent / max(1, answered),
    }
    for k, v in figures.items():
        print(f"{k:38} {v:.3f}" if isinstance(v, float) else f"{k:38} {v}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))


def _false_of(name: str, folder: Path) -> tuple[set[str], dict[str, list[str]]]:
    """The neutral ids of the documents that state a false value, and each question's false
    values (RGB: its counterfactual answer; RAMDocs: its wrong answers)."""
    corpus = _read_jsonl(folder / "corpus.jsonl")
    questions = _read_jsonl(folder / "questions.dev.jsonl")
    if name == "rgb_en_fact":
        docs = {neutral_id("rgb", d) for d in corpus if d.get("role") == "counterfactual"}
        return docs, {q["id"]: [q["fake_answer"]] for q in questions if q.get("fake_answer")}
    misinfo = {
        label["doc_id"] for q in questions for label in q.get("doc_labels", [])
        if label.get("type") == "misinfo"
    }  # fmt: skip
    docs = {neutral_id("ramdocs", d) for d in corpus if d["id"] in misinfo}
    return docs, {q["id"]: list(q.get("wrong_answers", [])) for q in questions}


if __name__ == "__main__":
    main()
