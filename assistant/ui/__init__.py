"""The Gradio chat UI (`assistant ui`): a thin shell over the `Assistant` facade.

`app` lays the page out and wires events (`library_panel` the Reports panel: uploads, removal and
the report library; `welcome` the first start's ingest progress and the suggested questions of
an empty chat), `handlers` turns each event into one facade call,
`render` turns answers and reports into inert HTML/Markdown (reports are untrusted), `styles`
holds the CSS and the few browser-side scripts. A conversation lives in a per-session `gr.State`,
never in a module global, so two browser sessions never see each other's history.
"""

from __future__ import annotations

import os

# Before gradio is imported: otherwise its threads call the vendor's analytics and version hosts.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from .app import build_app, launch
from .styles import CSS

__all__ = ["CSS", "build_app", "launch"]
