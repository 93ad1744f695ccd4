"""Does each group of general English near-synonyms (lexicon_en.SYNONYM_GROUPS) earn its place?
Runs the tuning suite and the public dev splits with the whole table, without it, and without
each group in turn, and prints the pass rate and abstention figures per suite for each.

    .venv/bin/python benchmarks/ablate_synonyms.py [--data ../shared/data] [--limit 400]
        [--suites evals/sample.yaml,squad_v2_dev,multihop_rag,rgb_en_fact] [--groups]

Gate suites are refused: they are never tuned on. The stores are the eval harness's own (in
--data-dir), so a second run does not embed again.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import Settings, support  # noqa: E402
from assistant import lexicon_en as en  # noqa: E402
from assistant.answerers import extractive  # noqa: E402
from assistant.evals import run_suites  # noqa: E402
from assistant.evals.benchmarks import benchmark_suite  # noqa: E402
from assistant.evals.suites import Suite, load_suite  # noqa: E402
from assistant.lexical import terms  # noqa: E402

METRICS = (
    "pass_rate",
    "fact_recall",
    "answer_contains",
    "abstention_recall",
    "false_abstention_rate",
)


def use_groups(groups: tuple[str, ...]) -> None:
    """Point both readers of the table (sentence scoring, support checks) at these groups."""
    table: dict[str, frozenset[str]] = {}
    for group in groups:
        stems = frozenset(terms(group))
        for s in stems:
            table[s] = table.get(s, frozenset()) | (stems - {s})
    extractive._SYNONYMS.clear()
    extractive._SYNONYMS.update(table)
    support._SYNONYMS.clear()
    support._SYNONYMS.update(table)


def figures(suites: list[Suite], settings: Settings) -> dict[str, dict[str, float]]:
    run = run_suites(suites, settings, backend="extractive")
    return {
        s.name: {m: round(float(s.metrics[m]), 3) for m in METRICS if s.metrics.get(m) is not None}
        for s in run.suites
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--data-dir", type=Path, default=REPO / "benchmarks/results/ablate-store")
    ap.add_argument("--limit", type=int, default=400)
    ap.add_argument("--suites", default="evals/sample.yaml,squad_v2_dev,multihop_rag,rgb_en_fact")
    ap.add_argument("--groups", action="store_true", help="also leave out each group in turn")
    ap.add_argument(
        "--without", default="", help="also leave out these groups together (first words, ';')"
    )
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks/results/ablate_synonyms.json")
    args = ap.parse_args()
    suites: list[Suite] = []
    for name in args.suites.split(","):
        if Path(name).name.startswith("gate"):
            raise SystemExit("gate suites are never tuned on")
        if Path(name).is_file():
            suites.append(load_suite(name))
            continue
        found, why = benchmark_suite(name, args.data, args.data_dir / "corpora", args.limit)
        print(why)
        if found is not None:
            suites.append(found)
    settings = Settings(data_dir=args.data_dir)
    variants: list[tuple[str, tuple[str, ...]]] = [("all groups", en.SYNONYM_GROUPS)]
    if not args.without:
        variants.append(("no groups", ()))
    if args.groups:
        for i, group in enumerate(en.SYNONYM_GROUPS):
            rest = en.SYNONYM_GROUPS[:i] + en.SYNONYM_GROUPS[i + 1 :]
            variants.append((f"without '{' '.join(group.split()[:3])} ...'", rest))
    if args.without:
        firsts = {w.strip() for w in args.without.split(";") if w.strip()}
        rest = tuple(g for g in en.SYNONYM_GROUPS if g.split()[0] not in firsts)
        variants.append((f"without {sorted(firsts)}", rest))
    results: dict[str, dict[str, dict[str, float]]] = {}
    for label, groups in variants:
        use_groups(groups)
        results[label] = figures(suites, settings)
        print(f"\n{label}")
        for suite, figs in results[label].items():
            print(f"  {suite:<16} " + "  ".join(f"{k} {v:.3f}" for k, v in figs.items()))
    use_groups(en.SYNONYM_GROUPS)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
