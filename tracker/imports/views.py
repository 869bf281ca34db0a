"""Importing contributions from a spreadsheet: upload → columns → preview → import.

The upload is kept in the database under a random token (``tracker.imports.uploads``) so
that any web worker can serve the next step. Nothing is written to the ledger until the user
presses Import; then every row is recorded, or none is (``tracker.imports.recording``).

An OCHA FTS flow export is recognised by its headers and goes to the FTS import's pages
(``tracker.fts.views``), which map its plans to gaps instead of columns to targets.

The columns page reads through ``reading()``, never the request's write session: a preview
only reads, and so never holds SQLite's write lock. An import of more than ``IMPORT_JOB_ROWS``
rows is queued for the scheduler (``tracker.imports.queue``) and the browser lands on its
progress page, which reloads itself (``<meta http-equiv="refresh">``: no script) until the
import is done, and then shows the same result page as an import recorded at once.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from tracker.core.errors import InvalidInput
from tracker.core.models import Gap, GapStatus, ImportJobState, utcnow
from tracker.fts.flows import is_fts_layout
from tracker.fts.report import is_fts_result
from tracker.imports import mapping, queue, recording, uploads
from tracker.imports.files import Table, UnreadableFile, read_upload
from tracker.imports.forms import MappingForm, UploadForm
from tracker.imports.report import write_skipped_report, write_template
from tracker.imports.run import Choices, ImportConflict
from tracker.jobs import runs
from tracker.web import actor, reading, session
from tracker.web.access import EDITORS, allow
from tracker.web.downloads import send_workbook
from tracker.web.saving import Save, render_form

bp = Blueprint("imports", __name__, url_prefix="/import", template_folder="templates")


def _read(filename: str, content: bytes):
    return read_upload(filename, content, current_app.config)


def upload_or_404(token: str):
    """The upload kept under ``token``; a 404 once it has expired (the FTS import's pages too)."""
    found = uploads.find_upload(reading(), token)
    if found is None:
        abort(404, description="This upload has expired or does not exist. Upload the file again.")
    return found


def _check_readable(filename: str, content: bytes) -> Table:
    """A file the import cannot read is refused beside the file field, before anything is kept."""
    try:
        return _read(filename, content)
    except UnreadableFile as error:
        raise InvalidInput("spreadsheet", str(error)) from None


@bp.route("", methods=["GET", "POST"])
@allow(EDITORS)
def upload():
    form = UploadForm()
    save = Save(form)
    if form.validate_on_submit():
        file = form.spreadsheet.data
        content = file.read()
        with save:
            table = _check_readable(file.filename, content)
            kept = uploads.store_upload(session(), file.filename, content, current_app.config["IMPORT_KEEP_HOURS"])
        if save.done and is_fts_layout(table.headers):
            flash(f"{file.filename} is an OCHA FTS flow export: choose the funding gap of each plan, then preview.",
                  "success")
            return redirect(url_for("fts.plans_page", token=kept.token))
        if save.done:
            flash(f"{file.filename} uploaded: choose which column holds what, then preview.", "success")
            return redirect(url_for("imports.columns", token=kept.token))
    return save.page("imports/import_upload.html")


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    """Refused before the body is read: the message beside the file field, like any bad input."""
    form = UploadForm(formdata=None)  # with a fresh CSRF token, so the next try goes through
    limit = current_app.config["MAX_CONTENT_LENGTH"] / 1_048_576
    form.spreadsheet.errors = [f"The file is larger than the {limit:,.0f} MB allowed. Split it, or load it with "
                               "the command `flask --app tracker import-contributions`."]
    return render_form("imports/import_upload.html", form, 413)


@bp.get("/template.xlsx")
@allow(EDITORS)
def template():
    return send_workbook(write_template, "contributions-import-template.xlsx")


def gap_choices():
    """The open gaps as (code, "code — title") choices, for a file's rows here and an FTS file's plans."""
    return list(reading().execute(
        select(Gap.code, Gap.code + " — " + Gap.title).where(Gap.status == GapStatus.OPEN.value).order_by(Gap.code)))


def stored_table(kept):
    """The table of a kept upload; a file the current limits refuse is a 400, never a 500."""
    try:
        return _read(kept.filename, kept.content)
    except UnreadableFile as error:
        abort(400, description=f"{error} Upload the file again.")


def _page(form: MappingForm, kept, table, status: int | None = None, result=None, refused: bool = False):
    return render_form("imports/import_columns.html", form, status, upload=kept, table=table, result=result,
                       refused=refused)


@bp.route("/<token>", methods=["GET", "POST"])
@allow(EDITORS)
def columns(token: str):
    """Choose the columns; Preview runs the import and rolls it back, Import keeps it."""
    kept = upload_or_404(token)
    table = stored_table(kept)
    form = MappingForm(table.headers, gap_choices())
    if not form.is_submitted():
        form.fill(mapping.remembered(reading(), table.headers))
        return _page(form, kept, table)
    chosen = form.mapping()
    if form.validate():
        for problem in chosen.problems(table.headers):
            form.add_error(problem)
    if form.errors:
        return _page(form, kept, table)
    reading().commit()  # the read ends here: the check and the recording have transactions of their own
    return _preview_or_import(form, kept, table, chosen)


def _preview_or_import(form: MappingForm, kept, table, chosen: mapping.Mapping):
    importing = bool(form.confirm.data)
    choices = Choices(skip_invalid=form.skip_invalid.data, ticked=frozenset(form.allowed_duplicates.data or ()))
    if importing and uploads.result_of(kept) is not None:
        return _already_imported(kept.token)
    if importing and len(table.rows) > current_app.config["IMPORT_JOB_ROWS"]:
        queue.queue_import(session(), kept.token, chosen, choices, actor())
        session().commit()
        return redirect(url_for("imports.progress", token=kept.token))
    try:
        result = (recording.record_import(table, chosen, choices, actor(),
                                          also=recording.kept_with_upload(kept.token, table.headers, chosen))
                  if importing else recording.check(table, chosen, choices).result)
    except uploads.AlreadyImported:
        return _already_imported(kept.token)
    except ImportConflict as conflict:
        form.form_errors.append(str(conflict))
        return _page(form, kept, table, 409)
    if importing and result.complete:
        flash(f"{result.imported} contribution(s) imported.", "success")
        return redirect(url_for("imports.done", token=kept.token))
    _remember(table, chosen)  # a preview, or an import refused for its problems
    return _page(form, kept, table, 400 if importing else 200, result, refused=importing)


def _remember(table, chosen: mapping.Mapping) -> None:
    """Keep the columns chosen for the next file with these headers: a short write of its own,
    and none at all when they are kept already (a preview then writes nothing)."""
    if not mapping.is_remembered(reading(), table.headers, chosen.columns):
        mapping.remember(session(), table.headers, chosen.columns)
        session().commit()


def _already_imported(token: str):
    """The upload's token is the import's one-time key: Back and Import again adds nothing."""
    flash("This file was already imported when the form was first sent; nothing was added again.", "info")
    return redirect(url_for("imports.done", token=token))


@bp.get("/<token>/progress")
@allow(EDITORS)
def progress(token: str):
    """An import recorded by the scheduler: queued, running, refused or failed; once done, its result."""
    kept = upload_or_404(token)
    job = queue.latest_job(session(), token)
    if job is None:
        return redirect(url_for("imports.columns", token=token))
    if job.state == ImportJobState.DONE:
        return redirect(url_for("imports.done", token=token))
    poll = current_app.config["TRACKER_RUN_NOW_POLL_INTERVAL"]
    scheduler = runs.running_scheduler(runs.reported_schedules(session()), utcnow(), poll)
    return render_template("imports/import_progress.html", upload=kept, job=job, outcome=queue.outcome_of(job),
                           scheduler=scheduler, poll=poll, refresh=job.state in queue.ACTIVE)


@bp.get("/<token>/done")
@allow(EDITORS)
def done(token: str):
    kept = upload_or_404(token)
    outcome = uploads.result_of(kept)
    if outcome is not None and is_fts_result(outcome):
        return redirect(url_for("fts.done", token=token))
    if outcome is None:
        waiting = queue.latest_job(session(), token) is not None
        return redirect(url_for("imports.progress" if waiting else "imports.columns", token=token))
    return render_template("imports/import_done.html", upload=kept, outcome=outcome)


@bp.get("/<token>/skipped.xlsx")
@allow(EDITORS)
def skipped(token: str):
    kept = upload_or_404(token)
    outcome = uploads.result_of(kept)
    if outcome is None:
        abort(404, description="This file has not been imported yet.")
    if is_fts_result(outcome):  # its outcomes are on its result page
        return redirect(url_for("fts.done", token=token))
    table = stored_table(kept)
    return send_workbook(lambda handle: write_skipped_report(handle, table, outcome, kept.filename),
                         "skipped-rows.xlsx")
