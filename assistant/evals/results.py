"""What a run measured: per question, per suite, per run. Plain data, shared by the runner that
fills it and the report that reads it (neither imports the other)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .machine import MachineLoad

SCHEMA = 2
"""Version of result.json (2: split, questions available, machine load)."""


@dataclass
class QuestionRecord:
    """Everything measured on one question; `failures` says in words what went wrong."""

    id: str
    question: str
    turns: list[str]
    tags: list[str]
    unanswerable: bool
    answer: str = ""
    abstained: bool = False
    backend: str = ""
    latency: float = 0.0
    error: str | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)
    retrieved: list[dict[str, Any]] = field(default_factory=list)
    scores: dict[str, float | None] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class ThresholdCheck:
    """One suite threshold against the measured value."""

    metric: str
    op: str
    limit: float
    value: float | None
    passed: bool


@dataclass
class SuiteResult:
    """One suite's run: metrics overall and per tag, threshold checks, per-question records.

    `split` names the benchmark split (or questions file) the questions came from, None for a
    suite file; `available` is how many questions it holds, of which `counts["questions"]` ran.
    """

    name: str
    path: str
    collection: str
    corpus_hash: str
    k: int
    metrics: dict[str, float | None]
    counts: dict[str, int]
    per_tag: dict[str, dict[str, float | None]]
    checks: list[ThresholdCheck]
    records: list[QuestionRecord]
    groundedness_methods: list[str]
    prompt_hashes: dict[str, str]
    models: dict[str, str | None]
    machine: MachineLoad
    split: str | None = None
    available: int = 0
    duration: float = 0.0
    ingest: str | None = None

    @property
    def passed(self) -> bool:
        """True when every threshold of the suite holds."""
        return all(c.passed for c in self.checks)

    def scope(self) -> str:
        """Which questions ran, e.g. "split dev: 100 of 298 questions"."""
        used = self.counts.get("questions", len(self.records))
        where = f"split {self.split}" if self.split else "suite"
        return f"{where}: {used} of {self.available or used} questions"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        data["machine"] = self.machine.to_json()
        for rec, obj in zip(data["records"], self.records, strict=True):
            rec["passed"] = obj.passed
        return data


@dataclass
class RunResult:
    """A whole `assistant eval` run: settings, models, prompt versions and every suite's result."""

    started: str
    settings: dict[str, Any]
    suites: list[SuiteResult]
    skipped: list[str] = field(default_factory=list)
    duration: float = 0.0
    baseline: dict[str, Any] | None = None
    machine: MachineLoad | None = None

    @property
    def passed(self) -> bool:
        """True when every suite meets its thresholds (the exit code of `assistant eval`)."""
        return all(s.passed for s in self.suites)

    def to_json(self) -> dict[str, Any]:
        first = self.suites[0] if self.suites else None
        return {
            "schema": SCHEMA,
            "started": self.started,
            "duration": self.duration,
            "machine": self.machine.to_json() if self.machine else None,
            "passed": self.passed,
            "settings": self.settings,
            "models": first.models if first else {},
            "prompt_hashes": first.prompt_hashes if first else {},
            "suites": [s.to_json() for s in self.suites],
            "skipped": self.skipped,
            "baseline": self.baseline,
        }
