"""Disagreements on facts, measured on RGB en_fact dev (news snippets, each question with true and
counterfactual versions of the same snippets, under neutral ids).

    .venv/bin/python benchmarks/bench_disagreements.py [--data ../shared/data] [--limit N]
        [--backend extractive] [--work DIR]

For each question, with every snippet of its set in one corpus, the assistant answers and the script
counts (over answered questions unless said otherwise):
- true value shown: the answer's text contains a gold answer (over all questions);
- counterfactual cited: a citation quotes a counterfactual snippet;
- flagged: among those, the answer reports a disagreement (Answer.disagreements is not empty);
- true value alongside: among those, the true value is in the answer too;
- silently false: the answer shows the counterfactual value, not the true one, and flags nothing.
Targets (issue 11): true value shown >= 0.8; flagged >= 0.7 when a counterfactual is cited.
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
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--backend", default="extractive")
    ap.add_argument("--work", type=Path, default=None, help="reuse this folder's store")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks/results/disagreements.json")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-disagree-"))
    suite, why = benchmark_suite("rgb_en_fact", args.data, work / "corpora", args.limit)
    print(why)
    if suite is None:
        return
    folder = args.data / "rgb_en_fact"
    role = {neutral_id("rgb", d): d.get("role") for d in _read_jsonl(folder / "corpus.jsonl")}
    fake = {q["id"]: q.get("fake_answer", "") for q in _read_jsonl(folder / "questions.dev.jsonl")}
    settings = Settings(
        data_dir=work / "data",
        corpus_dir=suite.corpus,
        collection="bench-rgb",
        backend=args.backend,
    )
    assistant = Assistant(settings)
    t0 = time.perf_counter()
    assistant.ingest([suite.corpus], prune=True)
    print(f"ingest {time.perf_counter() - t0:.1f} s")
    n = shown = answered = cou_cited = flagged = alongside = silent = 0
    for q in suite.questions:
        n += 1
        answer = assistant.ask(q.question)
        golds = [a for alts in q.facts for a in alts]
        true_shown = not answer.abstained and fact_found(answer.text, golds)
        shown += true_shown
        if answer.abstained:
            continue
        answered += 1
        cited = {role.get(c.report_id.removesuffix(".txt")) for c in answer.citations}
        false_shown = bool(fake.get(q.id)) and fact_found(answer.text, [fake[q.id]])
        if "counterfactual" in cited:
            cou_cited += 1
            flagged += bool(answer.disagreements)
            alongside += true_shown
        silent += false_shown and not true_shown and not answer.disagreements
    figures = {
        "questions": n,
        "answered": answered,
        "true_value_shown": shown / max(1, n),
        "counterfactual_cited": cou_cited,
        "flagged_when_counterfactual_cited": flagged / max(1, cou_cited),
        "true_value_alongside_counterfactual": alongside / max(1, cou_cited),
        "silently_false": silent / max(1, answered),
    }
    for k, v in figures.items():
        print(f"{k:38} {v:.3f}" if isinstance(v, float) else f"{k:38} {v}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
