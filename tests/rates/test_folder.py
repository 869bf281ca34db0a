"""The ``rates`` job: each file dropped in TRACKER_RATES_DIR is loaded once, a bad one refused once."""
from __future__ import annotations

import shutil

from sqlalchemy import func, select

from tests.rates import samples
from tracker.core.models import AuditEntry, ExchangeRate, RateFileLoad
from tracker.jobs.runner import Runner


def count(session, model=ExchangeRate):
    return session.scalar(select(func.count()).select_from(model))


def test_each_new_file_is_loaded_once_and_a_broken_one_refused(app, session, tmp_path):
    app.config["TRACKER_RATES_DIR"] = str(tmp_path)
    for sample in (samples.UN, samples.ECB, samples.ECB_BROKEN):
        shutil.copy(sample, tmp_path / sample.name)
    (tmp_path / "notes.txt").write_text("not a rate file")
    (tmp_path / "rates.csv").write_text(samples.ECB.read_text())
    runner = Runner(app.config, process="here:1")

    first = runner.run("rates")
    assert first.outcome == "ok", first.error
    assert count(session) == 7 + 11
    outcomes = dict(session.execute(select(RateFileLoad.name, RateFileLoad.outcome)).all())
    session.rollback()
    assert outcomes["eurofxref-hist.csv"].startswith("11 added")
    assert outcomes["eurofxref-broken.csv"].startswith("refused, nothing imported: Row 3, column A")
    assert outcomes["rates.csv"].startswith("refused: name it")
    assert "notes.txt" not in outcomes

    shutil.copy(samples.UN, tmp_path / "un-operational-renamed.csv")
    entries = count(session, AuditEntry)
    session.rollback()
    second = runner.run("rates")
    assert (second.outcome, second.summary) == ("ok", "No new rate file.")
    assert count(session) == 18 and count(session, RateFileLoad) == 4 and count(session, AuditEntry) == entries


def test_without_a_folder_the_job_loads_nothing(app, session):
    app.config["TRACKER_RATES_DIR"] = ""
    run = Runner(app.config, process="here:1").run("rates")
    assert run.outcome == "ok" and "TRACKER_RATES_DIR" in run.summary
