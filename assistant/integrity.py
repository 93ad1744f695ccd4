"""`assistant check [--repair]`: is every committed report complete, and is anything left over?

A report is complete when the store holds exactly the passages its committed version counts. Repair
rebuilds an incomplete report from the text the registry keeps (no source file needed: the stored
text is what every citation indexes), drops one whose text is gone too, and sweeps passages no
committed version owns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .errors import StoreError, UnknownReport
from .store import CommitOutcome, VectorStore
from .types import Report

Reindex = Callable[[Sequence[Report]], CommitOutcome]
"""Re-split, embed and commit reports as new versions (the indexer's `reindex`)."""


@dataclass
class CheckReport:
    """What `check` found and, with repair, what it did."""

    reports: int = 0
    passages: int = 0
    missing: list[tuple[str, str]] = field(default_factory=list)
    """Reports whose committed version lacks passages: (report id, what is wrong)."""
    orphaned: int = 0
    """Passages no committed version owns (invisible to answers; swept on repair)."""
    repaired: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    swept: int = 0
    uncached: int = 0
    """Cached vectors no stored passage uses any more, dropped on repair."""

    @property
    def ok(self) -> bool:
        """Nothing is missing now (orphans are harmless: retrieval never returns them)."""
        return len(self.missing) == len(self.repaired) + len(self.dropped)

    def lines(self) -> list[str]:
        out = [f"{self.reports} reports, {self.passages} passages stored"]
        out += [f"incomplete: {rid}: {why}" for rid, why in self.missing]
        if self.orphaned:
            out.append(f"{self.orphaned} passages belong to no committed report version")
        out += [f"repaired: {rid} (rebuilt from its stored text)" for rid in self.repaired]
        out += [f"dropped: {rid} (its stored text is gone too)" for rid in self.dropped]
        if self.swept:
            out.append(f"swept {self.swept} leftover passages")
        if self.uncached:
            out.append(f"dropped {self.uncached} cached vectors no passage uses any more")
        if not self.missing and not self.orphaned:
            out.append("every report is complete")
        elif not self.repaired and not self.dropped and not self.swept:
            out.append("run `assistant check --repair` to fix this")
        return out


def check(
    store: VectorStore,
    reindex: Reindex | None = None,
    live_keys: Callable[[], set[str]] | None = None,
) -> CheckReport:
    """Compare the registry with one scan of the passages; with `reindex`, repair as well."""
    records = store.records()
    census = store.census()
    result = CheckReport(reports=len(records), passages=sum(census.counts.values()))
    for rid, rec in sorted(records.items()):
        have = census.counts.get((rid, rec.version), 0)
        if have != rec.passages:
            result.missing.append(
                (rid, f"its version counts {rec.passages} passages, {have} exist")
            )
    owned = {(rid, rec.version) for rid, rec in records.items()}
    result.orphaned = sum(n for key, n in census.counts.items() if key not in owned)
    if reindex is None:
        return result
    texts: list[Report] = []
    for rid, _ in result.missing:
        try:
            report = store.report(rid)
        except (UnknownReport, StoreError):
            report = None
        if report is not None and report.text.strip():
            texts.append(report)
        else:
            result.dropped += store.remove_reports([rid])
    if texts:
        outcome = reindex(texts)
        result.repaired += outcome.committed
    result.swept = store.sweep()
    if live_keys is not None:
        result.uncached = store.forget_vectors(live_keys())
    return result
