"""How the Chroma store connects: an embedded folder or a server (with timeouts chromadb's HTTP
client lacks), and which failures mean "unreachable" rather than "broken"."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from .config import Settings


def client_factory(settings: Settings) -> tuple[Callable[[], Any], str]:
    import chromadb
    import httpx
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        headers = (
            {"Authorization": f"Bearer {settings.chroma_token}"} if settings.chroma_token else None
        )

        def build() -> Any:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                headers=headers,
                settings=chroma_settings,
            )

        def http() -> Any:
            # chromadb's HTTP client has no timeout (httpx with timeout=None) and asks the server
            # who we are while it is built: a server that accepts and never answers would hang us.
            # So it is built on a watchdog thread, and its session then gets our timeouts.
            client = _within(
                build, settings.chroma_timeout, f"{settings.chroma_url} did not answer"
            )
            session = getattr(getattr(client, "_server", None), "_session", None)
            if session is not None:
                session.timeout = httpx.Timeout(
                    settings.chroma_timeout, connect=min(10.0, settings.chroma_timeout)
                )
            return client

        return http, f"Chroma server at {settings.chroma_url}"
    path = settings.data_dir / "chroma"
    opened = itertools.count()

    def local() -> Any:
        path.mkdir(parents=True, exist_ok=True)
        # Chroma shares one in-memory system per path string within a process, and a reopen
        # (after another process changed the store) needs a fresh one while queries in flight
        # finish on the old: each connection names the same folder by a path of its own.
        alias = str(path) + "/." * next(opened)
        return chromadb.PersistentClient(path=alias, settings=chroma_settings)

    return local, f"Chroma store at {path}"


def _within(call: Callable[[], Any], seconds: float, what: str) -> Any:
    """`call()` on a daemon thread, or `TimeoutError` after `seconds` (the thread is left to
    finish or die with the process: chromadb offers no way to cancel its request)."""
    done = threading.Event()
    box: list[Any] = []

    def run() -> None:
        try:
            box.append((True, call()))
        except BaseException as exc:  # handed to the caller's thread
            box.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=run, name="chroma-connect", daemon=True).start()
    if not done.wait(seconds):
        raise TimeoutError(f"{what} within {seconds:g} s")
    ok, value = box[0]
    if not ok:
        raise value
    return value


def is_not_found(exc: Exception) -> bool:
    """A collection this client holds was deleted (and perhaps recreated) by another one."""
    return exc.__class__.__name__ in ("NotFoundError", "InvalidCollectionException") or (
        "does not exist" in str(exc)
    )


def is_connection_failure(exc: Exception) -> bool:
    """The server cannot be reached (or the folder opened): worth a retry after reconnecting."""
    import httpx

    if isinstance(exc, httpx.TransportError | ConnectionError | TimeoutError | OSError):
        return True
    return isinstance(exc, ValueError) and "could not connect" in str(exc).lower()
