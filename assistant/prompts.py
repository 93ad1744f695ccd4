"""Prompt templates live as files in `prompts/` (package data when installed); runs record which versions (hashes) they used."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from .bundled import prompts_dir

if TYPE_CHECKING:
    from llama_index.core.prompts import PromptTemplate

PROMPT_DIR = prompts_dir()


def load(name: str, prompt_dir: Path = PROMPT_DIR) -> PromptTemplate:
    """The template in `prompts/<name>.txt`."""
    from llama_index.core.prompts import PromptTemplate

    return PromptTemplate((prompt_dir / f"{name}.txt").read_text(encoding="utf-8"))


def text(name: str, prompt_dir: Path = PROMPT_DIR) -> str:
    """The raw text of `prompts/<name>.txt`, for templates filled with `string.Template`."""
    return (prompt_dir / f"{name}.txt").read_text(encoding="utf-8")


def hashes(prompt_dir: Path = PROMPT_DIR) -> dict[str, str]:
    """sha256[:12] of every prompt file, so eval results say which prompt version produced them."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:12]
        for p in sorted(prompt_dir.glob("*.txt"))
    }
