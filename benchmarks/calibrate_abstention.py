"""Calibrate the extractive answerer's abstention threshold on TUNING questions (never the gate).

    .venv/bin/python benchmarks/calibrate_abstention.py evals/sample.yaml squad_v2_dev \
        [--limit 200] [--write]

The extractive answerer abstains when its best sentence scores below `abstain_threshold`, so one pass
records each question's best score and every threshold is then evaluated offline: abstention
precision / recall on unanswerable questions, false abstentions on answerable ones. The chosen
threshold maximises balanced accuracy over all the suites' questions pooled; `--write` stores it in
`assistant/calibration.json` under the configured embedder (ASSISTANT_EMBEDDING), with what it was
fitted on, and the answerer reads it from there.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from assistant import Assistant, Settings
from assistant.answerers import AnswerRequest
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.calibration import (
    CALIBRATION_FILE,
    Calibration,
    embedder_key,
    load_calibration,
    write_calibration,
)
from assistant.evals.benchmarks import benchmark_suite
from assistant.evals.suites import Suite, collection_name, load_suite

REPO = Path(__file__).resolve().parent.parent


def best_scores(suite: Suite, data_dir: Path) -> list[tuple[float, bool]]:
    """(best sentence score, answerable) per question; history is replayed for multi-turn items."""
    settings = Settings(
        data_dir=data_dir,
        corpus_dir=suite.corpus or REPO / "corpus",
        collection=suite.collection or collection_name(suite.name),
    )
    a = Assistant(settings)
    a.ingest([suite.corpus or settings.corpus_dir], prune=True)
    answerer = a.answerer("extractive")
    if not isinstance(answerer, ExtractiveAnswerer):
        raise SystemExit("calibration measures the extractive answerer")
    out = []
    for q in suite.questions:
        chat = a.chat()
        for turn in q.turns:
            chat.ask(turn)
        query = answerer.condense(q.question, chat.turns)
        passages = a.retrieve(query)
        request = AnswerRequest(q.question, query, passages, a.report_text, a.retriever.idf)
        candidates = answerer.score_sentences(request)
        out.append((candidates[0].score if candidates else 0.0, not q.unanswerable))
    return out


THRESHOLDS = [x / 100 for x in range(30, 66, 3)]


def balanced_accuracy(scores: list[tuple[float, bool]], t: float) -> float:
    n_u = sum(1 for _, a in scores if not a) or 1
    n_a = sum(1 for _, a in scores if a) or 1
    rec = sum(1 for s, a in scores if not a and s < t) / n_u
    false = sum(1 for s, a in scores if a and s < t) / n_a
    return (rec + 1 - false) / 2


def sweep(name: str, scores: list[tuple[float, bool]]) -> Table:
    table = Table(
        title=f"{name}: {sum(a for _, a in scores)} answerable, "
        f"{sum(not a for _, a in scores)} unanswerable"
    )
    for col in ("threshold", "abst. precision", "abst. recall", "false abst.", "balanced acc."):
        table.add_column(col, justify="right")
    for t in THRESHOLDS:
        abst_u = sum(1 for s, a in scores if not a and s < t)
        abst_a = sum(1 for s, a in scores if a and s < t)
        n_u = sum(1 for _, a in scores if not a) or 1
        n_a = sum(1 for _, a in scores if a) or 1
        prec = abst_u / (abst_u + abst_a) if abst_u + abst_a else float("nan")
        rec, false = abst_u / n_u, abst_a / n_a
        table.add_row(
            f"{t:.2f}", f"{prec:.1%}", f"{rec:.1%}", f"{false:.1%}", f"{(rec + 1 - false) / 2:.1%}"
        )
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("suites", nargs="+", help="tuning suite files or dev-split benchmark names")
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--write", action="store_true", help=f"store the result in {CALIBRATION_FILE}")
    args = ap.parse_args()
    if any(Path(name).name.startswith("gate") for name in args.suites):
        raise SystemExit("gate suites are never fitted on (DESIGN.md, evaluation discipline)")
    work = Path(tempfile.mkdtemp(prefix="calibrate-"))
    console = Console()
    pooled: list[tuple[float, bool]] = []
    used: list[str] = []
    for name in args.suites:
        if Path(name).is_file():
            suite = load_suite(name)
        else:
            found, why = benchmark_suite(name, args.data, work / "corpora", args.limit)
            if found is None:
                console.print(why)
                continue
            suite = found
        scores = best_scores(suite, work / "data")
        console.print(sweep(suite.name, scores))
        pooled += scores
        used.append(f"{suite.name} ({len(scores)})")
    if not pooled:
        raise SystemExit("no questions to calibrate on")
    best = max(THRESHOLDS, key=lambda t: balanced_accuracy(pooled, t))
    key = embedder_key(Settings())
    current = load_calibration(key)
    console.print(
        f"best pooled balanced accuracy: threshold {best:.2f} "
        f"({balanced_accuracy(pooled, best):.1%}); calibration.json has "
        f"{current.abstain_threshold:.2f} for '{key}'"
    )
    if args.write:
        # the dense band is kept: it is a property of the embedder, not of these questions
        write_calibration(
            Calibration(key, best, current.dense_floor, current.dense_span, ", ".join(used))
        )
        console.print(f"wrote {CALIBRATION_FILE} [{key}]")


if __name__ == "__main__":
    main()
