"""The dashboard: every gap with what is still missing, and the largest shortfalls as bars."""
from flask import Blueprint, render_template

from tracker.access import SIGNED_IN, allow
from tracker.figures import Totals, gap_figures
from tracker.gaps import FIGURES_SORTING
from tracker.listing import sorted_rows
from tracker.shortfalls import shortfall_chart
from tracker.web import session
from tracker.web.listing import requested_sort
from tracker.web.paging import requested_page

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@allow(SIGNED_IN)
def index():
    """One aggregate query for every gap; the table is sorted and cut into pages in memory
    (one row per gap), the totals and the chart cover every gap."""
    figures = gap_figures(session())
    sorted_by = requested_sort(FIGURES_SORTING)
    page = requested_page(len(figures))
    rows = sorted_rows(figures, FIGURES_SORTING, sorted_by.sort, FIGURES_SORTING.columns["gap"].by)
    return render_template("dashboard.html", figures=rows[page.offset:page.offset + page.size], page=page,
                           sorted_by=sorted_by, totals=Totals.of(figures), chart=shortfall_chart(figures))
