"""Donors: who gave what, across every gap."""
from flask import Blueprint, abort, render_template

from tracker import audit
from tracker.access import SIGNED_IN, STAFF, allow, is_donor, require_own_donor
from tracker.contributions import contribution_lines, count_contributions, payment_lines
from tracker.figures import donor_figures
from tracker.web import session
from tracker.web.paging import requested_page

bp = Blueprint("donors", __name__, url_prefix="/donors")


@bp.get("")
@allow(STAFF)
def index():
    return render_template("donors.html", donors=donor_figures(session()))


@bp.get("/<int:donor_id>")
@allow(SIGNED_IN)
def show(donor_id: int):
    require_own_donor(donor_id)
    found = donor_figures(session(), [donor_id])
    if not found:
        abort(404, description=f"There is no donor number {donor_id}.")
    page = requested_page(count_contributions(session(), donor_id=donor_id))
    return render_template(
        "donor.html", donor=found[0], page=page,
        lines=contribution_lines(session(), donor_id=donor_id, limit=page.size, offset=page.offset),
        payments=payment_lines(session(), donor_id=donor_id),
        history=[] if is_donor() else audit.history(session(), "donor", donor_id),
    )
