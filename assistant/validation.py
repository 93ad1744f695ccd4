"""Arguments of the public API checked where they come in, with messages that name them.

A wrong type would otherwise fail deep inside (`None.split()`), or be quietly read as something
else: a string iterated as a list of one-letter report ids, `top_k=0` taken for the default,
`True` for 1, `2.5` passed on to the index. Python's convention holds: a wrong type is a
`TypeError`, a wrong value of the right type a `ValueError`; a question that cannot be answered
as asked stays a `BadQuestion`, which front ends show as a user's mistake.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .config import Settings
from .errors import BadQuestion
from .types import Turn

MAX_QUESTION_CHARS = 2000
# The largest top_k, the same bound as the `top_k` setting's.
MAX_TOP_K: int = next(m.le for m in Settings.model_fields["top_k"].metadata if hasattr(m, "le"))
# What `stream` takes by keyword, so `ask(**kwargs)` and `chat(**defaults)` name a wrong keyword
# when they are called, not when an answer is asked for.
STREAM_OPTIONS = frozenset(
    {"top_k", "report_ids", "backend", "history", "published_from", "published_to", "on_done"}
)


def _kind(value: object) -> str:
    return type(value).__name__


def _is_unicode(value: str) -> bool:
    """False for a str holding lone surrogates: what Python makes of bytes that are not UTF-8 in
    a command line, a file name or a pipe. They cannot be encoded, so the embedder and the store
    would fail on them deep inside."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def question(value: object, name: str = "question") -> str:
    """The question on one line; empty or overlong ones are a `BadQuestion`."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {_kind(value)}")
    q = " ".join(value.split())
    if not q:
        raise BadQuestion("the question is empty")
    if not _is_unicode(q):
        raise BadQuestion("the question is not valid text (bytes that are not UTF-8?)")
    if len(q) > MAX_QUESTION_CHARS:
        raise BadQuestion(f"the question is longer than {MAX_QUESTION_CHARS} characters")
    return q


def top_k(value: object) -> int | None:
    """None (the setting) or a whole number of passages, 1..MAX_TOP_K."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"top_k must be an int or None, not {_kind(value)}")
    if not 1 <= value <= MAX_TOP_K:
        raise ValueError(f"top_k must be between 1 and {MAX_TOP_K}, not {value}")
    return value


def report_id(value: object, name: str = "report_id") -> str:
    """One report id: a non-empty str (as `reports()` lists them)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str (a report id), not {_kind(value)}")
    if not value:
        raise ValueError(f"{name} is empty")
    if not _is_unicode(value):
        raise ValueError(f"{name} is not valid text (bytes that are not UTF-8?): {value!r}")
    return value


def report_ids(value: object) -> frozenset[str] | None:
    """None (every report) or a non-empty collection of report ids; a lone str is refused, not
    read as its letters."""
    if value is None:
        return None
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(
            f"report_ids must be a list of report ids or None, not {_kind(value)}"
            + (f" (to search one report, pass [{value!r}])" if isinstance(value, str) else "")
        )
    ids = [report_id(r, "each of report_ids") for r in value]
    if not ids:
        raise ValueError("report_ids is empty: pass None to search every report")
    return frozenset(ids)


def published_range(
    start: object, end: object, names: tuple[str, str] = ("published_from", "published_to")
) -> tuple[date | None, date | None]:
    """Date bounds (publication dates, or a timeline's `since`/`until`: `names`): each None or a
    `date` (a `datetime` is refused: it does not compare with dates), the first not after the
    second."""
    for name, value in zip(names, (start, end), strict=True):
        if value is not None and (isinstance(value, datetime) or not isinstance(value, date)):
            hint = " (use .date())" if isinstance(value, datetime) else ""
            raise TypeError(f"{name} must be a datetime.date or None, not {_kind(value)}{hint}")
    assert start is None or isinstance(start, date)
    assert end is None or isinstance(end, date)
    if start is not None and end is not None and start > end:
        raise ValueError(f"{names[0]} ({start}) is after {names[1]} ({end})")
    return start, end


def backend(value: object) -> str | None:
    """None (the setting) or an answerer's name (the registry names the unknown ones)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"backend must be a str or None, not {_kind(value)}")
    if not value:
        raise ValueError("backend is empty: pass None for the configured answerer")
    return value


def history(value: object) -> tuple[Turn, ...]:
    """Earlier turns of a conversation: a sequence of `Turn`."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(f"history must be a sequence of Turn, not {_kind(value)}")
    turns = tuple(value)
    for t in turns:
        if not isinstance(t, Turn):
            raise TypeError(f"history must hold Turn objects, not {_kind(t)}")
    return turns


def flag(name: str, value: object) -> bool:
    """A yes/no option: only True or False (the string "no" is true)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {_kind(value)}")
    return value


def callback(name: str, value: object) -> Callable[..., Any] | None:
    if value is not None and not callable(value):
        raise TypeError(f"{name} must be callable or None, not {_kind(value)}")
    return value


def paths(value: object) -> list[Path] | None:
    """None (the configured corpus folder) or a non-empty list of files and folders; a lone
    path is refused, not read as a list of one-letter paths."""
    if value is None:
        return None
    if isinstance(value, str | bytes | os.PathLike):
        raise TypeError(
            f"paths must be a list of paths, not one {_kind(value)} (wrap it in a list)"
        )
    if not isinstance(value, Iterable):
        raise TypeError(f"paths must be a list of paths or None, not {_kind(value)}")
    out = []
    for p in value:
        if not isinstance(p, str | os.PathLike):
            raise TypeError(f"each of paths must be a str or Path, not {_kind(p)}")
        out.append(Path(p))
    if not out:
        raise ValueError("paths is empty: pass None to ingest the configured corpus folder")
    return out


def stream_options(options: Mapping[str, object], reserved: Iterable[str] = ()) -> None:
    """Keyword options for `stream` (as `ask` and `chat` pass them on): every name known, none
    that the caller sets itself, each value of the right kind."""
    reserved = frozenset(reserved)
    for name in options:
        if name in reserved:
            raise TypeError(f"{name} is set by the conversation and cannot be given")
        if name not in STREAM_OPTIONS:
            known = ", ".join(sorted(STREAM_OPTIONS - reserved))
            raise TypeError(f"unknown option {name!r} (known: {known})")
    top_k(options.get("top_k"))
    report_ids(options.get("report_ids"))
    backend(options.get("backend"))
    history(options.get("history", ()))
    callback("on_done", options.get("on_done"))
    published_range(options.get("published_from"), options.get("published_to"))
