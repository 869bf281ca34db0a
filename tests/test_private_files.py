"""Files the tracker writes are its account's alone (0600), after a real run: init-db, a write
(the WAL and SHM exist while a connection is open), a backup and an upload. The umask is put
back to a loose 022 after the app is created, as a server might, so that what is checked is
the explicit 0600 of each file, not only the umask create_app sets."""
from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import factories
from tests.conftest import FormClient, sign_in
from tests.imports import files
from tracker import create_app
from tracker.core import db


@pytest.fixture
def umask() -> Iterator[None]:
    """The process umask is put back as it was after the test."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def sqlite_app(tmp_path, umask):
    database = tmp_path / "tracker.sqlite3"
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "test-secret",
                      "TRACKER_SEED": "ilo-cambodia"})
    app.instance_path = str(tmp_path)
    os.umask(0o022)  # as a server resetting it after start-up would
    yield app, database
    app.extensions["tracker.engine"].dispose()


def test_the_database_its_wal_and_shm_and_a_backup_are_private(sqlite_app, tmp_path):
    app, database = sqlite_app
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    with db.new_session(write=True) as session:
        factories.add_gap(session, "KHM-NEW")
        session.commit()  # the session's connection stays open in the pool: WAL and SHM are there
        written = {path.name: mode(path) for path in tmp_path.glob("tracker.sqlite3*")}
    assert written == {"tracker.sqlite3": 0o600, "tracker.sqlite3-wal": 0o600, "tracker.sqlite3-shm": 0o600}
    backup = tmp_path / "tracker.backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    assert mode(backup) == 0o600


def test_a_backup_is_private_on_either_database(runner, tmp_path, umask):
    """pg_dump writes into the file the command created 0600."""
    os.umask(0o022)
    backup = tmp_path / "tracker.backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    assert mode(backup) == 0o600 and backup.stat().st_size > 0


def test_an_uploads_temporary_file_is_private(sqlite_app):
    """Werkzeug keeps an upload over 500 kB in a temporary file while the request reads it."""
    app, _database = sqlite_app
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    seen = []

    @app.after_request
    def _modes(response):
        from flask import request

        seen.extend(stat.S_IMODE(os.fstat(upload.stream.fileno()).st_mode) for upload in request.files.values())
        return response

    with db.new_session(write=True) as session:
        editor = factories.add_user(session)
        session.commit()
    browser = app.test_client()
    sign_in(browser, editor)
    rows = [[f"Donor {n}", "KHM-SME", "1000.00", "USD", "", "Pledged", "2026-01-15", f"R-{n}"] for n in range(12_000)]
    content = files.csv_file(rows)
    assert len(content) > 500 * 1024
    response = FormClient(browser).post("/import", {"spreadsheet": (io.BytesIO(content), "big.csv")})
    assert response.status_code < 500
    assert seen == [0o600]


def test_create_app_tightens_the_umask_and_keeps_a_stricter_one(tmp_path, umask):
    for before, after in ((0o022, 0o077), (0o277, 0o277)):
        os.umask(before)
        app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                          "SECRET_KEY": "x", "TRACKER_SEED": ""})
        app.extensions["tracker.engine"].dispose()
        assert os.umask(0o022) == after
