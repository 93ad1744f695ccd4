"""The code knows the English language, not any corpus: no name of the sample reports appears in
the package's source, so nothing can pass on the sample by knowing it (names are learned at ingest).
"""

from __future__ import annotations

import re

from .conftest import CORPUS, REPO

# Words the sample capitalises but never writes in lowercase that are plain English, not names.
ENGLISH = {"according", "concurrently", "erupt", "foreign", "ministry", "meanwhile"}
MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"}  # fmt: skip


def sample_names() -> set[str]:
    """Capitalised words of the sample reports that the reports never use in lowercase."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt"))
    lower = {w.lower() for w in re.findall(r"\b[a-z]{3,}\b", text)}
    caps = set(re.findall(r"\b[A-Z][a-z]{2,}\b", text)) | set(re.findall(r"\b[A-Z]{3,}\b", text))
    return {w for w in caps if w.lower() not in lower | ENGLISH | MONTHS}


def test_no_name_of_the_sample_corpus_is_written_in_the_code() -> None:
    names = sample_names()
    assert {"Aleppo", "SANA"} <= names, "the check sees the sample's names"
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "assistant").rglob("*.py"))
    found = sorted(w for w in names if re.search(rf"\b{re.escape(w)}\b", source, re.I))
    assert found == [], f"sample names in assistant/: {found}"
