"""Comparing an eval run with an earlier one (`assistant eval --baseline RUN.json`).

Works on the runs' JSON, so any earlier result file can be the baseline, whatever code wrote it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError

from .suites import METRICS


def load_baseline(path: Path) -> dict[str, Any]:
    """An earlier run's result.json (or the folder holding it)."""
    file = path / "result.json" if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"--baseline {path}: not a readable eval result ({exc})") from exc
    except RecursionError as exc:
        raise ConfigError(f"--baseline {path}: not an eval result (nested too deeply)") from exc
    if not isinstance(data, dict) or not isinstance(data.get("suites"), list):
        raise ConfigError(f"--baseline {path}: not an eval result (no `suites` list)")
    problem = _malformed(data)
    if problem:  # checked now: the comparison runs only after every question was asked
        raise ConfigError(f"--baseline {path}: not an eval result ({problem})")
    data["path"] = str(file)
    return data


def _malformed(data: Mapping[str, Any]) -> str | None:
    """What in a result's JSON `diff_runs` could not read, or None."""
    for key in ("settings", "models", "prompt_hashes"):
        if not isinstance(data.get(key, {}), dict):
            return f"`{key}` is not a mapping"
    for n, suite in enumerate(data["suites"], start=1):
        if not isinstance(suite, dict) or not isinstance(suite.get("name"), str):
            return f"suite {n} has no name"
        metrics = suite.get("metrics", {})
        if not isinstance(metrics, dict):
            return f"suite {n}: `metrics` is not a mapping"
        problem = _not_numbers(metrics)
        if problem:
            return f"suite {n}: metric {problem} is not a number"
        per_tag = suite.get("per_tag", {})
        if not isinstance(per_tag, dict) or not all(isinstance(v, dict) for v in per_tag.values()):
            return f"suite {n}: `per_tag` is not a mapping of metrics"
        for tag, values in per_tag.items():
            problem = _not_numbers(values)
            if problem:
                return f"suite {n}: tag {str(tag)[:40]!r}: metric {problem} is not a number"
        records = suite.get("records", [])
        if not isinstance(records, list) or not all(
            isinstance(r, dict) and isinstance(r.get("id"), str) for r in records
        ):
            return f"suite {n}: `records` is not a list of questions with ids"
    return None


def _not_numbers(metrics: Mapping[str, Any]) -> str | None:
    """The (quoted) name of the first metric whose value is neither None nor a number."""
    for name, value in metrics.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return repr(str(name)[:40])
    return None


def _changed(now: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, list[Any]]:
    keys = sorted(set(now) | set(before))
    return {k: [before.get(k), now.get(k)] for k in keys if now.get(k) != before.get(k)}


def _scope(suite: Mapping[str, Any]) -> tuple[Any, ...]:
    """Which questions a suite result measured: its split and how many of them ran."""
    return suite.get("split"), suite.get("available"), suite.get("counts", {}).get("questions")


def metric_deltas(
    current: Mapping[str, Any], baseline: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """{metric: {baseline, current, delta}} for every metric measured in either (delta None
    unless both measured it)."""
    out = {}
    for name in METRICS:
        now, before = current.get(name), baseline.get(name)
        if now is None and before is None:
            continue
        delta = now - before if now is not None and before is not None else None
        out[name] = {"baseline": before, "current": now, "delta": delta}
    return out


def diff_runs(current: Mapping[str, Any], baseline: Mapping[str, Any]) -> dict[str, Any]:
    """Deltas per metric (overall and per tag) and per question (fixed / broken) between two
    results' JSON.

    Suites are matched by name, tags by name and questions by id; a question is fixed when it
    fails in the baseline and passes now (`baseline_failures` keeps what it failed on then),
    broken the other way round. Changed settings, models, prompts, corpora and question sets
    (split, size) are listed, since they usually explain the deltas.
    """
    base_suites = {s["name"]: s for s in baseline.get("suites", [])}
    suites: dict[str, Any] = {}
    for s in current.get("suites", []):
        b = base_suites.get(s["name"])
        if b is None:
            continue
        base_tags = b.get("per_tag", {})
        was = {r["id"]: r.get("passed", False) for r in b.get("records", [])}
        now_ = {r["id"]: r.get("passed", False) for r in s.get("records", [])}
        fixed = [q for q, ok in now_.items() if ok and q in was and not was[q]]
        suites[s["name"]] = {
            "metrics": metric_deltas(s["metrics"], b.get("metrics", {})),
            "per_tag": {
                tag: metric_deltas(values, base_tags.get(tag, {}))
                for tag, values in s.get("per_tag", {}).items()
            },
            "fixed": fixed,
            "baseline_failures": {
                r["id"]: [str(f) for f in r.get("failures") or []]
                for r in b.get("records", [])
                if r["id"] in fixed and isinstance(r.get("failures"), list)
            },
            "broken": [q for q, ok in now_.items() if not ok and was.get(q, False)],
            "added": [q for q in now_ if q not in was],
            "removed": [q for q in was if q not in now_],
            "corpus_changed": s.get("corpus_hash") != b.get("corpus_hash"),
            "questions_changed": _scope(s) != _scope(b),
        }
    return {
        "path": baseline.get("path"),
        "started": baseline.get("started"),
        "settings": _changed(current.get("settings", {}), baseline.get("settings", {})),
        "models": _changed(current.get("models", {}), baseline.get("models", {})),
        "prompts": _changed(current.get("prompt_hashes", {}), baseline.get("prompt_hashes", {})),
        "suites": suites,
    }
