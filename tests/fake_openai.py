"""An OpenAI-compatible chat server on 127.0.0.1 for tests: real HTTP, scripted replies.

Each request pops the next scripted action (or uses `default`). Actions, as (kind, value):

- ("text", str): a reply, streamed as SSE (word by word) when the client asks for a stream;
- ("length", str): the same, ending with finish_reason "length" (the token limit);
- ("cut", str): a stream that stops after the text, with no finish reason and no [DONE], the
  connection closed cleanly (close-delimited HTTP/1.0 body);
- ("drop", str): a chunked HTTP/1.1 stream whose connection drops in the middle of a chunk;
- ("json", dict): this JSON body with status 200 (a malformed completion, unrelated JSON);
- ("events", list): these SSE `data:` payloads (dicts as JSON, strings as they are), nothing else;
- ("raw", (status, content_type, body)): exactly this response (an HTML page...);
- ("status", int): an OpenAI-style error with this HTTP status;
- ("sleep", seconds): an answer only after this delay (longer than the client's timeout).

Requests whose messages contain a routed needle (`route`) pop that route's actions first, so a
test can script a second caller on the same server (the support judge) apart from the answers.
`/embeddings` requests pop `embed_script` (status, raw, json, sleep) or get real vectors.
`silent_server` is a loopback port that accepts connections (or not) and never answers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Action = tuple[str, Any]


@dataclass
class FakeOpenAI:
    script: list[Action] = field(default_factory=list)
    default: Callable[[dict[str, Any]], Action] = lambda body: (
        "text",
        "The reports do not contain an answer to this question.",
    )
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    embedded: int = 0
    embed_requests: int = 0
    embed_script: list[Action] = field(default_factory=list)
    routes: dict[str, list[Action]] = field(default_factory=dict)

    def route(self, needle: str, *actions: Action) -> None:
        """Answer requests whose messages contain `needle` with these actions, in order."""
        self.routes.setdefault(needle, []).extend(actions)

    def routed(self, needle: str) -> list[dict[str, Any]]:
        """The requests whose messages contained `needle`."""
        return [b for b in self.requests if needle in _content(b)]

    def next_action(self, body: dict[str, Any]) -> Action:
        self.requests.append(body)
        for needle, actions in self.routes.items():
            if actions and needle in _content(body):
                return actions.pop(0)
        return self.script.pop(0) if self.script else self.default(body)


def _content(body: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content", "")) for m in body.get("messages", []))


def embed(text: str, dim: int = 64) -> list[float]:
    """A deterministic bag-of-words vector: texts sharing words are close, like a real embedder."""
    vec = [0.0] * dim
    for word in text.lower().split():
        vec[int(hashlib.md5(word.strip(".,?!").encode()).hexdigest(), 16) % dim] += 1.0
    return vec


def completion(content: str | None, finish_reason: str | None = "stop") -> dict[str, Any]:
    """A non-streamed chat completion, as an OpenAI server sends it."""
    return {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def chunk(content: str | None, finish_reason: str | None = None) -> dict[str, Any]:
    """One chunk of a streamed chat completion (content None: an empty delta)."""
    delta = {} if content is None else {"content": content}
    return {
        "id": "x",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "test-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def _words(text: str) -> list[str]:
    return [w if i == 0 else " " + w for i, w in enumerate(text.split(" "))]


def _sse(payload: dict[str, Any] | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return f"data: {data}\n\n".encode()


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, content_type: str, data: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("retry-after-ms", "10")
            self.end_headers()
            self.wfile.write(data)

        def _json(self, code: int, payload: dict[str, Any]) -> None:
            self._send(code, "application/json", json.dumps(payload).encode())

        def _events(self, events: list[dict[str, Any] | str]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for event in events:
                self.wfile.write(_sse(event))
                self.wfile.flush()

        def _dropped(self, text: str) -> None:
            """A chunked stream that breaks off inside a chunk, as when a proxy dies."""
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            for word in _words(text):
                data = _sse(chunk(word))
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"400\r\ndata: {")  # promises 1024 bytes, sends 7
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)

        def _embeddings(self, body: dict[str, Any]) -> None:
            fake.embed_requests += 1
            if fake.embed_script:
                self._act(*fake.embed_script.pop(0), body)
                return
            fake.embedded += len(body["input"])
            data = [
                {"object": "embedding", "index": i, "embedding": embed(t)}
                for i, t in enumerate(body["input"])
            ]
            payload = {
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            }
            self._json(200, payload)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path.endswith("/embeddings"):
                self._embeddings(body)
                return
            self._act(*fake.next_action(body), body)

        def _act(self, kind: str, value: Any, body: dict[str, Any]) -> None:
            stream = bool(body.get("stream"))
            if kind == "status":
                error = {"error": {"message": f"scripted {value}", "type": "server_error"}}
                self._json(value, error)
            elif kind == "sleep":
                time.sleep(value)
                with contextlib.suppress(OSError):
                    self._json(500, {"error": {"message": "too late"}})
            elif kind == "raw":
                status, content_type, text = value
                self._send(status, content_type, str(text).encode())
            elif kind == "json":
                self._json(200, value)
            elif kind == "events":
                self._events(value)
            elif kind == "drop":
                self._dropped(str(value))
            elif kind in ("text", "length", "cut"):
                finish = {"text": "stop", "length": "length", "cut": None}[kind]
                if not stream:
                    self._json(200, completion(str(value), finish))
                    return
                events: list[dict[str, Any] | str] = [chunk(w) for w in _words(str(value))]
                if finish is not None:
                    events += [chunk(None, finish), "[DONE]"]
                self._events(events)
            else:
                raise ValueError(f"unknown action {kind!r}")

    return Handler


def start(fake: FakeOpenAI) -> tuple[ThreadingHTTPServer, threading.Thread]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    # A short poll: `shutdown` waits for it, after every test that uses the server.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return server, thread


@dataclass
class Silent:
    """A loopback port that never answers; `accepted` counts the connections it took."""

    url: str
    accepted: int = 0


@contextlib.contextmanager
def silent_server(accept: bool = True) -> Iterator[Silent]:
    """A server that accepts connections and never answers (a read timeout), or with
    `accept=False` one whose accept queue is full, so a new connection is never made (a connect
    timeout: Linux queues one connection for a backlog of 0, and this fills it)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    silent = Silent(f"http://127.0.0.1:{port}/v1")
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                conn, _ = listener.accept()
                held.append(conn)
                silent.accepted += 1

    thread = threading.Thread(target=hold, daemon=True)
    if accept:
        thread.start()
    else:
        held.append(socket.create_connection(("127.0.0.1", port)))  # fills the queue
    try:
        yield silent
    finally:
        stop.set()
        if accept:
            thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()
