"""The eval harness: suite files, running against a fake assistant, thresholds, baselines, reports,
benchmark adapters, and `assistant eval` end to end on a small suite."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant import Settings
from assistant.errors import BadSuite, ConfigError, UnknownReport
from assistant.evals import (
    BENCHMARKS,
    MachineLoad,
    RunResult,
    benchmark_suite,
    diff_runs,
    eval_main,
    load_suite,
    parse_suite,
    render_html,
    resolve_suites,
    run_suite,
)
from assistant.evals.metrics import locate
from assistant.types import (
    Answer,
    Citation,
    IngestSummary,
    Passage,
    ReportInfo,
    ScoredPassage,
    Turn,
)

REPO = Path(__file__).resolve().parent.parent
TEXT = "Two people were killed.\nEight others were injured.\nThe army denied it."


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ suite files


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("questions:\n  - question: q\n    fact: [a]\n", "question 1: unknown key 'fact'"),
        ("questions:\n  - {question: q, turns: [a]}\n", "question 1: give exactly one of"),
        ("questions:\n  - {id: x, question: q}\n  - {id: x, question: r}\n", "question 2: duplicate id 'x'"),
        ("questions:\n  - {id: u, question: q, unanswerable: true, facts: [a]}\n", "question 1 ('u'): an unanswerable"),
        ("questions:\n  - {question: q, facts: [[a, 3]]}\n", "question 1: `facts` item 1 must be a list"),
        ("questions:\n  - {question: q, unanswerable: yes please}\n", "`unanswerable` must be true or false"),
        ("questions:\n  - {question: '  '}\n", "question 1: `question` must be a non-empty string"),
        ("questions:\n  - just a string\n", "question 1: expected a mapping"),
        ("questions: []\n", "`questions` must be a non-empty list"),
        ("thresholds: {recall: 0.5}\nquestions:\n  - {question: q}\n", "threshold 'recall': unknown metric"),
        ("thresholds: {fact_recall: high}\nquestions:\n  - {question: q}\n", "min must be a number"),
        ("corpus: nowhere\nquestions:\n  - {question: q}\n", "does not exist"),
        ("questoins:\n  - {question: q}\n", "unknown suite key 'questoins'"),
        ("questions: [\n", "invalid YAML"),
    ],
)  # fmt: skip
def test_bad_suites_name_file_and_item(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path / "s.yaml", body)
    with pytest.raises(BadSuite) as err:
        load_suite(path)
    text = str(err.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text


def test_jsonl_suite_with_header_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.jsonl",
        '{"suite": {"name": "mini", "thresholds": {"false_abstention_rate": 0.2}}}\n\n'
        '{"id": "a", "question": "Who?", "facts": ["x", ["y", "z"]], "tags": "who"}\n'
        '{"turns": ["First?", "Then?"], "unanswerable": true}\n',
    )
    suite = load_suite(path)
    assert suite.name == "mini" and [q.id for q in suite.questions] == ["a", "q2"]
    assert suite.questions[0].facts == (("x",), ("y", "z")) and suite.questions[0].tags == ("who",)
    assert suite.questions[1].turns == ("First?",) and suite.questions[1].question == "Then?"
    (bar,) = suite.thresholds
    assert (bar.metric, bar.op, bar.limit) == ("false_abstention_rate", "max", 0.2)
    assert not bar.holds(0.3) and bar.holds(0.2) and bar.holds(None)
    with pytest.raises(BadSuite, match=r"s2\.jsonl: line 2: invalid JSON"):
        load_suite(write(tmp_path / "s2.jsonl", '{"question": "a"}\n{oops\n'))
    with pytest.raises(BadSuite, match=r"is a \.yaml, \.yml or \.jsonl"):
        load_suite(write(tmp_path / "s.txt", "x"))
    with pytest.raises(BadSuite, match="no such suite file"):
        load_suite(tmp_path / "missing.yaml")


def test_sample_suite_is_complete_and_its_evidence_is_verbatim() -> None:
    suite = load_suite(REPO / "evals" / "sample.yaml")
    assert len(suite.questions) >= 40
    assert sum(q.unanswerable for q in suite.questions) >= 10
    tags = {t for q in suite.questions for t in q.tags}
    assert {"number", "conflict", "follow-up", "date", "alias", "who-said"} <= tags
    assert any(q.turns for q in suite.questions) and suite.thresholds
    texts = {p.name: p.read_text(encoding="utf-8") for p in (REPO / "corpus").glob("*.txt")}
    for q in suite.questions:
        assert set(q.reports) <= set(texts), q.id
        for alts in q.evidence:
            assert any(a in t for a in alts for t in texts.values()), (q.id, alts)


# ------------------------------------------------------------------ running on a fake assistant


class FakeAssistant:
    """Scripted answers by question; anything else abstains."""

    def __init__(self, tmp: Path, answers: dict[str, Answer]) -> None:
        self.settings = Settings(data_dir=tmp, top_k=2)
        self.embed_model_name = "fake-embed"
        self.answers = answers
        self.asked: list[tuple[str, list[str]]] = []

    def ask(
        self, question: str, *, backend: str | None = None, history: Sequence[Turn] = ()
    ) -> Answer:
        self.asked.append((question, [t.question for t in history]))
        default = Answer(question, "The reports do not say.", (), True, "fake")
        return self.answers.get(question, default)

    def ingest(
        self, paths: Sequence[Path], *, prune: bool = False, progress: object = None
    ) -> IngestSummary:
        raise AssertionError("a given assistant is never ingested into")

    def report_text(self, report_id: str) -> str:
        if report_id != "r.txt":
            raise UnknownReport(report_id)
        return TEXT

    def reports(self) -> list[ReportInfo]:
        return [ReportInfo("r.txt", "R", 1, "abc")]

    def prompt_hashes(self) -> dict[str, str]:
        return {"answer.txt": "0123456789ab"}


def answer(question: str, text: str, start: int, end: int, quote: str | None = None) -> Answer:
    c = Citation(1, "r.txt", "R", start, end, TEXT[start:end] if quote is None else quote)
    whole = ScoredPassage(Passage("p0", "r.txt", 0, len(TEXT), TEXT), 1.0, "R")
    return Answer(question, text, (c,), False, "fake", considered=(whole,))


SUITE = {
    "name": "mini",
    "thresholds": {"fact_recall": 0.5, "citation_validity": 1.0},
    "questions": [
        {"id": "killed", "question": "How many killed?", "facts": [["two", "2"]],
         "evidence": ["Two people were killed."], "tags": ["number"]},
        {"id": "injured", "turns": ["How many killed?", "And injured?"], "facts": [["eight"]],
         "tags": ["number", "follow-up"]},
        {"id": "none", "question": "Who won?", "unanswerable": True, "tags": ["unanswerable"]},
    ],
}  # fmt: skip


def test_run_suite_scores_thresholds_and_history(tmp_path: Path) -> None:
    fake = FakeAssistant(
        tmp_path,
        {
            "How many killed?": answer("How many killed?", "Two people were killed. [1]", 0, 23),
            "And injured?": answer("And injured?", "Eight <b>others</b> were injured. [1]", 24, 50),
        },
    )
    result = run_suite(parse_suite(SUITE, source="mini.yaml"), fake)
    assert fake.asked[-2:] == [("And injured?", ["How many killed?"]), ("Who won?", [])]
    assert result.counts == {
        "questions": 3, "answerable": 2, "unanswerable": 1, "passed": 3, "abstained": 1,
        "citations": 2, "errors": 0,
    }  # fmt: skip
    assert result.metrics["fact_recall"] == 1.0 and result.metrics["abstention_recall"] == 1.0
    assert result.passed and all(c.passed for c in result.checks)
    assert result.per_tag["number"]["fact_recall"] == 1.0
    assert result.models["embedding"] == "fake-embed" and result.corpus_hash

    # an altered quote breaks citation validity: the suite fails its threshold
    fake.answers["How many killed?"] = answer("How many killed?", "Two. [1]", 0, 23, quote="Three")
    broken = run_suite(parse_suite(SUITE, source="mini.yaml"), fake)
    assert not broken.passed
    assert [c.metric for c in broken.checks if not c.passed] == ["citation_validity"]

    run = RunResult("t0", {"collection": "a"}, [result])
    later = RunResult("t1", {"collection": "b"}, [broken])
    diff = diff_runs(later.to_json(), run.to_json())
    mini = diff["suites"]["mini"]
    assert mini["broken"] == ["killed"] and mini["fixed"] == []
    assert not mini["corpus_changed"] and not mini["questions_changed"]
    assert mini["metrics"]["citation_validity"]["delta"] == pytest.approx(-0.5)
    assert diff["settings"] == {"collection": ["a", "b"]}
    back = diff_runs(run.to_json(), later.to_json())["suites"]["mini"]
    assert back["fixed"] == ["killed"]

    later.baseline = diff
    page = render_html(later)
    assert "<b>others</b>" not in page and "&lt;b&gt;others&lt;/b&gt;" in page
    assert "<svg" in page and "broken since baseline" in page and "http" not in page


def test_unknown_gold_report_or_missing_evidence_is_a_bad_suite(tmp_path: Path) -> None:
    fake = FakeAssistant(tmp_path, {})
    bad_report = {"questions": [{"id": "a", "question": "q", "reports": ["nope.txt"]}]}
    with pytest.raises(BadSuite, match=r"question 'a': unknown report 'nope\.txt'"):
        run_suite(parse_suite(bad_report, source="x.yaml"), fake)
    bad_evidence = {"questions": [{"id": "b", "question": "q", "evidence": ["Three people"]}]}
    with pytest.raises(BadSuite, match="evidence 'Three people' is not in any report"):
        run_suite(parse_suite(bad_evidence, source="x.yaml"), fake)


# ------------------------------------------------------------------ benchmark adapters


def test_benchmark_adapter_builds_a_suite_and_skips_missing_data(tmp_path: Path) -> None:
    data = tmp_path / "data" / "squad_v2_dev"
    data.mkdir(parents=True)
    docs = [
        {
            "id": "p1",
            "title": "Oil",
            "text": "The crisis began in 1973. Prices rose.",
            "article": "Oil",
        },
        {"id": "p2", "title": "Oil", "text": "Later came 1979.", "article": "Oil"},
        {"id": "p3", "title": "Other", "text": "Unrelated.", "article": "Other"},
    ]
    questions = [
        {"id": "a", "question": "When did it begin?", "answers": ["1973"], "answerable": True,
         "type": "answerable", "article": "Oil", "gold_doc_ids": ["p1"],
         "evidence_sentences": ["The crisis began in 1973.", "not in the text"]},
        {"id": "b", "question": "Who won?", "answers": [], "answerable": False,
         "type": "unanswerable", "article": "Oil", "gold_doc_ids": ["p2"]},
    ]  # fmt: skip
    write(data / "corpus.jsonl", "".join(json.dumps(d) + "\n" for d in docs))
    write(data / "questions.dev.jsonl", "".join(json.dumps(q) + "\n" for q in questions))
    suite, note = benchmark_suite("squad_v2_dev", tmp_path / "data", tmp_path / "work", limit=5)
    assert suite is not None and suite.collection == "bench-squad" and "2 questions" in note
    assert suite.split == "dev" and suite.total == 2 and "split dev" in note
    assert {t.metric for t in suite.thresholds} == set(BENCHMARKS["squad_v2_dev"].thresholds)
    assert sorted(p.name for p in (tmp_path / "work" / "squad_v2_dev").iterdir()) == [
        "p1.txt",
        "p2.txt",
    ]
    by_id = {q.id: q for q in suite.questions}
    assert by_id["a"].answers == ("1973",) and by_id["a"].evidence == (
        ("The crisis began in 1973.",),
    )
    assert by_id["a"].reports == ("p1.txt",) and by_id["b"].unanswerable
    text = (tmp_path / "work" / "squad_v2_dev" / "p1.txt").read_text()
    assert locate("The crisis began in 1973.", text)

    none, why = benchmark_suite("rgb_en_fact", tmp_path / "data", tmp_path / "work")
    assert none is None and "no data" in why
    settings = Settings(data_dir=tmp_path / "state")
    code = eval_main(["rgb_en_fact"], settings, data_dir=tmp_path / "data")
    assert code == 0


# ------------------------------------------------------------------ honest benchmark runs

SQUAD_DOC = {"id": "p1", "title": "Oil", "text": "The crisis began in 1973.", "article": "Oil"}


def squad_question(i: int) -> dict[str, object]:
    return {
        "id": f"q{i}", "question": f"When did crisis {i} begin?", "answers": ["1973"],
        "answerable": True, "type": "answerable", "article": "Oil", "gold_doc_ids": ["p1"],
        "evidence_sentences": ["The crisis began in 1973."],
    }  # fmt: skip


def jsonl(path: Path, rows: Sequence[object]) -> Path:
    return write(path, "".join(json.dumps(r) + "\n" for r in rows))


def squad_data(root: Path, questions: int) -> Path:
    """A fake squad_v2_dev folder: one paragraph and `questions` dev questions about it."""
    folder = root / "squad_v2_dev"
    folder.mkdir(parents=True)
    jsonl(folder / "corpus.jsonl", [SQUAD_DOC])
    jsonl(folder / "questions.dev.jsonl", [squad_question(i) for i in range(questions)])
    return root


class FolderAssistant:
    """Ingests the suite's corpus folder (reads its files) and abstains on every question."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings.model_copy(update={"top_k": 2})
        self.embed_model_name = "fake-embed"
        self.texts: dict[str, str] = {}

    def ask(
        self, question: str, *, backend: str | None = None, history: Sequence[Turn] = ()
    ) -> Answer:
        return Answer(question, "The reports do not say.", (), True, "fake")

    def ingest(
        self, paths: Sequence[Path], *, prune: bool = False, progress: object = None
    ) -> IngestSummary:
        self.texts = {f.name: f.read_text() for p in paths for f in sorted(p.glob("*.txt"))}
        return IngestSummary(added=list(self.texts))

    def report_text(self, report_id: str) -> str:
        if report_id not in self.texts:
            raise UnknownReport(report_id)
        return self.texts[report_id]

    def reports(self) -> list[ReportInfo]:
        return [ReportInfo(r, r, 1, str(hash(t))) for r, t in self.texts.items()]

    def prompt_hashes(self) -> dict[str, str]:
        return {}


def test_every_benchmark_has_thresholds_it_can_fail() -> None:
    for name, bench in BENCHMARKS.items():
        assert bench.thresholds, name
        suite = parse_suite(
            {"thresholds": dict(bench.thresholds), "questions": [{"question": "q"}]}, source=name
        )
        for bar in suite.thresholds:  # a minimum of 0 or a maximum of 100% can never fail
            assert (bar.limit > 0) if bar.op == "min" else (bar.limit < 1), (name, bar)


def test_a_benchmark_runs_all_its_questions_and_fails_below_its_thresholds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    data = squad_data(tmp_path / "data", 201)  # more than the old silent cap of 200
    settings = Settings(data_dir=tmp_path / "state")
    code = eval_main(
        ["squad_v2_dev"], settings, out=tmp_path / "run", data_dir=data,
        target_for=lambda suite, s: FolderAssistant(s),
    )  # fmt: skip
    assert code == 1  # an assistant that always abstains is below the bars
    out = capsys.readouterr().out
    assert "split dev: 201 of 201 questions" in out and "FAILED" in out and "FAIL" in out
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    (s,) = result["suites"]
    assert (s["split"], s["available"], s["counts"]["questions"]) == ("dev", 201, 201)
    assert not result["passed"] and not s["passed"]
    failed = {c["metric"] for c in s["checks"] if not c["passed"]}
    assert {"answer_contains", "false_abstention_rate"} <= failed

    # --limit takes the first N of a stable order and says so
    code = eval_main(
        ["squad_v2_dev"], settings, out=tmp_path / "run5", data_dir=data, limit=5,
        target_for=lambda suite, s: FolderAssistant(s),
    )  # fmt: skip
    assert "split dev: 5 of 201 questions" in capsys.readouterr().out
    (s5,) = json.loads((tmp_path / "run5" / "result.json").read_text())["suites"]
    assert (s5["available"], s5["counts"]["questions"]) == (201, 5)


def test_each_run_records_the_machine_load_beside_its_timings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = squad_data(tmp_path / "data", 3)
    eval_main(
        ["squad_v2_dev"], Settings(data_dir=tmp_path / "state"), out=tmp_path / "run",
        data_dir=data, target_for=lambda suite, s: FolderAssistant(s),
    )  # fmt: skip
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    for machine in (result["machine"], result["suites"][0]["machine"]):
        assert machine["cpu_count"] == os.cpu_count()
        assert len(machine["load_before"]) == 3 and len(machine["load_after"]) == 3
        assert machine["wall_s"] > 0 and machine["cpu_s"] >= 0
        assert machine["cores_used"] == pytest.approx(machine["cpu_s"] / machine["wall_s"])
        assert isinstance(machine["busy"], bool)
    assert f"{os.cpu_count()} CPUs" in capsys.readouterr().out
    assert "Machine:" in (tmp_path / "run" / "report.html").read_text()


def test_a_busy_machine_is_flagged() -> None:
    idle = MachineLoad(4, (0.5, 0.4, 0.3), (1.0, 0.5, 0.3), wall_s=10.0, cpu_s=9.0)
    busy = MachineLoad(2, (1.5, 1.0, 1.0), (3.5, 2.0, 1.0), wall_s=10.0, cpu_s=5.0)
    assert not idle.busy and idle.cores_used == 0.9 and "BUSY" not in idle.line()
    assert busy.busy and "BUSY" in busy.line() and "load 1.50 → 3.50" in busy.line()


def test_split_picks_a_questions_file_of_the_folder_or_any_path(tmp_path: Path) -> None:
    data = squad_data(tmp_path / "data", 10)
    work = tmp_path / "work"
    everything, _ = benchmark_suite("squad_v2_dev", data, work)
    assert everything is not None and len(everything.questions) == 10
    first3, _ = benchmark_suite("squad_v2_dev", data, work, limit=3)
    first6, _ = benchmark_suite("squad_v2_dev", data, work, limit=6)
    assert first3 is not None and first6 is not None
    assert [q.id for q in first3.questions] == [q.id for q in first6.questions][:3]

    jsonl(data / "squad_v2_dev" / "questions.heldout.jsonl", [squad_question(i) for i in (7, 8)])
    heldout, note = benchmark_suite("squad_v2_dev", data, work, split="heldout")
    assert heldout is not None and heldout.split == "heldout" and "split heldout" in note
    assert sorted(q.id for q in heldout.questions) == ["q7", "q8"]

    mine = jsonl(tmp_path / "mine.jsonl", [squad_question(42)])
    custom, _ = benchmark_suite("squad_v2_dev", data, work, split=str(mine))
    assert custom is not None and custom.split == str(mine)
    assert [q.id for q in custom.questions] == ["q42"] and custom.total == 1

    with pytest.raises(ConfigError, match="--limit must be at least 1"):
        resolve_suites(["squad_v2_dev"], work, limit=0, data_dir=data)
    with pytest.raises(BadSuite, match=r"no questions file .*questions\.test\.jsonl"):
        benchmark_suite("squad_v2_dev", data, work, split="test")
    with pytest.raises(BadSuite, match=r"mine\.jsonl: line 2: invalid JSON"):
        benchmark_suite("squad_v2_dev", data, work, split=str(write(mine, '{"id": "x"}\n{oops\n')))


def test_cli_names_a_missing_split_file_in_one_line(tmp_path: Path) -> None:
    data = squad_data(tmp_path / "data", 2)
    done = cli(tmp_path, "squad_v2_dev", "--data", str(data), "--split", "heldout")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: squad_v2_dev: no questions file ")
    assert "questions.heldout.jsonl" in done.stderr and done.stderr.count("\n") == 1


RGB_LABELS = re.compile(r"pos|cou|neg|true|fake|false|gold|noise|fact|counter|wrong|right", re.I)


def rgb_data(root: Path, ids: dict[str, str]) -> Path:
    """A fake rgb_en_fact folder: one question with a true, a counterfactual and a noise passage
    (`ids` maps each role to the upstream id given to its passage)."""
    folder = root / "rgb_en_fact"
    folder.mkdir(parents=True)
    texts = {
        "positive": "Super Bowl LV was played in Tampa, Florida.",
        "counterfactual": "Super Bowl LV was played in Glendale, Arizona.",
        "negative": "Tickets for the game sold out in minutes.",
    }
    docs = [
        {"id": ids[role], "title": "", "source": "RGB", "text": text, "role": role,
         "question_id": "rgb-fact-0"}
        for role, text in texts.items()
    ]  # fmt: skip
    question = {
        "id": "rgb-fact-0", "question": "Where was Super Bowl LV played?", "answer": "Tampa",
        "answers": ["Tampa"], "fake_answer": "Glendale", "type": "counterfactual",
        "answerable": True, "gold_doc_ids": [ids["positive"]],
        "counterfactual_doc_ids": [ids["counterfactual"]], "negative_doc_ids": [ids["negative"]],
    }  # fmt: skip
    jsonl(folder / "corpus.jsonl", docs)
    jsonl(folder / "questions.dev.jsonl", [question])
    return root


def test_rgb_report_ids_do_not_reveal_which_passage_is_true(tmp_path: Path) -> None:
    upstream = {"positive": "rgb-fact-0-pos-0", "counterfactual": "rgb-fact-0-cou-0",
                "negative": "rgb-fact-0-neg-0"}  # fmt: skip
    suite, _ = benchmark_suite("rgb_en_fact", rgb_data(tmp_path / "a", upstream), tmp_path / "w")
    assert suite is not None
    folder = tmp_path / "w" / "rgb_en_fact"
    files = sorted(p.name for p in folder.iterdir())
    (q,) = suite.questions
    assert len(files) == 3 and set(q.reports) <= set(files)
    for name in files + list(q.reports):
        assert not RGB_LABELS.search(name), name
    for path in folder.iterdir():  # the files hold the passage text and nothing else
        assert not RGB_LABELS.search(path.read_text().replace("Super Bowl", "")), path.name
    (gold,) = q.reports
    assert "Tampa" in (folder / gold).read_text()

    # the ids come from the text alone: upstream ids that do not name the roles change nothing
    plain = {"positive": "d3", "counterfactual": "d1", "negative": "d2"}
    again, _ = benchmark_suite("rgb_en_fact", rgb_data(tmp_path / "b", plain), tmp_path / "w2")
    assert again is not None and again.questions[0].reports == q.reports
    assert sorted(p.name for p in (tmp_path / "w2" / "rgb_en_fact").iterdir()) == files


def test_ramdocs_asks_for_every_valid_answer_of_an_ambiguous_name_under_neutral_ids(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data" / "ramdocs"
    folder.mkdir(parents=True)
    texts = {
        "ramdocs-000-d0": "Fort Alder in Keswa was built in 1902 by the river guild.",
        "ramdocs-000-d1": "Fort Alder in Morrow was built in 1755 on the northern cliffs.",
        "ramdocs-000-d2": "Fort Alder in Keswa was built in 1885 by the river guild.",
        "ramdocs-000-d3": "The Keswa river floods every spring.",
    }
    jsonl(folder / "corpus.jsonl", [
        {"id": i, "title": "", "source": None, "text": t, "question_id": "ramdocs-000"}
        for i, t in texts.items()
    ])  # fmt: skip
    question = {
        "id": "ramdocs-000", "question": "When was Fort Alder built?",
        "conflict_kind": "ambiguity+misinformation",
        "answers": [
            {"answer": "1902", "status": "correct", "doc_ids": ["ramdocs-000-d0"]},
            {"answer": "1755", "status": "correct", "doc_ids": ["ramdocs-000-d1"]},
            {"answer": "1990", "status": "correct", "doc_ids": []},
        ],
        "unsupported_gold_answers": ["1990"], "wrong_answers": ["1885"],
        "doc_labels": [{"doc_id": "ramdocs-000-d2", "type": "misinfo", "answer": "1885"}],
    }  # fmt: skip
    jsonl(folder / "questions.dev.jsonl", [question])
    suite, _ = benchmark_suite("ramdocs", tmp_path / "data", tmp_path / "work")
    assert suite is not None
    (q,) = suite.questions
    assert [list(f) for f in q.facts] == [["1902"], ["1755"]], "one fact per valid answer found"
    files = sorted(p.name for p in (tmp_path / "work" / "ramdocs").iterdir())
    assert len(files) == 4 and not any(i in name for i in texts for name in files)
    assert set(q.reports) == {
        name for name in files
        if "1902" in (tmp_path / "work" / "ramdocs" / name).read_text()
        or "1755" in (tmp_path / "work" / "ramdocs" / name).read_text()
    }  # fmt: skip
    assert "ambiguity-misinformation" in q.tags


# ------------------------------------------------------------------ layers


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module a file imports (relative imports resolved)."""
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    if path.name == "__init__.py":
        package = ".".join(path.relative_to(REPO).parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = node.module if node.level == 0 else ".".join(filter(None, [base, node.module]))
            names |= {module or ""} | {f"{module}.{a.name}" for a in node.names}
    return names


def test_evals_uses_only_the_core_and_the_core_never_imports_evals() -> None:
    package = REPO / "assistant"
    assert "assistant.evals" in imported_modules(package / "cli" / "__init__.py")  # it sees them
    for path in (package / "evals").rglob("*.py"):
        bad = {m for m in imported_modules(path) if m.startswith(("assistant.ui", "assistant.cli"))}
        assert not bad, (path, bad)
    front_ends = ("evals", "ui", "cli", "__main__")
    for path in package.rglob("*.py"):
        if path.relative_to(package).parts[0].removesuffix(".py").startswith(front_ends):
            continue
        bad = {m for m in imported_modules(path) if m.startswith("assistant.evals")}
        assert not bad, (path, bad)


# ------------------------------------------------------------------ the CLI, end to end


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    env |= {"ASSISTANT_DATA_DIR": str(tmp_path / "state"), "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "assistant", "eval", *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
    )  # fmt: skip


MINI = f"""
name: mini
corpus: {REPO / "corpus"}
collection: eval-mini-test
thresholds:
  citation_validity: 1.0
  fact_recall: 0.5
questions:
  - id: killed
    question: How many people were killed in the shelling in Aleppo?
    facts: [["two", "2"]]
    evidence: ["The Aleppo Health Directorate announced that two people were killed"]
    reports: [aleppo-clashes-army-sdf.txt]
    tags: [number]
  - id: refuge
    turns: ["Where did Assad flee to?", "For what reason?"]
    facts: [["humanitarian"]]
    tags: [follow-up]
  - id: camp-deaths
    question: How many people were killed near the Nayrab refugee camp?
    unanswerable: true
    tags: [unanswerable]
"""


def test_cli_eval_end_to_end(tmp_path: Path) -> None:
    suite = write(tmp_path / "mini.yaml", MINI)
    first = cli(tmp_path, str(suite), "--out", "run1")
    assert first.returncode == 0, first.stderr + first.stdout
    assert (
        "mini" in first.stdout
        and "citation_validity" in first.stdout
        and "follow-up" in first.stdout
    )
    result = json.loads((tmp_path / "run1" / "result.json").read_text())
    (s,) = result["suites"]
    assert s["metrics"]["citation_validity"] == 1.0 and s["counts"]["questions"] == 3
    assert (
        s["collection"] == "eval-mini-test"
        and result["prompt_hashes"]
        and result["models"]["embedding"]
    )
    assert {r["id"] for r in s["records"]} == {"killed", "refuge", "camp-deaths"}
    assert "<svg" in (tmp_path / "run1" / "report.html").read_text()

    # a bar no run can meet fails the build; the baseline shows the (zero) deltas
    write(suite, MINI.replace("thresholds:\n", "thresholds:\n  latency_p95: 0.0000001\n"))
    second = cli(tmp_path, str(suite), "--out", "run2", "--baseline", "run1/result.json")
    assert second.returncode == 1, second.stderr + second.stdout
    assert "FAIL" in second.stdout and "Δ baseline" in second.stdout
    assert json.loads((tmp_path / "run2" / "result.json").read_text())["baseline"]["suites"]["mini"]

    write(suite, MINI.replace("facts: [[", "fact: [["))
    bad = cli(tmp_path, str(suite))
    assert (
        bad.returncode == 2
        and bad.stderr.startswith("error:")
        and "unknown key 'fact'" in bad.stderr
    )


# ------------------------------------------------------------------ the optional LLM judge


def test_llm_judge_reads_verdicts_through_an_openai_compatible_server() -> None:
    import httpx

    from assistant.evals.judge import GroundednessJudge, parse_verdicts

    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        prompt = json.loads(request.content)["messages"][0]["content"]
        seen.append(prompt)
        content = 'Sure: [{"n": 1, "supported": true}, {"n": 2, "supported": false}]'
        return httpx.Response(
            200,
            json={
                "id": "x", "object": "chat.completion", "created": 0, "model": "judge",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content}}],
            },
        )  # fmt: skip

    assert GroundednessJudge.from_settings(Settings()) is None  # no LLM configured: no judge
    settings = Settings(openai_base_url="http://judge.invalid/v1", llm_model="judge-model")
    client = httpx.Client(transport=httpx.MockTransport(handler))
    judge = GroundednessJudge.from_settings(settings, http_client=client)
    assert judge is not None and "judge-model" in judge.method
    claims = [("Two were killed [1].", ["Two people were killed."]), ("Eight died.", [])]
    assert judge.judge(claims) == [True, False]
    assert "Statement 2: Eight died.\nQuotes:\n- (none)" in seen[0]
    assert judge.judge([]) == []
    assert parse_verdicts("no json", 1) is None
    assert parse_verdicts('[{"n": 1, "supported": "yes"}]', 1) is None
    assert parse_verdicts('[{"n": 1, "supported": true}]', 2) is None


class AlwaysNoJudge:
    model = "no-judge"
    method = "a judge that supports nothing"

    def judge(self, claims: Sequence[tuple[str, Sequence[str]]]) -> list[bool]:
        return [False] * len(claims)


def test_llm_groundedness_is_reported_beside_the_lexical_proxy(tmp_path: Path) -> None:
    q = "How many killed?"
    fake = FakeAssistant(tmp_path, {q: answer(q, "Two people were killed. [1]", 0, 23)})
    suite = parse_suite({"questions": [{"question": q, "facts": ["two"]}]}, source="j.yaml")
    result = run_suite(suite, fake, judge=AlwaysNoJudge())  # type: ignore[arg-type]
    assert result.metrics["groundedness"] == 1.0 and result.metrics["groundedness_llm"] == 0.0
    assert result.groundedness_methods[1] == "a judge that supports nothing"
    assert result.models["judge"] == "no-judge"


def test_results_never_carry_secrets() -> None:
    from assistant.evals.runner import public_settings

    data = public_settings(Settings(openai_api_key="sk-secret", chroma_token="tok"))
    assert data["openai_api_key"] == "***" and data["chroma_token"] == "***"
    assert "sk-secret" not in json.dumps(data)
