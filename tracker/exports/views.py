"""Excel downloads: the status workbook, the contributions export, donor statements."""
from __future__ import annotations

from flask import Blueprint, current_app, request

from reports.contributions import write_contributions_workbook
from reports.statement import write_donor_statement
from reports.status import write_status_workbook
from tracker.contributions.filters import ContributionFilters
from tracker.contributions.rules import today
from tracker.core.figures import DEFINITIONS
from tracker.donors import rules as donors
from tracker.donors.views import donor_or_404
from tracker.exports import rows, statement
from tracker.exports.forms import ReportFiltersForm
from tracker.web import session
from tracker.web.access import SIGNED_IN, STAFF, allow, require_own_donor
from tracker.web.downloads import send_workbook
from tracker.web.forms import PeriodForm
from tracker.web.saving import render_form

bp = Blueprint("reports", __name__, template_folder="templates")


def _source() -> str:
    return f"Funding Gap Tracker, {request.host_url}"


def _paper() -> str:
    return current_app.config["TRACKER_PAPER_SIZE"]


def _file_name(kind: str, filters: ContributionFilters) -> str:
    scope = "".join(f"-{code}" for code in (filters.programme_code, filters.gap_code) if code)
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


def _statement(donor_id: int):
    """The period form and, when the period is valid, the donor's statement for it (a merged
    donor's: the statement of the donor it joined)."""
    donor = donors.live(donor_or_404(donor_id))
    require_own_donor(donor.id)
    form = PeriodForm()
    if not form.validate():
        return form, None
    return form, statement.donor_statement(session(), donor.id, form.date_from.data, form.date_to.data or today(),
                                           today(), _source(), _paper())


def _statement_page(form, found):
    """The statement page, or the period's messages beside its fields (400)."""
    return render_form("exports/statement.html", form, statement=found, definitions=DEFINITIONS)


@bp.get("/donors/<id:donor_id>/statement")
@allow(SIGNED_IN)
def statement_page(donor_id: int):
    return _statement_page(*_statement(donor_id))


@bp.get("/donors/<id:donor_id>/statement.xlsx")
@allow(SIGNED_IN)
def statement_workbook(donor_id: int):
    form, found = _statement(donor_id)
    if found is None:
        return _statement_page(form, found)
    return send_workbook(lambda handle: write_donor_statement(handle, found),
                         f"donor-statement-{donor_id}-{found.date_to.isoformat()}.xlsx")
