"""An OpenAI-compatible chat server on 127.0.0.1 for tests: real HTTP, scripted replies.

Each request pops the next scripted action (or uses `default`): a reply text (streamed as SSE when the
client asks for a stream), an HTTP status, or a delay longer than the client's timeout. Requests whose
messages contain a routed needle (`route`) pop that route's actions first, so a test can script a
second caller on the same server (the support judge) apart from the answers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Callable
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


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, code: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("retry-after-ms", "10")
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path.endswith("/embeddings"):
                fake.embedded += len(body["input"])
                data = [
                    {"object": "embedding", "index": i, "embedding": embed(t)}
                    for i, t in enumerate(body["input"])
                ]
                self._json(
                    200,
                    {
                        "object": "list",
                        "data": data,
                        "model": body["model"],
                        "usage": {"prompt_tokens": 1, "total_tokens": 1},
                    },
                )
                return
            kind, value = fake.next_action(body)
            if kind == "status":
                self._json(
                    value, {"error": {"message": f"scripted {value}", "type": "server_error"}}
                )
                return
            if kind == "sleep":
                time.sleep(value)
                with contextlib.suppress(OSError):
                    self._json(500, {"error": {"message": "too late"}})
                return
            text = str(value)
            if not body.get("stream"):
                self._json(
                    200,
                    {
                        "id": "x",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body["model"],
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": text},
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    },
                )
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            words = text.split(" ")
            for i, w in enumerate(words):
                delta = w if i == 0 else " " + w
                chunk = {
                    "id": "x",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": body["model"],
                    "choices": [{"index": 0, "delta": {"content": delta}, "finish_reason": None}],
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            end = {
                "id": "x",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            }
            self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
            self.wfile.flush()

    return Handler


def start(fake: FakeOpenAI) -> tuple[ThreadingHTTPServer, threading.Thread]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread
