"""The runner: one run per tick however many processes, the job history, failures and outages."""
from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.core import db
from tracker.core.models import GapSnapshot, Instalment, JobRequest, JobRun, utcnow
from tracker.jobs import JOBS, locks, runs
from tracker.jobs.runner import Runner

NOON = datetime(2031, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def client(client_as):
    """Jobs are the admins' business: here the browser is an admin's."""
    return client_as("admin")


@pytest.fixture
def runner(app) -> Runner:
    return Runner(app.config, process="here:1")


@pytest.fixture
def gap(session):
    made = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    session.commit()
    return made


def history(session) -> list[tuple[str, str | None, str]]:
    """(job, outcome, summary or error) of every run, oldest first; ends the read transaction."""
    found = [(r.job, r.outcome, r.error or r.summary) for r in session.scalars(select(JobRun).order_by(JobRun.id))]
    session.commit()
    return found


def snapshot_count(session) -> int:
    count = session.scalar(select(func.count()).select_from(GapSnapshot))
    session.commit()
    return count


def test_a_run_is_recorded_with_what_it_changed(runner, session, gap):
    run = runner.run("recompute")
    assert (run.outcome, run.rows_changed, run.process) == ("ok", 1, "here:1")
    assert history(session) == [("recompute", "ok", "1 snapshot(s) written.")]


def test_a_lock_held_elsewhere_makes_the_run_a_skip(app, runner, session, gap):
    engine = db.current_engine()
    with locks.job_lock(engine, "recompute", "elsewhere:42", utcnow(), 3600) as claim:
        assert claim.held
        run = runner.run("recompute")
    assert (run.outcome, run.summary) == ("skipped", "held by elsewhere:42")
    assert snapshot_count(session) == 0
    assert runner.run("recompute").outcome == "ok"  # released at the end of the block


def test_a_tick_that_ran_is_not_run_again_by_a_later_process(app, session, gap):
    first = Runner(app.config, process="first:1", clock=lambda: NOON)
    late = Runner(app.config, process="late:2", clock=lambda: NOON + timedelta(seconds=3))
    assert first.run_scheduled("recompute", 900).outcome == "ok"
    skipped = late.run_scheduled("recompute", 900)
    assert skipped.outcome == "skipped" and "already ran in first:1" in skipped.summary
    assert late.run_scheduled("overdue", 900).outcome == "ok"  # another job, its own ticks


def test_a_failing_job_keeps_nothing_and_records_its_error(runner, session, gap, monkeypatch):
    recompute = JOBS["recompute"].run

    def write_then_fail(session, context):
        recompute(session, context)
        raise RuntimeError("exchange-rate feed answered nonsense")

    monkeypatch.setitem(JOBS, "recompute", dataclasses.replace(JOBS["recompute"], run=write_then_fail))
    run = runner.run("recompute")
    assert run.outcome == "failed" and run.error == "RuntimeError: exchange-rate feed answered nonsense"
    assert snapshot_count(session) == 0
    assert history(session) == [("recompute", "failed", "RuntimeError: exchange-rate feed answered nonsense")]


def test_a_run_left_unfinished_by_a_dead_process_is_closed_as_failed(runner, session, gap):
    session.add(JobRun(job="recompute", started_at=utcnow(), process="gone:9", summary=""))
    session.commit()
    runner.run("recompute")
    assert [(outcome, text.split(":")[0]) for _, outcome, text in history(session)] == \
        [("failed", "Interrupted"), ("ok", "1 snapshot(s) written.")]


def test_an_unreachable_database_is_recorded_once_it_is_back(app, runner, session, gap, database_url, tmp_path):
    good = db.current_engine()
    unreachable = ("postgresql+psycopg://postgres@127.0.0.1:1/nowhere" if database_url.startswith("postgresql")
                   else f"sqlite:///{tmp_path / 'no-such-folder' / 'x.sqlite3'}")
    db.bind(db.make_engine(unreachable))
    try:
        down = runner.run("recompute")
    finally:
        db.bind(good)
    assert down.outcome == "failed" and "could not be reached" in down.error
    assert history(session) == []
    assert runner.run("recompute").outcome == "ok"  # the scheduler carries on; the next tick works
    assert [outcome for _, outcome, _ in history(session)] == ["failed", "ok"]
    assert runner.unrecorded == []


def test_overdue_job_on_a_frozen_clock(app, session, gap):
    made = factories.add_contribution(session, gap, "1000.00")
    factories.add_schedule(session, made, 4, "monthly", date(2031, 1, 31))
    session.commit()
    run = Runner(app.config, clock=lambda: NOON).run("overdue")
    assert (run.outcome, run.rows_changed) == ("ok", 3)  # instalments 1 and 2, and the contribution
    assert f"contribution {made.id} no. 1, contribution {made.id} no. 2" in run.summary
    statuses = session.scalars(select(Instalment.status).order_by(Instalment.number)).all()
    session.commit()
    assert statuses == ["overdue", "overdue", "pending", "pending"]
    assert Runner(app.config, clock=lambda: NOON).run("overdue").rows_changed == 0


def test_run_now_is_queued_by_the_web_and_run_by_the_scheduler(forms, runner, session, gap):
    token = forms.token("/admin/jobs")
    response = forms.client.post("/admin/jobs/recompute/run", data={"csrf_token": token})
    assert response.status_code == 302
    assert history(session) == []  # the web worker ran nothing
    forms.client.post("/admin/jobs/recompute/run", data={"csrf_token": token})  # pressed twice: one request
    [done] = runner.serve_requests()
    assert done.outcome == "ok" and done.scheduled_for is None
    request = session.scalar(select(JobRequest))
    session.commit()
    assert (request.claimed_by, request.run_id) == ("here:1", done.id)
    assert runner.serve_requests() == []


def test_run_now_without_its_csrf_token_is_refused(client, session):
    assert client.post("/admin/jobs/recompute/run").status_code == 400
    assert session.scalar(select(func.count()).select_from(JobRequest)) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_lock_of_a_dead_local_process_or_past_its_expiry_is_taken_over(app, runner, session, gap):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with locks.job_lock(db.current_engine(), "recompute", f"{socket.gethostname()}:{dead.pid}", utcnow(), 3600):
        assert runner.run("recompute").outcome == "ok"
    with locks.job_lock(db.current_engine(), "recompute", "other-machine:7", utcnow() - timedelta(hours=2), 3600):
        assert runner.run("recompute").outcome == "ok"
    with locks.job_lock(db.current_engine(), "recompute", "other-machine:7", utcnow(), 3600):
        assert runner.run("recompute").summary == "held by other-machine:7"


def test_the_job_history_as_json(client, runner, session, gap):
    runner.run("recompute")
    runner.run("overdue")
    found = client.get("/api/v1/jobs/runs").json
    assert [(r["job"], r["outcome"], r["rows_changed"], r["error"]) for r in found] == \
        [("overdue", "ok", 0, None), ("recompute", "ok", 1, None)]
    assert set(found[0]) >= {"job", "started_at", "finished_at", "outcome", "rows_changed", "error"}
    assert found[0]["started_at"].endswith("+00:00")
    assert [r["job"] for r in client.get("/api/v1/jobs/runs?job=recompute&limit=1").json] == ["recompute"]
    assert client.get("/api/v1/jobs/runs?limit=0").status_code == 400
    assert client.get("/api/v1/jobs/runs?job=nope").status_code == 400


def test_the_admin_page_lists_jobs_runs_and_errors(client, runner, session, gap, monkeypatch):
    def fail(session, context):
        raise RuntimeError("boom")

    monkeypatch.setitem(JOBS, "overdue", dataclasses.replace(JOBS["overdue"], run=fail))
    runner.run("recompute")
    runner.run("overdue")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "No scheduler is running" in page
    for job in JOBS.values():
        assert job.title in page and job.interval_setting in page
    assert "every 15 minutes" in page and "RuntimeError: boom" in page and "1 snapshot(s) written." in page
    with db.writing() as writing:
        runs.report_schedule(writing, [("recompute", 900, NOON)], "sched-host:5", utcnow())
    assert "A scheduler is running: sched-host:5" in client.get("/admin/jobs").get_data(as_text=True)
