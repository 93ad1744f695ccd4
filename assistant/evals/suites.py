"""Eval suites: the file format (YAML or JSONL, see evals/README.md), parsed and checked strictly.

A typo in a suite silently measures nothing, so unknown keys and wrong types are refused with a
one-line `BadSuite` naming the file and the question.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from assistant.config import check_collection_name
from assistant.errors import BadSuite

METRICS: dict[str, bool] = {
    "pass_rate": True,
    "hit@1": True,
    "hit@k": True,
    "mrr": True,
    "citation_validity": True,
    "evidence_recall": True,
    "citation_precision": True,
    "fact_recall": True,
    "answer_contains": True,
    "best_sentence_em": True,
    "best_sentence_f1": True,
    "abstention_precision": True,
    "abstention_recall": True,
    "false_abstention_rate": False,
    "groundedness": True,
    "groundedness_llm": True,
    "answer_words_p50": False,
    "latency_p50": False,
    "latency_p95": False,
}
"""Every suite-level metric, mapped to True when higher is better (a threshold is then a minimum)."""

QUESTION_KEYS = frozenset(
    {
        "id",
        "question",
        "turns",
        "facts",
        "evidence",
        "reports",
        "answers",
        "unanswerable",
        "tags",
        "notes",
    }
)
SUITE_KEYS = frozenset({"name", "description", "corpus", "collection", "thresholds", "questions"})


@dataclass(frozen=True)
class Question:
    """One suite item. `turns` are asked first, in order, as chat history; `question` is judged.

    `facts` and `evidence` are lists of items, each a tuple of alternatives (any one suffices,
    every item is required). `answers` are SQuAD-style short gold answers (any one suffices).
    """

    id: str
    question: str
    turns: tuple[str, ...] = ()
    facts: tuple[tuple[str, ...], ...] = ()
    evidence: tuple[tuple[str, ...], ...] = ()
    reports: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    unanswerable: bool = False
    tags: tuple[str, ...] = ()

    @property
    def has_gold(self) -> bool:
        """True when retrieval can be scored: the question names gold reports or evidence."""
        return bool(self.evidence or self.reports) and not self.unanswerable


@dataclass(frozen=True)
class Threshold:
    """A suite-level bar: `metric` must be >= limit (op "min") or <= limit (op "max")."""

    metric: str
    limit: float
    op: str

    def holds(self, value: float | None) -> bool:
        """An unmeasured metric (None) does not fail the bar: another metric will show the cause."""
        if value is None:
            return True
        return value >= self.limit if self.op == "min" else value <= self.limit


@dataclass(frozen=True)
class Suite:
    """A named list of questions, optionally with its own corpus folder and collection.

    A benchmark suite also names its `split` (the questions file it was drawn from) and how many
    questions that file holds (`available`), so a run says what share of the data it measured.
    """

    name: str
    path: str
    questions: tuple[Question, ...]
    thresholds: tuple[Threshold, ...] = ()
    corpus: Path | None = None
    collection: str | None = None
    description: str = ""
    split: str | None = None
    available: int | None = None

    @property
    def total(self) -> int:
        """Questions in the suite file or split, before any `--limit`."""
        return len(self.questions) if self.available is None else self.available

    def limited(self, limit: int | None) -> Suite:
        """The same suite with only its first `limit` questions (for quick runs)."""
        if limit is None or limit >= len(self.questions):
            return self
        return replace(self, questions=self.questions[:limit], available=self.total)


def collection_name(name: str) -> str:
    """A Chroma-safe collection name derived from a suite name."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._") or "suite"
    return f"eval-{cleaned}"[:60]


class _SuiteLoader(yaml.SafeLoader):
    """YAML without aliases: a suite never needs them, and a few lines of nested aliases (the
    "billion laughs") expand to more than any memory once something walks or prints them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
            line = event.start_mark.line + 1 if event.start_mark else "?"
            raise yaml.YAMLError(f"aliases (*name) are not allowed in a suite (line {line})")
        return super().compose_node(parent, index)


def load_suite(path: str | Path) -> Suite:
    """Read and check a suite file (.yaml/.yml or .jsonl); raises BadSuite naming file and item."""
    p = Path(path)
    if not p.is_file():
        raise BadSuite(f"{p}: no such suite file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadSuite(f"{p}: cannot read: {exc}") from exc
    try:
        if p.suffix.lower() == ".jsonl":
            data = _read_jsonl(p, text)
        elif p.suffix.lower() in (".yaml", ".yml"):
            try:
                data = yaml.load(text, Loader=_SuiteLoader)  # a SafeLoader without aliases
            except yaml.YAMLError as exc:
                raise BadSuite(f"{p}: invalid YAML: {' '.join(str(exc).split())}") from exc
        else:
            raise BadSuite(f"{p}: a suite is a .yaml, .yml or .jsonl file")
    except RecursionError as exc:  # the parsers recurse once per level of [ or {
        raise BadSuite(f"{p}: nested too deeply to be a suite") from exc
    if not isinstance(data, dict):
        raise BadSuite(f"{p}: expected a mapping with a `questions` list at the top")
    return parse_suite(data, source=str(p), base=p.parent)


def _read_jsonl(p: Path, text: str) -> dict[str, Any]:
    """JSONL: one question per line; an optional line {"suite": {...}} holds the suite-level keys."""
    header: dict[str, Any] = {}
    questions: list[Any] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadSuite(f"{p}: line {n}: invalid JSON: {exc.msg}") from exc
        if isinstance(item, dict) and set(item) == {"suite"} and isinstance(item["suite"], dict):
            header = item["suite"]
        else:
            questions.append(item)
    if "questions" in header:
        raise BadSuite(f"{p}: the suite line cannot hold questions")
    return {**header, "questions": questions}


def parse_suite(data: Mapping[str, Any], *, source: str, base: Path | None = None) -> Suite:
    """Build a Suite from parsed data (the YAML/JSONL file, or an adapter's dict)."""
    unknown = sorted(set(data) - SUITE_KEYS)
    if unknown:
        raise BadSuite(
            f"{source}: unknown suite key {unknown[0]!r} (expected: {_keys(SUITE_KEYS)})"
        )
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise BadSuite(f"{source}: `questions` must be a non-empty list")
    questions = [_parse_question(item, n, source) for n, item in enumerate(raw_questions, start=1)]
    seen: set[str] = set()
    for n, q in enumerate(questions, start=1):
        if q.id in seen:
            raise BadSuite(f"{source}: question {n}: duplicate id {q.id!r}")
        seen.add(q.id)
    name = _text(data.get("name", Path(source).stem), f"{source}: `name`")
    corpus = data.get("corpus")
    corpus_path: Path | None = None
    if corpus is not None:
        corpus_path = Path(_text(corpus, f"{source}: `corpus`"))
        if not corpus_path.is_absolute() and base is not None:
            corpus_path = (base / corpus_path).resolve()
        if not corpus_path.exists():
            raise BadSuite(f"{source}: corpus {corpus_path} does not exist")
    collection = data.get("collection")
    if collection is None and corpus_path is not None:
        collection = collection_name(name)
    return Suite(
        name=name,
        path=source,
        questions=tuple(questions),
        thresholds=_parse_thresholds(data.get("thresholds"), source),
        corpus=corpus_path,
        collection=None if collection is None else _collection(collection, source),
        description=_optional_text(data.get("description", ""), f"{source}: `description`"),
    )


def _parse_thresholds(raw: Any, source: str) -> tuple[Threshold, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise BadSuite(f"{source}: `thresholds` must map metric names to numbers")
    out: list[Threshold] = []
    for metric, value in raw.items():
        where = f"{source}: threshold {metric!r}"
        if metric not in METRICS:
            raise BadSuite(f"{where}: unknown metric (expected one of: {', '.join(METRICS)})")
        default_op = "min" if METRICS[metric] else "max"
        bars = value if isinstance(value, dict) else {default_op: value}
        for op, limit in bars.items():
            if op not in ("min", "max"):
                raise BadSuite(f"{where}: use a number, or a mapping with `min`/`max`")
            if isinstance(limit, bool) or not isinstance(limit, int | float):
                raise BadSuite(f"{where}: {op} must be a number, got {limit!r}")
            out.append(Threshold(str(metric), float(limit), str(op)))
    return tuple(out)


def _parse_question(item: Any, n: int, source: str) -> Question:
    if not isinstance(item, dict):
        raise BadSuite(f"{source}: question {n}: expected a mapping, got {type(item).__name__}")
    where = f"{source}: question {n}" + (f" ({item['id']!r})" if "id" in item else "")
    unknown = sorted(set(item) - QUESTION_KEYS)
    if unknown:
        raise BadSuite(f"{where}: unknown key {unknown[0]!r} (expected: {_keys(QUESTION_KEYS)})")
    if ("question" in item) == ("turns" in item):
        raise BadSuite(f"{where}: give exactly one of `question` or `turns`")
    if "turns" in item:
        turns = _strings(item["turns"], f"{where}: `turns`")
        if not turns:
            raise BadSuite(f"{where}: `turns` must list at least one question")
    else:
        turns = (_text(item["question"], f"{where}: `question`"),)
    if any(not t.strip() for t in turns):
        raise BadSuite(f"{where}: empty question text")
    unanswerable = item.get("unanswerable", False)
    if not isinstance(unanswerable, bool):
        raise BadSuite(f"{where}: `unanswerable` must be true or false")
    facts = _alternatives(item.get("facts", []), f"{where}: `facts`")
    evidence = _alternatives(item.get("evidence", []), f"{where}: `evidence`")
    answers = _strings(item.get("answers", []), f"{where}: `answers`")
    if unanswerable and (facts or evidence or answers):
        raise BadSuite(f"{where}: an unanswerable question cannot have facts, evidence or answers")
    qid = item.get("id", f"q{n}")
    if isinstance(qid, bool) or not isinstance(qid, str | int):
        raise BadSuite(f"{where}: `id` must be a string")
    return Question(
        id=str(qid),
        question=turns[-1],
        turns=turns[:-1],
        facts=facts,
        evidence=evidence,
        reports=_strings(item.get("reports", []), f"{where}: `reports`"),
        answers=answers,
        unanswerable=unanswerable,
        tags=_strings(item.get("tags", []), f"{where}: `tags`"),
    )


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadSuite(f"{where} must be a non-empty string")
    return value


def _optional_text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise BadSuite(f"{where} must be a string")
    return value


def _collection(value: Any, source: str) -> str:
    name = _text(value, f"{source}: `collection`")
    try:
        return check_collection_name(name)
    except ValueError as exc:
        raise BadSuite(f"{source}: `collection`: {exc}") from exc


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise BadSuite(f"{where} must be a list of non-empty strings")
    return tuple(value)


def _alternatives(value: Any, where: str) -> tuple[tuple[str, ...], ...]:
    """A list whose items are a string or a list of alternative strings."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise BadSuite(f"{where} must be a list (items: a string or a list of alternatives)")
    out: list[tuple[str, ...]] = []
    for i, alts in enumerate(value, start=1):
        group = _strings(alts, f"{where} item {i}")
        if not group:
            raise BadSuite(f"{where} item {i} has no alternative")
        out.append(group)
    return tuple(out)


def _keys(keys: Sequence[str] | frozenset[str]) -> str:
    return ", ".join(sorted(keys))
