"""The upload handler reads only what was uploaded: a client naming a server path (the project's
README, a key file) gets it refused, and nothing is ingested from it (issue 14, U1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradio.utils import get_upload_folder

from assistant import Assistant, Settings
from assistant.ui.handlers import Handlers, uploaded_only

from .conftest import REPO


def no_progress(*args: object, **kwargs: object) -> None:
    return None


@pytest.fixture
def handlers(tmp_path: Path, embedder) -> Handlers:
    return Handlers(Assistant(Settings(data_dir=tmp_path / "d", ui_editors="*"), embedder=embedder))


def test_a_server_path_named_by_the_client_is_refused_and_not_read(handlers: Handlers) -> None:
    with pytest.warns(UserWarning, match="could not be ingested"):
        _, status, *_ = handlers.upload(
            [str(REPO / "README.md")], False, None, progress=no_progress
        )
    assert handlers.assistant.reports() == []
    assert "README.md" in status and "not a file uploaded through this page" in status


def test_a_file_in_the_upload_folder_is_ingested(handlers: Handlers, tmp_path: Path) -> None:
    folder = Path(get_upload_folder()) / f"test-{tmp_path.name}"
    folder.mkdir(parents=True, exist_ok=True)
    upload = folder / "harbour.txt"
    upload.write_text("Harbour log\n\nThe pilot boat towed the ferry into dock.\n", "utf-8")
    handlers.upload([str(upload)], False, None, progress=no_progress)
    assert [r.id for r in handlers.assistant.reports()] == ["harbour.txt"]
    assert not upload.exists() and not folder.exists(), "the uploaded copy is cleaned up"
    assert REPO.joinpath("README.md").exists()


def _uploaded(tmp_path: Path, tag: str, name: str, text: str) -> Path:
    """A file where Gradio puts an upload: its own folder inside the upload folder."""
    folder = Path(get_upload_folder()) / f"test-{tag}-{tmp_path.name}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def test_a_different_document_with_a_taken_name_is_added_beside_it_unless_replace_is_ticked(
    handlers: Handlers, tmp_path: Path
) -> None:
    first = "Harbour log\n\nThe pilot boat towed the ferry into dock.\n"
    second = "Harbour log\n\nA storm closed the harbour mouth on Sunday.\n"
    third = "Harbour log\n\nThe dredger finished the channel on Monday.\n"
    handlers.upload([str(_uploaded(tmp_path, "a", "log.txt", first))], False, None, no_progress)
    handlers.upload([str(_uploaded(tmp_path, "b", "log.txt", second))], False, None, no_progress)
    reports = {r.id: handlers.assistant.report(r.id).text for r in handlers.assistant.reports()}
    assert set(reports) == {"log.txt", "log-2.txt"}
    assert "pilot boat" in reports["log.txt"] and "storm" in reports["log-2.txt"]
    handlers.upload([str(_uploaded(tmp_path, "c", "log.txt", first))], False, None, no_progress)
    assert len(handlers.assistant.reports()) == 2, "the same document again is unchanged"
    handlers.upload([str(_uploaded(tmp_path, "d", "log.txt", third))], True, None, no_progress)
    assert [r.id for r in handlers.assistant.reports()] == ["log-2.txt", "log.txt"]
    assert "dredger" in handlers.assistant.report("log.txt").text


def test_links_out_of_the_upload_folder_are_refused(tmp_path: Path) -> None:
    folder = Path(get_upload_folder()) / f"test-link-{tmp_path.name}"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "secret.txt"
    link.symlink_to(REPO / "README.md")
    try:
        assert uploaded_only([link]) == ([], ["secret.txt"])
    finally:
        link.unlink()
        folder.rmdir()


def test_without_editor_rights_an_upload_is_refused_by_the_server_and_discarded(
    tmp_path: Path, embedder
) -> None:
    reader = Handlers(Assistant(Settings(data_dir=tmp_path / "d"), embedder=embedder))
    path = _uploaded(tmp_path, "r", "note.txt", "Note\n\nThe ferry was late.\n")
    _, status, *_ = reader.upload([str(path)], True, None, None, no_progress)
    assert "not enabled for you" in status and reader.assistant.reports() == []
    assert not path.exists()
    status, *_ = reader.remove("note.txt", None, None)
    assert "not enabled for you" in status


def test_serving_beyond_loopback_without_a_login_prints_a_loud_warning(
    tmp_path: Path, embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.ui import launch

    from .conftest import free_port

    a = Assistant(Settings(data_dir=tmp_path / "d"), embedder=embedder)
    app = launch(a, "0.0.0.0", free_port(), block=False)
    app.close()
    assert "WARNING: the UI is served on 0.0.0.0 without a login" in capsys.readouterr().err
    guarded = Assistant(Settings(data_dir=tmp_path / "e", ui_auth="ed:pw"), embedder=embedder)
    app = launch(guarded, "0.0.0.0", free_port(), block=False)
    app.close()
    assert "WARNING" not in capsys.readouterr().err
