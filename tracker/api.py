"""Read-only JSON for other tools: the figures of every gap."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify

from tracker.figures import GapFigures, figures_of, gap_figures
from tracker.web import session

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MONEY_FIELDS = ("requirement", "funding", "pledged", "received", "written_off", "shortfall", "surplus",
                "gap_if_pledges_honoured")


def gap_json(figures: GapFigures) -> dict:
    """A gap's figures as JSON: US$ as decimal strings with two places, never floats."""
    coverage = figures.coverage_pct
    return {
        "code": figures.code,
        "title": figures.title,
        "status": figures.status,
        **{f"{name}_usd": str(getattr(figures, f"{name}_usd")) for name in MONEY_FIELDS},
        "coverage_pct": None if coverage is None else str(coverage),
    }


@bp.get("/gaps")
def gaps():
    return jsonify([gap_json(f) for f in gap_figures(session())])


@bp.get("/gaps/<code>")
def gap(code: str):
    figures = figures_of(session(), code.upper())
    if figures is None:
        abort(404, description=f"There is no funding gap with the code {code}.")
    return jsonify(gap_json(figures))
