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
    return Handlers(Assistant(Settings(data_dir=tmp_path / "d"), embedder=embedder))


def test_a_server_path_named_by_the_client_is_refused_and_not_read(handlers: Handlers) -> None:
    with pytest.warns(UserWarning, match="could not be ingested"):
        _, status, *_ = handlers.upload([str(REPO / "README.md")], None, progress=no_progress)
    assert handlers.assistant.reports() == []
    assert "README.md" in status and "not a file uploaded through this page" in status


def test_a_file_in_the_upload_folder_is_ingested(handlers: Handlers, tmp_path: Path) -> None:
    folder = Path(get_upload_folder()) / f"test-{tmp_path.name}"
    folder.mkdir(parents=True, exist_ok=True)
    upload = folder / "harbour.txt"
    upload.write_text("Harbour log\n\nThe pilot boat towed the ferry into dock.\n", "utf-8")
    try:
        handlers.upload([str(upload)], None, progress=no_progress)
        assert [r.id for r in handlers.assistant.reports()] == ["harbour.txt"]
    finally:
        upload.unlink()
        folder.rmdir()


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
