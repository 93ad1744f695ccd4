"""The eval harness: suite files, running against a fake assistant, thresholds, baselines, reports,
benchmark adapters, and `assistant eval` end to end on a small suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant import Settings
from assistant.baseline import diff_runs
from assistant.benchmarks_data import benchmark_suite
from assistant.errors import BadSuite, UnknownReport
from assistant.eval_report import render_html
from assistant.evaluation import RunResult, eval_main, run_suite
from assistant.metrics import locate
from assistant.suites import load_suite, parse_suite
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
    assert mini["metrics"]["citation_validity"]["delta"] == pytest.approx(-0.5)
    assert diff["settings"] == {"collection": ["a", "b"]}
    back = diff_runs(run.to_json(), later.to_json())["suites"]["mini"]
    assert back["fixed"] == ["killed"]

    later.baseline = diff
    page = render_html(later)
    assert "<b>others</b>" not in page and "&lt;b&gt;others&lt;/b&gt;" in page
    assert (
        page.count("<svg") == 2
        and "broken" in page
        and "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )


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
    code = eval_main(["rgb_en_fact"], None, None, None, None, tmp_path / "data", settings)
    assert code == 0


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

    from assistant.judge import GroundednessJudge, parse_verdicts

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
    from assistant.evaluation import public_settings

    data = public_settings(Settings(openai_api_key="sk-secret", chroma_token="tok"))
    assert data["openai_api_key"] == "***" and data["chroma_token"] == "***"
    assert "sk-secret" not in json.dumps(data)
