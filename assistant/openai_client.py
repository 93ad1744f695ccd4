"""The one place an openai SDK client is built from settings (answerer, embedder, judge).

Retries live here: the SDK backs off on timeouts, 429 and 5xx and honours Retry-After. The
`http_client` seam lets tests and proxies supply their own transport.
"""

from __future__ import annotations

from typing import Any

from .config import Settings


def openai_client(settings: Settings, http_client: Any = None) -> Any:
    """An `openai.OpenAI` for the configured OpenAI-compatible server."""
    import openai  # a second of import time: only when an OpenAI-compatible server is used

    return openai.OpenAI(
        api_key=settings.openai_api_key or "not-needed",
        base_url=settings.openai_base_url,
        timeout=settings.request_timeout,
        max_retries=settings.max_retries,
        http_client=http_client,
    )
