"""Real processes: two schedulers on one database, a scheduler killed mid-run, web workers that
start no scheduler, and `make run`'s script starting and stopping the app and its scheduler."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from tests import factories
from tests.serving import REPO, AppProcess, app_env, free_port, get_status, gunicorn_command
from tracker.core import db
from tracker.core.models import GapSnapshot, JobRun, JobSchedule, as_utc, utcnow
from tracker.jobs.runner import Runner
from tracker.maintenance.demo import load_demo

FLASK = [sys.executable, "-m", "flask", "--app", "tracker"]
SCHEDULER = [*FLASK, "scheduler"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_schedulers_started_together_run_each_tick_exactly_once(database_url, session):
    factories.add_gap(session, "KHM-SME", requirement="720000.00")
    factories.add_gap(session, "KHM-AGRI", requirement="15000000.00")
    session.commit()
    env = app_env(database_url, TRACKER_RECOMPUTE_INTERVAL=2)
    schedulers = [AppProcess(SCHEDULER, env), AppProcess(SCHEDULER, env)]
    try:
        for scheduler in schedulers:
            scheduler.wait_for("started")
        watched_from = utcnow()
        time.sleep(9)
        watched_to = utcnow()
    finally:
        for scheduler in schedulers:
            scheduler.stop()
    by_tick = defaultdict(list)
    for tick, outcome, process in session.execute(
            select(JobRun.scheduled_for, JobRun.outcome, JobRun.process).where(JobRun.job == "recompute")):
        by_tick[as_utc(tick)].append((outcome, process))
    assert all([o for o, _ in runs].count("ok") == 1 for runs in by_tick.values()), by_tick
    watched = {tick: runs for tick, runs in by_tick.items()
               if watched_from < tick and tick + timedelta(seconds=2) < watched_to}
    assert len(watched) >= 3, by_tick
    for tick, runs in watched.items():
        assert sorted(outcome for outcome, _ in runs) == ["ok", "skipped"], (tick, runs)
        assert len({process for _, process in runs}) == 2, (tick, runs)


def test_a_recompute_killed_half_way_leaves_no_snapshot_and_the_next_run_completes(app, session, database_url):
    load_demo(session, 150, 0)
    session.commit()
    scheduler = AppProcess(SCHEDULER, app_env(database_url, TRACKER_RECOMPUTE_INTERVAL=1,
                                              TRACKER_RECOMPUTE_PAUSE_SECONDS=60))
    try:
        scheduler.wait_for("wrote 100 of 150 snapshots; pausing")
        with db.new_session() as reader:  # a read: SQLite lets it run beside the paused writer
            running = reader.scalar(select(JobRun).where(JobRun.outcome.is_(None)))
            assert running.job == "recompute" and running.process.endswith(f":{scheduler.popen.pid}")
    finally:
        assert scheduler.stop(signal.SIGKILL) == -signal.SIGKILL
    assert session.scalar(select(func.count()).select_from(GapSnapshot)) == 0
    session.commit()

    run = _run_once_lock_is_free(Runner(app.config))
    assert (run.outcome, run.rows_changed) == ("ok", 150)
    outcomes = session.execute(select(JobRun.outcome, JobRun.error).where(JobRun.outcome != "skipped")
                               .order_by(JobRun.id)).all()
    assert [o for o, _ in outcomes] == ["failed", "ok"] and outcomes[0].error.startswith("Interrupted")
    assert session.scalar(select(func.count()).select_from(GapSnapshot)) == 150


def _run_once_lock_is_free(runner: Runner, patience: float = 10) -> JobRun:
    """The next recompute. PostgreSQL frees a killed client's locks when its backend notices the
    closed socket, a matter of milliseconds: until then the run is (rightly) a skip."""
    deadline = time.monotonic() + patience
    while True:
        run = runner.run("recompute")
        if run.outcome != "skipped" or time.monotonic() > deadline:
            return run
        time.sleep(0.2)


def test_creating_the_web_app_starts_no_scheduler_thread(database_url):
    """As the dev server or a gunicorn worker would: create the app, serve a page, count threads."""
    probe = ("import sys, threading\n"
             "from tracker import create_app\n"
             "app = create_app()\n"
             "assert app.test_client().get('/login').status_code == 200\n"
             "print(threading.active_count(), 'apscheduler' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=app_env(database_url), capture_output=True,
                            text=True, timeout=60)
    assert result.stdout.split() == ["1", "False"], result.stderr


def test_gunicorn_workers_run_a_single_thread_each(database_url):
    port = free_port()
    gunicorn = AppProcess(gunicorn_command(port, workers=2), app_env(database_url))
    try:
        workers = [int(gunicorn.wait_for("Booting worker with pid").split()[-1]) for _ in range(2)]
        for _ in range(4):
            assert get_status(f"http://127.0.0.1:{port}/login") == 200
        assert [len(os.listdir(f"/proc/{pid}/task")) for pid in workers] == [1, 1]
    finally:
        gunicorn.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_make_runs_script_starts_web_and_scheduler_and_ctrl_c_stops_both(database_url, session):
    port = free_port()
    env = app_env(database_url, PORT=port, FLASK=" ".join(FLASK))
    local = AppProcess([str(REPO / "scripts" / "run-local")], env)
    try:
        assert get_status(f"http://127.0.0.1:{port}/") == 200
        local.wait_for("Scheduler")  # its start-up line
        for _ in range(150):  # up to 30 s of patience: how long to wait, not a speed it must reach
            if session.scalar(select(func.count()).select_from(JobSchedule)):  # it reached the database
                break
            session.commit()
            time.sleep(0.2)
        else:
            pytest.fail("The scheduler never reported to the database; its output:\n" + "".join(local.output))
        session.commit()
    finally:
        status = local.stop(signal.SIGINT)  # what Ctrl-C sends to the terminal's foreground group
    assert status == 130
    with pytest.raises(ProcessLookupError):
        os.killpg(local.popen.pid, 0)  # nothing of the group is left running
    assert "Scheduler" in "".join(local.output) and "stopped" in "".join(local.output)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_no_advisory_lock_outlives_a_run(app, session):
    Runner(app.config).run("recompute")
    assert session.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")) == 0
