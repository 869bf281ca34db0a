"""Donors: who gave what, across every gap."""
from flask import Blueprint, abort, render_template

from tracker.contributions.listings import SORTING, contribution_lines, count_contributions, payment_lines
from tracker.core import audit
from tracker.core.figures import donor_figures
from tracker.donors import rules
from tracker.web import session
from tracker.web.access import SIGNED_IN, STAFF, allow, is_donor, require_own_donor
from tracker.web.listing import requested_search, requested_sort
from tracker.web.paging import requested_page

bp = Blueprint("donors", __name__, url_prefix="/donors", template_folder="templates")


@bp.get("")
@allow(STAFF)
def index():
    search = requested_search()
    sorted_by = requested_sort(rules.SORTING)
    page = requested_page(rules.count_donors(session(), search))
    lines = rules.donor_lines(session(), search=search, sort=sorted_by.sort, limit=page.size, offset=page.offset)
    return render_template("donors/donors.html", donors=lines, search=search, sorted_by=sorted_by, page=page)


@bp.get("/<int:donor_id>")
@allow(SIGNED_IN)
def show(donor_id: int):
    require_own_donor(donor_id)
    found = donor_figures(session(), [donor_id])
    if not found:
        abort(404, description=f"There is no donor number {donor_id}.")
    sorted_by = requested_sort(SORTING)
    page = requested_page(count_contributions(session(), donor_id=donor_id))
    return render_template(
        "donors/donor.html", donor=found[0], page=page, sorted_by=sorted_by,
        lines=contribution_lines(session(), donor_id=donor_id, sort=sorted_by.sort, limit=page.size,
                                 offset=page.offset),
        payments=payment_lines(session(), donor_id=donor_id),
        history=[] if is_donor() else audit.history(session(), "donor", donor_id),
    )
