"""The dashboard: every gap with what is still missing."""
from flask import Blueprint, render_template

from tracker.figures import Totals, gap_figures
from tracker.web import session

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    figures = gap_figures(session())
    return render_template("dashboard.html", figures=figures, totals=Totals.of(figures))
