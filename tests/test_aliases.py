"""Names learned from the reports: a question may use any name a report defines for a thing.

Every test here runs on invented organisations and places, so none can pass by knowing the sample.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.aliases import AliasTable, learn_aliases, learn_names
from assistant.cli import main

DEPOT = (
    "Fighting near Selmo\n\n"
    "Fighters of the Orlan Liberation Front (Tavrik) clashed with border guards near Selmo on "
    "Tuesday, residents said.\n\n"
    "Tavrik fighters seized the grain depot at Selmo after a night of shelling, the regional "
    "council said on Wednesday.\n\n"
    "The council added that the river crossing at Varna stayed open to traffic.\n"
)
WATER = (
    "Reservoir levels fall\n\n"
    "The Northern Valley Water Authority (NVWA) said on Monday that the Brenna reservoir had "
    "fallen to 31 percent of capacity.\n\n"
    "The Ridgeway Water Board, also known as the Highland Board, ordered hosepipe restrictions "
    "for the whole of Ridgeway county.\n\n"
    "Kestrel Mining Company blamed the drought, while the KMC chairman promised new wells.\n"
)


def test_a_report_defines_names_by_parentheses_known_as_and_initials() -> None:
    pairs = learn_aliases(WATER + DEPOT)
    assert ("Northern Valley Water Authority", "NVWA") in pairs
    assert ("Ridgeway Water Board", "Highland Board") in pairs
    assert ("Kestrel Mining Company", "KMC") in pairs, "an acronym spelled by a name's initials"
    assert ("Orlan Liberation Front", "Tavrik") in pairs, "'Fighters of the' is not in the name"


def test_asides_in_parentheses_are_not_names() -> None:
    text = "Prices rose in 2019 (the year of the floods) and again in Brenna (by 4 percent)."
    assert learn_aliases(text) == []


def test_a_question_may_use_the_acronym_of_a_name_the_reports_never_abbreviate() -> None:
    table = AliasTable.build(learn_aliases(DEPOT), learn_names(DEPOT))
    words = table.query_words("What did the OLF seize?")
    assert "tavrik" in words and "orlan" in words


@pytest.fixture
def invented(tmp_path: Path, embedder) -> tuple[Assistant, Path]:
    corpus = tmp_path / "reports"
    corpus.mkdir()
    (corpus / "depot.txt").write_text(DEPOT, encoding="utf-8")
    (corpus / "water.txt").write_text(WATER, encoding="utf-8")
    a = Assistant(Settings(data_dir=tmp_path / "data", corpus_dir=corpus), embedder=embedder)
    a.ingest([corpus])
    return a, corpus


def test_an_answer_found_under_another_name_of_the_same_group(invented) -> None:
    a, _ = invented
    for name in ("Orlan Liberation Front", "OLF", "Tavrik"):
        answer = a.ask(f"What did the {name} seize?")
        assert not answer.abstained, name
        assert any("grain depot" in c.quote for c in answer.citations), name


def test_aliases_follow_every_update_and_removal(invented, tmp_path: Path) -> None:
    a, corpus = invented
    groups = [set(g.names) for g in a.aliases().groups]
    assert {"Orlan Liberation Front", "Tavrik"} in groups
    (corpus / "depot.txt").write_text(DEPOT.replace(" (Tavrik)", ""), encoding="utf-8")
    a.ingest([corpus])
    assert {"Orlan Liberation Front", "Tavrik"} not in [set(g.names) for g in a.aliases().groups]
    a.remove("water.txt")
    assert all("NVWA" not in g.names for g in a.aliases().groups)


def test_the_aliases_command_lists_the_learned_groups(
    invented, tmp_path: Path, capsys, monkeypatch
):
    _, corpus = invented
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(corpus))
    assert main(["aliases"]) == 0
    assert "Northern Valley Water Authority = NVWA" in capsys.readouterr().out
    assert main(["aliases", "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)
    assert ["Ridgeway Water Board", "Highland Board"] in groups
