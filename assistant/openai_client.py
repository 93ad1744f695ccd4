"""The one place an openai SDK client is built from settings (answerer, embedder, judge), and
where what its calls can raise becomes one line for the user.

Retries live here: the SDK backs off on timeouts, 429 and 5xx and honours Retry-After; a 401, 403
or another 4xx is final. Connect and read timeouts are separate settings: a server that is down
fails fast, a slow model is waited for. The `http_client` seam lets tests and proxies supply their
own transport.

A server can also answer 200 with something that is not an OpenAI reply (a login or proxy page,
another API's JSON, an empty completion). Callers check what they read (`completion_text`,
`MalformedReply`) and `backend_error` says the server answered badly, never that the reports are
silent.
"""

from __future__ import annotations

from typing import Any

from .config import Settings
from .errors import BackendUnavailable

MALFORMED = (AttributeError, IndexError, KeyError, TypeError, ValueError)
"""What reading a 200 that is not an OpenAI reply raises inside the SDK or llama-index: the SDK
hands back a `str` for an HTML page and a model with missing fields for other JSON, and a stream
line that is not JSON fails to decode. Catch it only around those calls, never around our code."""

_RETRIED = frozenset({408, 409, 429})  # and every 5xx: the SDK's own rule


class MalformedReply(Exception):
    """A 2xx reply that is not what an OpenAI-compatible server sends; the message says what it
    sent ("sent no chat completion chunks"). `foreign`: not an OpenAI reply at all, as when the
    base URL points at a web page or another API."""

    def __init__(self, message: str, *, foreign: bool = True) -> None:
        super().__init__(message)
        self.foreign = foreign


def openai_client(settings: Settings, http_client: Any = None) -> Any:
    """An `openai.OpenAI` for the configured OpenAI-compatible server."""
    import httpx
    import openai  # a second of import time: only when an OpenAI-compatible server is used

    return openai.OpenAI(
        api_key=settings.openai_api_key or "not-needed",
        base_url=settings.openai_base_url,
        timeout=httpx.Timeout(settings.request_timeout, connect=settings.connect_timeout),
        max_retries=settings.max_retries,
        http_client=http_client,
    )


def completion_text(reply: Any) -> tuple[str, str | None]:
    """The text and finish reason of a non-streamed chat completion (null content is "").

    Raises MalformedReply for anything else (an HTML page, other JSON, no choices)."""
    choices = getattr(reply, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise MalformedReply("sent a reply that is not a chat completion")
    message = getattr(choices[0], "message", None)
    content = getattr(message, "content", None)
    if message is None or not isinstance(content, str | None):
        raise MalformedReply("sent a chat completion without a message")
    return content or "", getattr(choices[0], "finish_reason", None)


def server(settings: Settings, service: str = "OpenAI-compatible server") -> str:
    """The server as messages name it: "the OpenAI-compatible server at http://..."."""
    return f"the {service} at {settings.openai_base_url or 'api.openai.com'}"


def describe(
    exc: BaseException, settings: Settings, service: str = "OpenAI-compatible server"
) -> str:
    """One line saying what failed, where, and after how many attempts."""
    import httpx
    import openai

    where = server(settings, service)
    retried = f"({settings.max_retries + 1} attempts); try again later"
    if isinstance(exc, MalformedReply):
        hint = " (is OPENAI_BASE_URL the address of its OpenAI-compatible API?)"
        return f"{where} {exc}{hint if exc.foreign else ''}"
    if isinstance(exc, openai.APITimeoutError):
        if isinstance(exc.__cause__, httpx.ConnectTimeout):
            return (
                f"{where} timed out: no connection within {settings.connect_timeout:g}s {retried}"
            )
        return f"{where} timed out after {settings.request_timeout:g}s {retried}"
    if isinstance(exc, openai.APIStatusError):
        code = exc.status_code
        if code == 401:
            return f"{where} rejected the API key (HTTP 401): check OPENAI_API_KEY"
        if code == 403:
            return f"{where} did not allow the request (HTTP 403): check the key's permissions"
        if code == 404:
            return f"{where} answered HTTP 404: check OPENAI_BASE_URL and the model name"
        if code in _RETRIED or code >= 500:
            return f"{where} answered HTTP {code} {retried}"
        return f"{where} refused the request (HTTP {code}): {_one_line(exc.message)}"
    if isinstance(exc, openai.APIConnectionError):
        return f"{where} could not be reached {retried}"
    if isinstance(exc, openai.APIError):  # an error event inside a stream
        return f"{where} reported an error: {_one_line(exc.message)}"
    if isinstance(exc, httpx.TimeoutException):  # mid-stream: the SDK does not wrap these
        return f"{where} timed out after {settings.request_timeout:g}s in the middle of its reply"
    if isinstance(exc, httpx.HTTPError):
        return f"{where} dropped the connection in the middle of its reply"
    return f"{where} failed ({exc.__class__.__name__})"


def backend_error(
    exc: BaseException, settings: Settings, service: str = "OpenAI-compatible server"
) -> BackendUnavailable:
    """`describe` as the error front ends print (raise it `from exc` to keep the cause)."""
    return BackendUnavailable(describe(exc, settings, service))


def failures() -> tuple[type[BaseException], ...]:
    """What a call to the server can raise that is the server's fault, not ours: the SDK's
    errors, transport errors it does not wrap (a stream cut mid-body) and `MalformedReply`."""
    import httpx
    import openai

    return (openai.APIError, httpx.HTTPError, MalformedReply)


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
