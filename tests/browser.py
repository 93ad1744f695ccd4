"""Headless Debian chromium as the browser tests and `benchmarks/bench_start.py` launch it:
Playwright's own browser download fails on machines like CI's, so the executable is given."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--font-render-hinting=none",  # crisper text in the screenshots
]
