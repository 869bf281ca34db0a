"""A backup restored into an empty database gives the same figures; restores never overwrite."""
from __future__ import annotations

from tests import factories
from tracker import create_app
from tracker.core.figures import donor_figures, gap_figures


def _figures(app):
    from tracker.core import db

    with db.new_session() as session:
        return gap_figures(session), donor_figures(session)


def test_backup_then_restore_gives_the_same_figures(app, session, runner, empty_database, tmp_path):
    gap = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    made = factories.add_contribution(session, gap, "1000000", currency="JPY", rate="150", donor="Japan")
    factories.add_payment(session, made, "400000", rate="155")
    factories.add_contribution(session, gap, "5000.00", status="pledged", donor="Sweden")
    session.commit()
    before = _figures(app)
    path = tmp_path / "tracker.backup"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output

    restored = create_app({"DATABASE_URL": empty_database, "SECRET_KEY": "x", "TRACKER_SEED": ""})
    try:
        result = restored.test_cli_runner().invoke(args=["restore", str(path)])
        assert result.exit_code == 0, result.output
        assert _figures(restored) == before
    finally:
        restored.extensions["tracker.engine"].dispose()


def test_a_restore_never_overwrites_records(app, session, runner, tmp_path):
    factories.add_gap(session, "KHM-SME")
    session.commit()
    path = tmp_path / "tracker.backup"
    runner.invoke(args=["backup", str(path)])
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code != 0 and "already holds records" in result.output


def test_a_backup_never_overwrites_a_file(runner, tmp_path):
    path = tmp_path / "existing.backup"
    path.write_text("keep me")
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code != 0 and "exists" in result.output
    assert path.read_text() == "keep me"
