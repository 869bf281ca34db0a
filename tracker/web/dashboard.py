"""The dashboard: every gap with what is still missing."""
from flask import Blueprint, render_template

from tracker.access import SIGNED_IN, allow
from tracker.figures import Totals, gap_figures
from tracker.web import session

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@allow(SIGNED_IN)
def index():
    figures = gap_figures(session())
    return render_template("dashboard.html", figures=figures, totals=Totals.of(figures))
