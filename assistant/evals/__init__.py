"""The eval harness: how far the assistant can be trusted on fixed questions, and whether a change
made it better or worse.

from assistant import Settings
from assistant.evals import run_suite
result = run_suite("evals/sample.yaml", settings=Settings())
print(result.metrics["fact_recall"], result.passed)

A front end of the core, like the CLI and the UI: it uses `assistant.<module>` and is never
imported by it. Suite format and metric definitions: evals/README.md.
"""

from __future__ import annotations

from .baseline import diff_runs, load_baseline
from .benchmarks import BENCHMARKS, Benchmark, benchmark_suite
from .command import eval_main, resolve_suites
from .judge import GroundednessJudge
from .machine import MachineLoad
from .report import print_run, render_html, write_run
from .results import QuestionRecord, RunResult, SuiteResult, ThresholdCheck
from .runner import EvalTarget, run_suite, run_suites
from .suites import Question, Suite, Threshold, load_suite, parse_suite

__all__ = [
    "BENCHMARKS",
    "Benchmark",
    "EvalTarget",
    "GroundednessJudge",
    "MachineLoad",
    "Question",
    "QuestionRecord",
    "RunResult",
    "Suite",
    "SuiteResult",
    "Threshold",
    "ThresholdCheck",
    "benchmark_suite",
    "diff_runs",
    "eval_main",
    "load_baseline",
    "load_suite",
    "parse_suite",
    "print_run",
    "render_html",
    "resolve_suites",
    "run_suite",
    "run_suites",
    "write_run",
]
