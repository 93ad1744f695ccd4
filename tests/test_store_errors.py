"""A store that fails says how in one line: unreachable is `StoreUnavailable` (try again later),
anything else keeps its meaning as `StoreError`; neither is a traceback, neither loses data."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from assistant import StoreError, StoreUnavailable
from assistant.chroma_store import ChromaStore


class Collection:
    def __init__(self, failure: Exception) -> None:
        self.metadata = {"embed_model": "m"}
        self.failure = failure

    def get(self, *args: Any, **kwargs: Any) -> Any:
        raise self.failure


class Client:
    def __init__(self, failure: Exception) -> None:
        self.failure = failure

    def get_or_create_collection(self, name: str, **kwargs: Any) -> Collection:
        return Collection(self.failure)


def store(failure: Exception) -> ChromaStore:
    return ChromaStore(lambda: Client(failure), "reports", "m", "Chroma server at http://x")


def test_a_connection_failure_is_store_unavailable() -> None:
    with pytest.raises(StoreUnavailable) as err:
        store(httpx.ConnectError("connection refused")).records()
    assert str(err.value) == "Chroma server at http://x is unavailable: connection refused"


def test_any_other_failure_keeps_its_meaning_in_one_line() -> None:
    with pytest.raises(StoreError) as err:
        store(RuntimeError("Error executing plan: bad where clause\n  at line 3")).records()
    assert not isinstance(err.value, StoreUnavailable)
    assert str(err.value) == (
        "Chroma server at http://x failed: RuntimeError: Error executing plan: bad where clause"
    )
