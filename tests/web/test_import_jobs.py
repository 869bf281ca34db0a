"""Imports that never block the office: a preview only reads, saves made during an import all
succeed, and a large import is recorded by the scheduler behind a page that follows it."""
from __future__ import annotations

import re
import sqlite3
import time
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from tests import factories, office
from tests.imports import files
from tests.imports.test_recording import edit_gap
from tests.jobs.test_processes import SCHEDULER, AppProcess, app_env
from tests.web.test_imports import count, submit, upload
from tracker.core import db
from tracker.core.models import AuditEntry, Contribution, ImportJob, utcnow
from tracker.imports import queue
from tracker.jobs import runs
from tracker.jobs.runner import Runner

EDITOR = "officer@example.org"
#: Rows of the file imported while editors save: enough that recording it one row at a time in one
#: transaction, as imports used to, outlasted the busy timeout below.
ROWS = 3_000


#: A busy timeout shorter than the default 15 s: a save that waits for the write lock that
#: long fails here, as it would have behind an import holding the lock while it ran.
pytestmark = pytest.mark.settings(SQLITE_BUSY_TIMEOUT_MS=5_000)


@pytest.fixture
def gap(session):
    made = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    session.commit()
    return made


def many_rows(rows: int) -> bytes:
    """A file of ``rows`` distinct contributions of 60 donors, none of them on file yet."""
    return files.csv_file([[f"Import donor {n % 60}", "KHM-SME", f"{1_000 + n}.50", "USD", None, "committed",
                            datetime(2026, 1, 1 + n % 28), f"IMP-{n}"] for n in range(rows)])


@pytest.fixture
def large(app):
    """Imports of more than two rows go to the scheduler."""
    app.config["IMPORT_JOB_ROWS"] = 2


def progress(forms, url: str):
    return forms.client.get(url + "/progress")


def scheduler_seen(process: str = "scheduler-host:1") -> None:
    """What a running scheduler reports at every poll."""
    with db.writing() as session:
        runs.report_schedule(session, [("recompute", 900, None)], process, utcnow())


def test_a_large_import_waits_for_the_scheduler_which_records_it_once(app, forms, session, gap, large):
    url = upload(forms, files.csv_file(files.CLEAN), "a.csv")
    queued = submit(forms, url, "confirm")
    assert queued.status_code == 302 and queued.headers["Location"].endswith("/progress")
    page = progress(forms, url).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in page and ">queued<" in page
    assert "No scheduler is running, so the import waits for one." in page
    assert count(session, Contribution) == 0

    scheduler_seen()
    assert "Waiting for the scheduler (scheduler-host:1)" in progress(forms, url).get_data(as_text=True)
    [job_id] = Runner(app.config, process="scheduler-host:1").serve_imports()

    finished = progress(forms, url)
    assert finished.status_code == 302 and finished.headers["Location"].endswith("/done")
    summary = forms.client.get(finished.headers["Location"]).get_data(as_text=True)
    assert re.search(r"Imported</dt><dd>3<", summary)
    assert count(session, Contribution) == 3
    assert set(session.scalars(select(AuditEntry.actor).where(AuditEntry.record_type == "contribution"))) == {
        "editor@example.org"}  # the person who confirmed it, not the scheduler
    session.commit()

    assert queue.record_job(job_id, app.config) == "done"  # run twice: nothing added
    assert Runner(app.config, process="scheduler-host:2").serve_imports() == []
    assert count(session, Contribution) == 3
    assert submit(forms, url, "confirm").headers["Location"].endswith("/done")  # Back, Import again: nothing
    assert count(session, ImportJob) == 1


def test_a_double_confirmation_queues_one_job(forms, session, gap, large):
    url = upload(forms, files.csv_file(files.CLEAN), "a.csv")
    assert submit(forms, url, "confirm").status_code == submit(forms, url, "confirm").status_code == 302
    assert count(session, ImportJob) == 1


def test_a_large_import_with_problems_is_refused_by_its_job_with_every_reason(app, forms, session, gap, large):
    url = upload(forms, files.csv_file(files.WITH_ERRORS), "e.csv")
    submit(forms, url, "confirm")
    Runner(app.config).serve_imports()
    page = progress(forms, url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and ">refused<" in text and 'http-equiv="refresh"' not in text
    assert "Nothing was imported: 5 row(s) have problems." in text
    assert re.findall(r'<tr><td class="num">(\d+)</td>', text) == ["5", "6", "7", "8", "9"]
    assert "Funding: The amount must be more than zero." in text
    assert count(session, Contribution) == 0


def test_a_gap_closed_between_the_preview_and_the_import_refuses_it(forms, session, gap):
    url = upload(forms, files.csv_file(files.CLEAN), "a.csv")
    assert submit(forms, url, "preview").status_code == 200
    edit_gap(session, "KHM-SME", status="closed")
    session.commit()
    refused = submit(forms, url, "confirm")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Nothing was imported" in page
    assert page.count("The funding gap KHM-SME is closed.") == 3
    assert count(session, Contribution) == 0


def test_a_gap_closed_after_the_confirmation_refuses_the_import_when_its_job_runs(app, forms, session, gap, large):
    url = upload(forms, files.csv_file(files.CLEAN), "a.csv")
    submit(forms, url, "confirm")
    edit_gap(session, "KHM-SME", status="closed")
    session.commit()
    Runner(app.config).serve_imports()
    text = progress(forms, url).get_data(as_text=True)
    assert "Nothing was imported: 3 row(s) have problems." in text and "The funding gap KHM-SME is closed." in text
    assert count(session, Contribution) == 0


def test_a_scheduler_process_records_a_queued_import(app, forms, session, gap, large, database_url):
    url = upload(forms, files.csv_file(files.CLEAN), "a.csv")
    submit(forms, url, "confirm")
    scheduler = AppProcess(SCHEDULER, app_env(database_url, TRACKER_RUN_NOW_POLL_INTERVAL=1))
    try:
        scheduler.wait_for("started")
        for _ in range(150):  # up to 30 s of patience: how long to wait, not a speed it must reach
            if progress(forms, url).status_code == 302:
                break
            time.sleep(0.2)
        else:
            pytest.fail("The import was never recorded; the scheduler said:\n" + "".join(scheduler.output))
    finally:
        scheduler.stop()
    assert count(session, Contribution) == 3


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_preview_answers_while_another_writer_holds_the_write_lock(app, forms, session, gap):
    url = upload(forms, files.csv_file(files.CLEAN), "a.csv")
    submit(forms, url, "preview")  # the columns chosen are remembered: the next preview writes nothing at all
    holder = sqlite3.connect(make_url(app.config["DATABASE_URL"]).database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # as a long save would hold it
        preview = submit(forms, url, "preview")
    finally:
        holder.rollback()
        holder.close()
    assert preview.status_code == 200 and re.search(r"Ready to import</dt><dd>3<", preview.get_data(as_text=True))


def test_saves_made_during_an_import_all_succeed_and_none_is_lost(app, session, gap, live_server):
    app.config["IMPORT_JOB_ROWS"] = ROWS  # recorded by the request itself, the longest a request holds the lock
    factories.add_user(session, EDITOR, "editor")
    session.commit()
    editors, content = 5, many_rows(ROWS)
    browsers = office.signed_in_one_by_one(live_server, EDITOR, editors)
    answer, saves = office.saving_while(live_server, browsers, "KHM-SME", at_least=3,
                                        meanwhile=lambda: office.import_file(live_server, EDITOR, "large.csv", content))
    for browser in browsers:
        browser.close()
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/done"), answer.text[-2000:]
    assert [s.errors for s in saves] == [[]] * editors
    saved = {reference for s in saves for reference in s.saved}
    stored = set(session.scalars(select(Contribution.reference).where(Contribution.reference.like("E%"))))
    assert stored == saved and len(saved) >= 3 * editors
    assert session.scalar(select(func.count()).select_from(Contribution)) == ROWS + len(saved)
    imported_cents = select(func.sum(Contribution.amount_minor)).where(Contribution.reference.like("IMP-%"))
    assert session.scalar(imported_cents) == sum(100_050 + 100 * n for n in range(ROWS))  # 1,000.50 + n each
    session.commit()
