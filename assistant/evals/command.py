"""`assistant eval`: resolve suite files and benchmark names, run them, print and write the results.

Everything that can be wrong with the input (a bad suite, a missing split, a bad baseline) is
raised before the first question is asked, for the CLI to print as one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from assistant.config import Settings
from assistant.errors import ConfigError

from .baseline import diff_runs, load_baseline
from .benchmarks import BENCHMARKS, DEFAULT_DATA_DIR, DEFAULT_SPLIT, benchmark_suite
from .judge import GroundednessJudge
from .report import print_run, write_run
from .runner import TargetFactory, open_target, run_suites
from .suites import Suite, load_suite


def resolve_suites(
    names: Sequence[str],
    work_dir: Path,
    *,
    limit: int | None = None,
    split: str = DEFAULT_SPLIT,
    data_dir: Path | None = None,
) -> tuple[list[Suite], list[str]]:
    """Suite files and benchmark names -> suites (all checked before anything runs) + skip notes.

    `limit` caps every suite (None: all questions); `split` picks a benchmark's questions file
    (suite files are used as they are).
    """
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {limit}")
    suites: list[Suite] = []
    skipped: list[str] = []
    for name in names:
        if name in BENCHMARKS and not Path(name).exists():
            suite, note = benchmark_suite(
                name, data_dir or DEFAULT_DATA_DIR, work_dir, limit=limit, split=split
            )
            if suite is None:
                skipped.append(note)
                continue
            suites.append(suite)
        else:
            suites.append(load_suite(name).limited(limit))
    return suites, skipped


def eval_main(
    suites: Sequence[str],
    settings: Settings,
    *,
    out: Path | None = None,
    baseline: Path | None = None,
    backend: str | None = None,
    limit: int | None = None,
    split: str = DEFAULT_SPLIT,
    data_dir: Path | None = None,
    target_for: TargetFactory = open_target,
) -> int:
    """Run, print tables, write JSON + HTML; 0 when every threshold holds, else 1.

    Bad suites, missing splits or a bad baseline raise (BadSuite, ConfigError) before anything
    runs; benchmarks whose data is absent are skipped with a message. `target_for` opens the
    assistant of each suite (tests pass fakes).
    """
    console, err = Console(), Console(stderr=True)
    base = load_baseline(baseline) if baseline else None
    resolved, skipped = resolve_suites(
        suites, settings.data_dir / "bench", limit=limit, split=split, data_dir=data_dir
    )
    for note in skipped:
        err.print(f"[yellow]skipped:[/] {note}")
    if not resolved:
        err.print("nothing to run")
        return 0
    judge = GroundednessJudge.from_settings(settings)
    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
    )  # fmt: skip
    with Progress(*columns, console=err, transient=True) as progress:
        run = run_suites(
            resolved, settings, backend=backend, judge=judge, progress=progress, log=err.print,
            target_for=target_for,
        )  # fmt: skip
    run.skipped = skipped
    if base is not None:
        run.baseline = diff_runs(run.to_json(), base)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    json_path, html_path = write_run(run, out or settings.data_dir / "evals" / stamp)
    print_run(run, console)
    console.print(f"wrote {json_path} and {html_path}")
    return 0 if run.passed else 1
