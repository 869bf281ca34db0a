"""Excel downloads: the status workbook, the contributions export, donor statements."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, request

from reports.contributions import write_contributions_workbook
from reports.statement import write_donor_statement
from reports.status import write_status_workbook
from tracker.contributions.rules import today
from tracker.exports import rows
from tracker.exports.forms import ReportFiltersForm
from tracker.web import session
from tracker.web.access import SIGNED_IN, STAFF, allow, require_own_donor
from tracker.web.downloads import send_workbook
from tracker.web.saving import render_form

bp = Blueprint("reports", __name__, template_folder="templates")


def _source() -> str:
    return f"Funding Gap Tracker, {request.host_url}"


def _paper() -> str:
    return current_app.config["TRACKER_PAPER_SIZE"]


def _file_name(kind: str, filters: rows.ReportFilters) -> str:
    scope = f"-{filters.gap_code}" if filters.gap_code else ""
    return f"{kind}{scope}-{today().isoformat()}.xlsx"


def _filters_or_form():
    """The filters asked for, or the filter page with the messages (400)."""
    form = ReportFiltersForm()
    if not form.validate():
        return None, render_form("exports/reports.html", form)
    return form.filters(), None


@bp.get("/reports")
@allow(STAFF)
def index():
    return render_form("exports/reports.html", ReportFiltersForm(), 200)


@bp.get("/reports/status.xlsx")
@allow(STAFF)
def status():
    filters, refused = _filters_or_form()
    if refused:
        return refused
    report = rows.status_report(session(), filters, _source(), _paper())
    return send_workbook(lambda handle: write_status_workbook(handle, report),
                         _file_name("funding-gap-status", filters))


@bp.get("/reports/contributions.xlsx")
@allow(STAFF)
def contributions():
    filters, refused = _filters_or_form()
    if refused:
        return refused
    listed = rows.contribution_rows(session(), filters)
    notes = rows.notes(session(), "Contributions export", filters, _source(), _paper())
    return send_workbook(lambda handle: write_contributions_workbook(handle, listed, notes),
                         _file_name("contributions", filters))


@bp.get("/donors/<id:donor_id>/statement.xlsx")
@allow(SIGNED_IN)
def statement(donor_id: int):
    require_own_donor(donor_id)
    found = rows.donor_statement(session(), donor_id, _source(), _paper())
    if found is None:
        abort(404, description=f"There is no donor number {donor_id}.")
    return send_workbook(lambda handle: write_donor_statement(handle, found),
                         f"donor-statement-{donor_id}-{today().isoformat()}.xlsx")
