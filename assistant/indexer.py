"""Files -> reports -> passages -> embeddings -> store, in batches with bounded memory.

A reader thread parses and chunks files ahead of the embedder (the C embedding engine releases the GIL,
so parsing overlaps with embedding); passages of several reports are embedded in full batches; each
batch is upserted, then its reports are committed in the registry. Reports committed before an
interruption are unchanged on the next run and skipped: ingest resumes where it stopped.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from .config import Settings
from .embeddings import Embedder
from .errors import ConfigError, UnreadableReport
from .ingestion import read_report, split_passages, survey
from .local_cache import origins_of
from .store import (
    INGEST_VERSION,
    CommitOutcome,
    ReportRecord,
    Staged,
    VectorStore,
    new_version,
    vector_key,
)
from .types import IngestSummary, Passage, Report

Progress = Callable[[int, int, str], None]
READ_AHEAD = 32  # reports parsed ahead of the embedder: bounds memory on huge corpora


@dataclass
class _Prepared:
    """One file after reading: a report to store, an unchanged id, or a failure."""

    report_id: str
    report: Report | None = None
    version: str = ""
    passages: Sequence[Passage] = ()
    origin: str = ""
    failure: str | None = None
    unchanged: bool = False


def embed_text(report: Report, passage: Passage) -> str:
    """What the embedder sees: title and section give a passage its context."""
    return embed_text_for(report.title, passage)


def embed_text_for(title: str, passage: Passage) -> str:
    head = f"{title} — {passage.section}" if passage.section else title
    return f"{head}\n{passage.text}"


class Indexer:
    """Runs one ingest over a store; `Assistant.ingest` is a thin call to `run`."""

    def __init__(self, store: VectorStore, embedder: Embedder | None, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.batch_passages = max(settings.embed_batch * 4, 1)

    def run(
        self,
        paths: Sequence[Path],
        *,
        prune: bool = False,
        rebuild: bool = False,
        keep_existing: bool = False,
        progress: Progress | None = None,
    ) -> IngestSummary:
        """Ingest `paths`; with `prune`, forget reports whose files are gone from the folders given
        (only there: a file argument is refused, and nothing under an unlistable folder goes);
        with `keep_existing`, a file whose id a different stored report holds gets a new id
        ("name-2.txt") instead of replacing it (uploads: same name, another document)."""
        # (a rebuild starts from nothing: the old collection may not even open with this model)
        records = {} if rebuild else self.store.records()
        known = origins_of(records)
        found = survey(paths, self.settings.corpus_dir, known)
        if prune and found.file_args:
            raise ConfigError(
                f"--prune forgets reports only inside the folders given, and {found.file_args[0]} "
                "is a file: nothing was changed (give its folder, or ingest the file without --prune)"
            )
        summary = IngestSummary(failed=list(found.failed))
        if rebuild and found.failed:  # a mistyped path must not cost every stored report
            name, reason = found.failed[0]
            raise ConfigError(
                f"--rebuild drops every report first, and {name}: {reason}: nothing was changed"
            )
        if rebuild:
            self.store.drop()
        files: dict[str, Path] = {}
        for path, report_id in found.files:
            files.setdefault(report_id, path)
        records = self.store.records() if rebuild else records
        batch: list[_Prepared] = []
        taken = set(records) | set(files) if keep_existing else None
        for done, item in enumerate(self._prepare(files, records, taken)):
            if progress:
                progress(done, len(files), item.report_id)
            if item.failure is not None:
                summary.failed.append((item.report_id, item.failure))
            elif item.unchanged:
                summary.unchanged.append(item.report_id)
            else:
                batch.append(item)
                if sum(len(b.passages) for b in batch) >= self.batch_passages:
                    self._flush(batch, records, summary)
                    batch = []
        self._flush(batch, records, summary)
        if progress:
            progress(len(files), len(files), "")
        if prune:
            origins = {rid: rec.origin for rid, rec in records.items()}
            summary.removed += self.store.remove_reports(found.gone(origins))
            self.store.sweep()
        return summary

    def reindex(self, reports: Sequence[Report]) -> CommitOutcome:
        """New versions of stored reports cut from their stored text (`check --repair`)."""
        records = self.store.records()
        summary = IngestSummary()
        batch: list[_Prepared] = []
        for report in reports:
            version = new_version(report.hash)
            passages = split_passages(report, self.settings.chunk_chars, version)
            rec = records.get(report.id)
            origin = rec.origin if rec is not None else ""
            batch.append(_Prepared(report.id, report, version, passages, origin))
            if sum(len(b.passages) for b in batch) >= self.batch_passages:
                self._flush(batch, records, summary)
                batch = []
        self._flush(batch, records, summary)
        return CommitOutcome(summary.added + summary.updated, summary.superseded)

    def live_vector_keys(self) -> set[str]:
        """The cache keys of every committed passage (what `check --repair` keeps cached)."""
        if self.embedder is None:
            return set()
        records = self.store.records()
        model = self.embedder.model_name
        return {
            vector_key(model, embed_text_for(records[p.report_id].title, p))
            for p, version in self.store.passages_of(list(records))
            if records[p.report_id].version == version
        }

    def _prepare(
        self, files: dict[str, Path], records: Mapping[str, ReportRecord], taken: set[str] | None
    ) -> Iterator[_Prepared]:
        """Read and chunk files in a background thread, a bounded number ahead. A reader that
        fails in a way it did not foresee (a plugin's bug, memory) fails that file, by name; an
        error of the thread itself is raised here, never taken for the end of the list."""
        out: queue.Queue[_Prepared | BaseException | None] = queue.Queue(maxsize=READ_AHEAD)
        max_bytes = int(self.settings.max_file_mb * 1024 * 1024)
        stop = threading.Event()

        def work() -> None:
            try:
                for report_id, path in files.items():
                    if stop.is_set():
                        return
                    try:
                        item = self._read(path, report_id, records.get(report_id), max_bytes, taken)
                    except Exception as exc:
                        reason = str(exc).splitlines()[0][:200] if str(exc).strip() else ""
                        why = (
                            f"{exc.__class__.__name__}: {reason}"
                            if reason
                            else exc.__class__.__name__
                        )
                        item = _Prepared(str(path), failure=f"the reader failed ({why})")
                    out.put(item)
            except BaseException as exc:
                out.put(exc)
            finally:
                out.put(None)

        thread = threading.Thread(target=work, name="ingest-reader", daemon=True)
        thread.start()
        try:
            while (item := out.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()

    def _read(
        self,
        path: Path,
        report_id: str,
        old: ReportRecord | None,
        max_bytes: int,
        taken: set[str] | None = None,
    ) -> _Prepared:
        try:
            report = read_report(path, report_id, max_bytes)
        except UnreadableReport as exc:
            return _Prepared(exc.name, failure=exc.reason)
        if old is not None and old.hash == report.hash and old.ingest_version >= INGEST_VERSION:
            return _Prepared(report_id, unchanged=True)
        origin = str(path.resolve())
        if old is not None and taken is not None and old.hash != report.hash:  # another document
            report = dataclasses.replace(report, id=_free_id(report_id, taken))
            taken.add(report.id)
            report_id = report.id
        elif old is not None and old.origin not in ("", origin) and _exists(old.origin):
            return _Prepared(str(path), failure=_taken(report_id, old.origin))
        version = new_version(report.hash)
        passages = split_passages(report, self.settings.chunk_chars, version)
        return _Prepared(report_id, report, version, passages, origin)

    def _flush(
        self, batch: list[_Prepared], records: Mapping[str, ReportRecord], summary: IngestSummary
    ) -> None:
        """Embed and write a batch, then commit its reports' versions (the store deletes the
        versions they replace; a version another writer beat to it is reported, not kept)."""
        if not batch:
            return
        items = [(b.report, p) for b in batch if b.report for p in b.passages]
        vectors, embedded = self._vectors([embed_text(r, p) for r, p in items])
        self.store.upsert_passages(items, vectors)
        staged = [
            Staged(
                b.report, len(b.passages), b.version, _version(records.get(b.report_id)), b.origin
            )
            for b in batch
            if b.report
        ]
        outcome = self.store.commit_reports(staged)
        for rid in outcome.committed:
            (summary.updated if rid in records else summary.added).append(rid)
        summary.superseded += outcome.superseded
        summary.passages_embedded += embedded

    def _vectors(self, texts: list[str]) -> tuple[np.ndarray, int]:
        """A vector per text, embedding only texts the store's cache has not seen with this
        model (an edited paragraph re-embeds its passages, not the whole report); returns the
        vectors and how many were embedded."""
        if self.embedder is None or not texts:  # lexical-only: placeholder vectors, none embedded
            return self._embed(texts), 0
        keys = [vector_key(self.embedder.model_name, t) for t in texts]
        cached = self.store.cached_vectors(keys)
        todo = list(dict.fromkeys(k for k in keys if k not in cached))
        if todo:
            first = {k: i for i, k in reversed(list(enumerate(keys)))}
            fresh = self._embed([texts[first[k]] for k in todo])
            self.store.cache_vectors(todo, fresh)
            cached.update(zip(todo, fresh, strict=True))
        return np.stack([cached[k] for k in keys]).astype(np.float32), len(todo)

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self.embedder is None:  # lexical-only store: Chroma still wants a vector per record
            return np.zeros((len(texts), 1), dtype=np.float32)
        step = self.settings.embed_batch
        parts = [
            self.embedder.embed_passages(texts[i : i + step]) for i in range(0, len(texts), step)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float32)


def _exists(path: str) -> bool:
    try:
        return Path(path).is_file()
    except OSError:
        return False


def _taken(report_id: str, origin: str) -> str:
    return (
        f"its report id '{report_id}' belongs to {origin}, a different file that still exists: "
        "ingest both from a common parent folder (ids are paths below the folder given), or "
        f"remove '{report_id}' first"
    )


def _free_id(report_id: str, taken: set[str]) -> str:
    """ "a/name.txt" -> "a/name-2.txt" (or -3, ...): the first id no report holds."""
    path = PurePosixPath(report_id)
    n = 2
    while (candidate := str(path.with_name(f"{path.stem}-{n}{path.suffix}"))) in taken:
        n += 1
    return candidate


def _version(record: ReportRecord | None) -> str | None:
    return record.version if record is not None else None
