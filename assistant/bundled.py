"""Where the files shipped with the assistant live: `prompts/` and the sample `corpus/`.

In a source checkout they are the repo's top-level folders (edited there); in an installed wheel
they are package data under `assistant/_data/` (pyproject maps the folders in), so an installed
copy answers and loads its prompts without the checkout.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _bundled(name: str) -> Path:
    packaged = _PACKAGE / "_data" / name
    return packaged if packaged.is_dir() else _CHECKOUT / name


def prompts_dir() -> Path:
    """The prompt templates (plain text files)."""
    return _bundled("prompts")


def sample_corpus() -> Path:
    """The two sample reports (`assistant ingest --sample`)."""
    return _bundled("corpus")


def checkout_corpus() -> Path | None:
    """`corpus/` when running from a source checkout, else None: an installed copy never ingests
    the bundled sample unless asked."""
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "corpus").is_dir():
        return _CHECKOUT / "corpus"
    return None
