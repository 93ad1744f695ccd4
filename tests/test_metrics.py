"""Metric functions against hand-computed expectations, edge cases included."""

from __future__ import annotations

import pytest

from assistant.evals import metrics as m
from assistant.evals.results import QuestionRecord
from assistant.evals.scoring import aggregate, score_question
from assistant.evals.suites import Question
from assistant.types import Answer, Citation, Passage, ScoredPassage

REPORT = "Two people were killed.\nEight others were injured in the shelling.\nThe army denied it."
#         0 .. 23 | 24 .. 66 | 67 .. 86


def sp(report: str, start: int, end: int) -> ScoredPassage:
    return ScoredPassage(Passage(f"{report}:{start}", report, start, end, ""), 1.0, report)


def cite(marker: int, start: int, end: int, report: str = "r.txt", text: str = REPORT) -> Citation:
    return Citation(marker, report, report, start, end, text[start:end])


# --------------------------------------------------------------- basics


def test_mean_ratio_and_percentile() -> None:
    assert m.mean([1.0, None, 0.0]) == 0.5
    assert m.mean([None]) is None
    assert m.ratio(1, 4) == 0.25
    assert m.ratio(3, 0) is None
    # numpy "linear": position (n-1) * q / 100
    assert m.percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert m.percentile([1.0, 2.0, 3.0, 4.0], 95) == pytest.approx(3.85)
    assert m.percentile([7.0], 95) == 7.0
    assert m.percentile([], 50) is None


def test_contains_phrase_is_whole_word_and_forgiving_on_case_quotes_space() -> None:
    assert m.contains_phrase("Two  people\nwere killed [1].", "two people")
    assert m.contains_phrase("a “violent” attack", '"violent"')
    assert m.contains_phrase("QASAD’s statements", "qasad's")
    assert not m.contains_phrase("in 2025", "2")
    assert not m.contains_phrase("armyless", "army")
    assert m.contains_phrase("killed 2.", "2")
    assert not m.contains_phrase("anything", "   ")
    # markers never make a fact appear: "1" is not in "[1]"
    assert not m.contains_phrase("Two were hurt [1].", "1")


def test_fact_recall_counts_facts_not_alternatives() -> None:
    facts = [("two", "2"), ("eight", "8"), ("Ashrafieh",)]
    assert m.fact_recall("2 killed and eight injured [1]", facts) == pytest.approx(2 / 3)
    assert m.fact_recall("", facts) == 0.0  # empty answer
    assert m.fact_recall("anything", []) is None  # nothing expected: not measured


def test_locate_ignores_wrapping_case_and_quote_style() -> None:
    text = "He said a\n“serious   initiative” was\nmissing. Serious initiative!"
    spans = m.locate('"serious initiative"', text)
    assert [text[s:e] for s, e in spans] == ["“serious   initiative”"]
    assert [text[s:e] for s, e in m.locate("serious initiative", text)] == [
        "serious   initiative",
        "Serious initiative",
    ]
    assert m.locate("said a missing", text) == []
    assert m.locate("said a “serious", text) == [(3, 18)]
    assert m.locate("", text) == []


def test_covers_needs_half_of_the_shorter_span() -> None:
    assert m.covers(("r", 0, 100), ("r", 10, 20))  # phrase inside a sentence
    assert m.covers(("r", 0, 10), ("r", 5, 30))  # 5 of 10 shared
    assert not m.covers(("r", 0, 10), ("r", 6, 30))  # 4 of 10
    assert not m.covers(("r", 0, 10), ("s", 0, 10))  # another report
    assert not m.covers(("r", 5, 5), ("r", 0, 10))  # empty span


# --------------------------------------------------------------- retrieval


def test_hit_at_k_and_reciprocal_rank() -> None:
    flags = [False, False, True, False]
    assert m.hit_at_k(flags, 1) == 0.0
    assert m.hit_at_k(flags, 3) == 1.0
    assert m.reciprocal_rank(flags) == pytest.approx(1 / 3)
    assert m.reciprocal_rank([]) == 0.0
    assert m.hit_at_k([], 5) == 0.0


def test_relevance_uses_evidence_first_then_reports() -> None:
    spans = [("a", 0, 50), ("b", 0, 50), ("b", 60, 90)]
    evidence = [[("b", 65, 80)]]
    assert m.relevant_flags(spans, evidence, ["a"]) == [False, False, True]
    assert m.relevant_flags(spans, [], ["a"]) == [True, False, False]
    assert m.relevant_flags(spans, [], []) == [False, False, False]


# --------------------------------------------------------------- citations


def test_citation_validity() -> None:
    assert m.citation_valid("Two people were killed.", 0, 23, REPORT)
    assert not m.citation_valid("Two people were killed", 0, 23, REPORT)  # quote altered
    assert not m.citation_valid("", 5, 5, REPORT)  # empty span
    assert not m.citation_valid("x", 80, 200, REPORT)  # out of range
    assert not m.citation_valid("Two", 0, 3, None)  # unknown report


def test_evidence_recall_and_citation_support() -> None:
    ev_killed, ev_injured = [("r", 0, 23)], [("r", 24, 66)]
    evidence = [ev_killed, ev_injured]
    assert m.evidence_recall(evidence, [("r", 0, 23)]) == 0.5
    assert m.evidence_recall(evidence, []) == 0.0  # no citations
    assert m.evidence_recall([], [("r", 0, 23)]) is None
    # alternatives: an item is covered when any of its spans is
    assert m.evidence_recall([[("r", 0, 23), ("r", 67, 86)]], [("r", 67, 86)]) == 1.0
    support = m.citation_supports_gold
    assert support(("r", 67, 86), "The army denied it.", evidence, [], []) is False
    assert support(("r", 0, 23), "", [], ["r"], []) is True
    assert support(("r", 0, 23), "Two people were killed.", [], [], [("two",)]) is True
    assert support(("r", 0, 23), "Two people were killed.", [], [], []) is None


# --------------------------------------------------------------- answers


def test_abstention_scores_by_hand() -> None:
    unanswerable = [True, True, False, False, False]
    abstained = [True, False, True, False, False]
    scores = m.abstention_scores(unanswerable, abstained)
    assert scores == {
        "abstention_precision": 0.5,  # 1 right of 2 abstentions
        "abstention_recall": 0.5,  # 1 of 2 unanswerable
        "false_abstention_rate": pytest.approx(1 / 3),  # 1 of 3 answerable
    }


def test_abstention_scores_edge_cases() -> None:
    # all unanswerable, all refused
    assert m.abstention_scores([True, True], [True, True]) == {
        "abstention_precision": 1.0,
        "abstention_recall": 1.0,
        "false_abstention_rate": None,
    }
    # never abstains: precision not measurable
    assert m.abstention_scores([False], [False])["abstention_precision"] is None
    assert m.abstention_scores([], []) == dict.fromkeys(
        ("abstention_precision", "abstention_recall", "false_abstention_rate")
    )


def test_squad_em_f1_and_best_sentence() -> None:
    assert m.squad_normalize("The  Eiffel-Tower!") == "eiffeltower"
    assert m.exact_match("the Norway.", "Norway") == 1.0
    # pred: "norway won most medals" (4), gold: "norway" (1): P=1/4, R=1 -> F1=0.4
    assert m.token_f1("Norway won the most medals", "Norway") == pytest.approx(0.4)
    assert m.token_f1("", "") == 1.0
    assert m.token_f1("x", "") == 0.0
    em, f1 = m.best_sentence_scores("It was cold. Norway. [1]", ["Norway"]) or (0, 0)
    assert (em, f1) == (1.0, 1.0)
    assert m.best_sentence_scores("", ["Norway"]) == (0.0, 0.0)
    assert m.best_sentence_scores("Norway", []) is None
    assert m.answer_contains("Team Norway won [1].", ["Sweden", "norway"]) == 1.0
    assert m.answer_contains("", ["Norway"]) == 0.0


def test_split_sentences_keeps_markers_with_their_sentence() -> None:
    text = "Two died. [1] The army denied it [2].\n- SANA said “4 hurt.” [3][4]\nAccounts differ:"
    assert m.split_sentences(text) == [
        "Two died. [1]",
        "The army denied it [2].",
        "SANA said “4 hurt.” [3][4]",
        "Accounts differ:",
    ]
    assert m.split_sentences("") == []


def test_groundedness_lexical_proxy() -> None:
    quotes = {1: "Two people were killed.", 2: "Eight others were injured in the shelling."}
    # s1 supported by [1]; s2 cites [1] but talks about the injured: unsupported;
    # "Accounts differ:" introduces a list and "Yes." has < 2 content words: not judged;
    # s3 has no marker: checked against all quotes -> supported.
    text = (
        "Accounts differ:\nTwo people were killed [1]. Eight were injured in shelling [1]. "
        "Yes. Eight others were injured."
    )
    assert m.groundedness_counts(text, quotes) == (2, 3)
    assert m.groundedness_counts("", quotes) == (0, 0)  # empty answer: nothing judged
    assert m.groundedness_counts("Two people were killed.", {}) == (0, 1)  # no citations
    claims = m.grounding_claims("Two people were killed [2].", quotes)
    assert claims == [
        ("Two people were killed [2].", ["Eight others were injured in the shelling."])
    ]


# --------------------------------------------------------------- one question, then a suite


def test_score_question_and_aggregate_by_hand() -> None:
    texts = {"r.txt": REPORT}
    q_ok = Question(
        "ok", "How many were killed?", facts=(("two", "2"),), evidence=(("Two people",),)
    )
    ans_ok = Answer(
        "ok", "Two people were killed. [1]", (cite(1, 0, 23),), False, "extractive",
        considered=(sp("r.txt", 67, 86), sp("r.txt", 0, 66)),
    )  # fmt: skip
    q_un = Question("un", "How many soldiers died?", unanswerable=True)
    ans_un = Answer("un", "The army denied it. [1]", (cite(1, 67, 86),), False, "extractive")
    q_abst = Question("ab", "How many were injured?", facts=(("eight",),), reports=("r.txt",))
    ans_abst = Answer("ab", "The reports do not say.", (), True, "extractive")
    bad = Citation(1, "r.txt", "r", 0, 23, "Three people were killed.")
    q_bad = Question("bad", "Who died?", facts=(("people",),))
    ans_bad = Answer("bad", "Three people were killed. [1]", (bad,), False, "extractive")

    evidence = {"ok": [[("r.txt", 0, 10)]], "un": [], "ab": [], "bad": []}
    recs = [
        score_question(q, a, latency=lat, report_text=texts.get, evidence=evidence[q.id], k=1)
        for q, a, lat in [
            (q_ok, ans_ok, 0.1), (q_un, ans_un, 0.2), (q_abst, ans_abst, 0.3), (q_bad, ans_bad, 0.4),
        ]
    ]  # fmt: skip
    ok, un, ab, badrec = recs
    assert ok.scores == {  # extractive: its citations are judged, not its groundedness
        "hit@1": 0.0, "hit@k": 0.0, "rr": 0.5, "citation_precision": 1.0, "fact_recall": 1.0,
        "evidence_recall": 1.0, "answer_contains": None,
    }  # fmt: skip
    assert ok.failures == ["gold not retrieved in the top 1"]
    assert un.failures == ["answered an unanswerable question"]
    assert un.citations[0]["supports_gold"] is None
    assert ab.failures == [
        "gold not retrieved in the top 1",  # it names a gold report but retrieved nothing
        "abstained on an answerable question",
        "missing fact: eight",
    ]
    assert ab.scores["hit@k"] == 0.0 and ab.scores["fact_recall"] == 0.0
    assert "groundedness" not in ab.scores  # abstentions are not judged
    assert badrec.failures == ["invalid citation [1] (r.txt 0-23)"]

    agg = aggregate(recs)
    assert agg["pass_rate"] == 0.0
    assert agg["citation_validity"] == pytest.approx(2 / 3)  # 3 citations, 1 altered
    assert (
        agg["citation_precision"] == 1.0
    )  # ok's citation covers evidence; bad's quote has "people"
    assert agg["fact_recall"] == pytest.approx(2 / 3)  # ok 1, ab 0, bad 1
    assert agg["hit@k"] == 0.0 and agg["mrr"] == pytest.approx(0.25)  # ok 0.5, ab 0
    assert agg["abstention_precision"] == 0.0
    assert agg["abstention_recall"] == 0.0
    assert agg["false_abstention_rate"] == pytest.approx(1 / 3)
    assert agg["latency_p50"] == pytest.approx(0.25)
    assert agg["groundedness_llm"] is None and agg["best_sentence_f1"] is None
    assert agg["groundedness"] is None  # every answer is extractive: quotes are not judged

    # a backend that writes its own sentences is judged on them
    written = Answer("ok", "Two people died. Eight ate cake. [1]", (cite(1, 0, 23),), False, "x")
    rec = score_question(
        q_ok, written, latency=0.1, report_text=texts.get, evidence=evidence["ok"], k=1
    )
    assert rec.scores["groundedness"] == 0.5 and rec.counts["judged"] == 2
    assert "1 of 2 sentences not supported by their quotes" in rec.failures


def test_aggregate_edge_cases() -> None:
    assert set(aggregate([]).values()) == {None}
    # all unanswerable, all refused, no citations anywhere
    recs = [
        QuestionRecord(f"u{i}", "q", [], [], True, "The reports do not say.", True, "x", 0.1)
        for i in range(3)
    ]
    agg = aggregate(recs)
    assert agg["pass_rate"] == 1.0
    assert agg["abstention_recall"] == 1.0 and agg["abstention_precision"] == 1.0
    assert agg["citation_validity"] is None  # no citations: not measured, not 100%
    assert agg["fact_recall"] is None and agg["false_abstention_rate"] is None
    assert agg["groundedness"] is None
