"""An ingest that runs in a thread while its caller goes on serving (the UI's first start), with
its progress readable at any moment, from any thread.

Reports are committed batch by batch as usual, so questions asked meanwhile are answered from the
reports stored so far. `cancel` stops the run at the next file (what is committed stays, and the
next ingest of the same folder goes on from there). A `pending` file, when given, exists from the
start of a run until it ends without error, so a later process can tell a run was cut short (the
process stopped, or killed) and run it again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import AssistantError
from .indexer import Progress
from .types import IngestSummary

log = logging.getLogger(__name__)


class IngestCancelled(AssistantError):
    """Raised inside a cancelled background ingest, at its next file."""


@dataclass(frozen=True)
class IngestProgress:
    """Where a background ingest is: `done` of `total` files read (`current` is being read),
    and once it ended, its summary or the one-line reason it stopped."""

    running: bool = True
    done: int = 0
    total: int = 0
    current: str = ""
    summary: IngestSummary | None = None
    error: str | None = None

    def line(self) -> str:
        """One line for a status bar: "ingesting 3 of 120 reports…", then what the run did."""
        if self.running:
            if not self.total:
                return "looking for reports to ingest…"
            return f"ingesting {min(self.done + 1, self.total)} of {self.total} reports…"
        if self.error is not None:
            return f"ingest stopped: {self.error}"
        return f"ingested: {self.summary.line()}" if self.summary else "ingested"


class BackgroundIngest:
    """Runs `run(progress)` once in a daemon thread; `progress()` says where it is."""

    def __init__(
        self,
        run: Callable[[Progress], IngestSummary],
        on_done: Callable[[IngestProgress], None] | None = None,
        pending: Path | None = None,
    ) -> None:
        self._run = run
        self._on_done = on_done
        self._pending = pending
        self._state = IngestProgress()
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._work, name="background-ingest", daemon=True)

    def start(self) -> BackgroundIngest:
        if self._pending is not None:
            self._pending.parent.mkdir(parents=True, exist_ok=True)
            self._pending.touch()
        self._thread.start()
        return self

    def progress(self) -> IngestProgress:
        with self._lock:
            return self._state

    @property
    def running(self) -> bool:
        return self.progress().running

    def wait(self, timeout: float | None = None) -> IngestProgress:
        """Wait for the run to end (at most `timeout` seconds); its progress then."""
        self._thread.join(timeout)
        return self.progress()

    def cancel(self, timeout: float | None = None) -> IngestProgress:
        """Stop at the next file (reports committed so far stay); wait up to `timeout` s."""
        self._cancelled.set()
        return self.wait(timeout)

    def _step(self, done: int, total: int, current: str) -> None:
        if self._cancelled.is_set():
            raise IngestCancelled("cancelled (the reports stored so far stay)")
        with self._lock:
            self._state = replace(self._state, done=done, total=total, current=current)

    def _work(self) -> None:
        try:
            summary = self._run(self._step)
            ended = replace(self.progress(), running=False, summary=summary)
        except AssistantError as exc:
            ended = replace(self.progress(), running=False, error=str(exc))
        except Exception as exc:  # a bug must not pass silently in a thread nobody joins
            log.exception("the background ingest failed")
            ended = replace(self.progress(), running=False, error=f"{type(exc).__name__}: {exc}")
        with self._lock:
            self._state = ended
        if self._pending is not None and ended.error is None:
            with contextlib.suppress(OSError):  # then the next start runs it again: no harm
                self._pending.unlink(missing_ok=True)
        if self._on_done is not None:
            self._on_done(ended)


__all__ = ["BackgroundIngest", "IngestCancelled", "IngestProgress"]
