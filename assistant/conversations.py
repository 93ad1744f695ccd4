"""Saved conversations: every question, answer (with its citations and their verdicts) and the
question actually searched, in one SQLite file in the data folder (stdlib `sqlite3`).

The schema is versioned with SQLite's `user_version`: each entry of `MIGRATIONS` brings a file
from one version to the next, inside a transaction, so an older file is upgraded in place and a
newer one is refused rather than misread. Each turn also records the version hash of every report
it cites, so a conversation reopened after a report changed or was removed says so instead of
showing a stale quote as verified.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import AssistantError, UnknownConversation
from .types import Answer

MIGRATIONS = [
    """
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        owner TEXT NOT NULL DEFAULT '',
        created REAL NOT NULL,
        updated REAL NOT NULL,
        settings TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE turns (
        conversation TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        reports TEXT NOT NULL DEFAULT '{}',
        created REAL NOT NULL,
        PRIMARY KEY (conversation, n)
    );
    CREATE INDEX conversations_by_owner ON conversations(owner, updated);
    """,
]
"""Schema steps: MIGRATIONS[i] takes a file from user_version i to i + 1. Append, never edit."""


@dataclass(frozen=True)
class ConversationInfo:
    """One line of the conversation list."""

    id: str
    title: str
    created: float
    updated: float
    turns: int


@dataclass(frozen=True)
class SavedTurn:
    """A turn as saved, with what changed since: `stale` maps a cited report id to "changed" or
    "removed" when the report is no longer the version the answer quoted."""

    question: str
    answer: Answer
    stale: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SavedConversation:
    info: ConversationInfo
    settings: Mapping[str, Any]
    turns: tuple[SavedTurn, ...]


class ConversationStore:
    """The conversation file. One connection per call: cheap, and safe from any thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30)
        try:
            con.execute("PRAGMA foreign_keys = ON")
            if not self._ready:
                _migrate(con, self.path)
                self._ready = True
            with con:  # one transaction
                yield con
        except sqlite3.DatabaseError as exc:
            raise AssistantError(f"conversation file {self.path}: {exc}") from exc
        finally:
            con.close()

    def create(self, title: str, owner: str = "", settings: Mapping[str, Any] | None = None) -> str:
        cid = uuid.uuid4().hex[:12]
        now = time.time()
        with self._db() as db:
            db.execute(
                "INSERT INTO conversations (id, title, owner, created, updated, settings) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (cid, _title(title), owner, now, now, json.dumps(dict(settings or {}))),
            )
        return cid

    def add_turn(self, cid: str, answer: Answer, versions: Mapping[str, str]) -> None:
        """Append a turn; `versions` are the cited reports' current versions (report id -> hash)."""
        now = time.time()
        with self._db() as db:
            n = db.execute("SELECT COUNT(*) FROM turns WHERE conversation = ?", (cid,)).fetchone()
            if db.execute("SELECT 1 FROM conversations WHERE id = ?", (cid,)).fetchone() is None:
                raise UnknownConversation(f"no conversation with id '{cid}'")
            db.execute(
                "INSERT INTO turns (conversation, n, question, answer, reports, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    cid,
                    n[0],
                    answer.question,
                    json.dumps(answer.to_json()),
                    json.dumps(versions),
                    now,
                ),
            )
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, cid))

    def list(self, owner: str = "", search: str | None = None) -> list[ConversationInfo]:
        """Newest first; `search` matches titles, questions and answers (case-insensitive)."""
        sql = (
            "SELECT c.id, c.title, c.created, c.updated, "
            "(SELECT COUNT(*) FROM turns t WHERE t.conversation = c.id) "
            "FROM conversations c WHERE c.owner = ?"
        )
        args: list[Any] = [owner]
        if search:
            like = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            sql += (
                " AND (c.title LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM turns t WHERE "
                "t.conversation = c.id AND (t.question LIKE ? ESCAPE '\\' "
                "OR t.answer LIKE ? ESCAPE '\\')))"
            )
            args += [like, like, like]
        with self._db() as db:
            rows = db.execute(sql + " ORDER BY c.updated DESC", args).fetchall()
        return [ConversationInfo(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def get(self, cid: str, current: Mapping[str, str], owner: str = "") -> SavedConversation:
        """A conversation with its turns; `current` (report id -> version now) marks stale ones."""
        with self._db() as db:
            row = db.execute(
                "SELECT id, title, created, updated, settings FROM conversations "
                "WHERE id = ? AND owner = ?",
                (cid, owner),
            ).fetchone()
            if row is None:
                raise UnknownConversation(
                    f"no conversation with id '{cid}' (see `assistant history`)"
                )
            turns = db.execute(
                "SELECT answer, reports FROM turns WHERE conversation = ? ORDER BY n", (cid,)
            ).fetchall()
        saved = []
        for answer_json, reports_json in turns:
            answer = Answer.from_json(json.loads(answer_json))
            then: dict[str, str] = json.loads(reports_json)
            stale = {
                rid: "removed" if rid not in current else "changed"
                for rid, version in then.items()
                if current.get(rid) != version
            }
            saved.append(SavedTurn(answer.question, answer, stale))
        info = ConversationInfo(row[0], row[1], row[2], row[3], len(saved))
        return SavedConversation(info, json.loads(row[4]), tuple(saved))

    def rename(self, cid: str, title: str, owner: str = "") -> None:
        with self._db() as db:
            done = db.execute(
                "UPDATE conversations SET title = ? WHERE id = ? AND owner = ?",
                (_title(title), cid, owner),
            )
        if done.rowcount == 0:
            raise UnknownConversation(f"no conversation with id '{cid}'")

    def delete(self, cid: str, owner: str = "") -> None:
        with self._db() as db:
            done = db.execute("DELETE FROM conversations WHERE id = ? AND owner = ?", (cid, owner))
        if done.rowcount == 0:
            raise UnknownConversation(f"no conversation with id '{cid}'")


def iso_time(ts: float) -> str:
    """A saved timestamp (epoch seconds) as UTC ISO 8601, as exports and `history --json` show it."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def _title(text: str) -> str:
    title = " ".join(text.split())
    return title[:80] + ("…" if len(title) > 80 else "") or "(untitled)"


def _migrate(con: sqlite3.Connection, path: Path) -> None:
    """Bring the file to the newest schema, step by step; refuse a file from a newer version."""
    version = int(con.execute("PRAGMA user_version").fetchone()[0])
    if version > len(MIGRATIONS):
        raise AssistantError(
            f"conversation file {path} has schema version {version}, newer than this assistant "
            f"knows ({len(MIGRATIONS)}): upgrade the assistant"
        )
    for step in range(version, len(MIGRATIONS)):
        with con:
            con.executescript(
                f"BEGIN; {MIGRATIONS[step]} PRAGMA user_version = {step + 1}; COMMIT;"
            )
