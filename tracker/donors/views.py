"""Donors: who gave what, across every gap; correcting a donor and merging one into another."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for

from tracker.contributions.listings import payment_lines
from tracker.contributions.tables import contribution_table
from tracker.core import audit
from tracker.core.errors import InvalidInput
from tracker.core.figures import donor_figures
from tracker.core.models import Donor
from tracker.donors import rules
from tracker.donors.forms import HISTORY, DonorForm, MergeForm
from tracker.web import session
from tracker.web.access import EDITORS, SIGNED_IN, STAFF, allow, is_donor, require_own_donor
from tracker.web.forms import options
from tracker.web.history import trail
from tracker.web.listing import requested_search, requested_sort
from tracker.web.paging import requested_page
from tracker.web.saving import Save, render_form

bp = Blueprint("donors", __name__, url_prefix="/donors", template_folder="templates")


def donor_or_404(donor_id: int) -> Donor:
    found = session().get(Donor, donor_id)
    if found is None:
        abort(404, description=f"There is no donor number {donor_id}.")
    return found


@bp.get("")
@allow(STAFF)
def index():
    search = requested_search()
    sorted_by = requested_sort(rules.SORTING)
    page = requested_page(rules.count_donors(session(), search))
    lines = rules.donor_lines(session(), search=search, sort=sorted_by.sort, limit=page.size, offset=page.offset)
    return render_template("donors/donors.html", donors=lines, search=search, sorted_by=sorted_by, page=page)


@bp.get("/<id:donor_id>")
@allow(SIGNED_IN)
def show(donor_id: int):
    """The donor's figures, contributions and payments. A merged donor's page (an old link, a
    bookmark) sends the reader on to the donor it was merged into."""
    donor = donor_or_404(donor_id)
    require_own_donor(rules.live(donor).id)
    if donor.merged_into is not None:
        flash(f"{donor.name} was merged into {donor.merged_into.name}: its contributions are listed here.", "info")
        return redirect(url_for("donors.show", donor_id=donor.merged_into_id))
    found = donor_figures(session(), [donor_id])
    table = contribution_table(donor_id=donor_id, fixed=("donor",))
    return render_template(
        "donors/donor.html", donor=found[0], table=table, payments=payment_lines(session(), donor_id=donor_id),
        history=[] if is_donor() else trail(session(), audit.history(session(), "donor", donor_id), HISTORY),
    ), table.status


def _donor_form(donor: Donor, **kwargs) -> DonorForm:
    """The edit form filled from the donor as stored, its version included; a posted form's
    values take the place of the stored ones."""
    return DonorForm(data={"name": donor.name, "type": donor.type, "country": donor.country or "",
                           "version": donor.version}, **kwargs)


def _entry(form: DonorForm) -> rules.DonorInput:
    return rules.DonorInput(name=form.name.data, type=form.type.data, country=form.country.data or None)


@bp.route("/<id:donor_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit(donor_id: int):
    donor = donor_or_404(donor_id)
    form = _donor_form(donor)
    save = Save(form, record=donor, current=lambda: _donor_form(donor, formdata=None))
    if form.validate_on_submit():
        with save:
            rules.update_donor(session(), donor, _entry(form), int(form.version.data))
        if save.done:
            flash(f"Donor {donor.name} saved.", "success")
            return redirect(url_for("donors.show", donor_id=donor.id))
    return save.page("donors/donor_form.html", donor=donor)


def _merge_form(donor: Donor) -> MergeForm:
    form = MergeForm()
    others = [(i, n) for i, n in rules.donor_choices(session()) if i != str(donor.id)]
    form.into.choices = options([("", "— Pick the donor to keep —"), *others])
    return form


def _confirmation(form: MergeForm, donor: Donor, target: Donor | None):
    """Step two: what the merge would move, before anything is stored (or step one again,
    with the reason the merge is refused beside the donor picked)."""
    try:
        plan = rules.merge_plan(session(), donor, target)
    except InvalidInput as error:
        form.add_error(error)
        plan = None
    return render_form("donors/merge_form.html", form, donor=donor, plan=plan)


@bp.route("/<id:donor_id>/merge", methods=["GET", "POST"])
@allow(EDITORS)
def merge(donor_id: int):
    """Merge this donor into the one picked: pick, confirm what moves, then merge.

    A conflict (either donor changed since the confirmation) shows step one again with the
    donor still picked, so that the next confirmation counts what is there now.
    """
    donor = donor_or_404(donor_id)
    form = _merge_form(donor)
    save = Save(form, record=donor)
    if form.validate_on_submit():
        target = session().get(Donor, int(form.into.data))
        if not form.confirmed.data:
            return _confirmation(form, donor, target)
        with save:
            rules.merge_donors(session(), donor, target, int(form.version.data), int(form.into_version.data))
        if save.done:
            flash(f"{donor.name} merged into {target.name}; its name now finds {target.name}.", "success")
            return redirect(url_for("donors.show", donor_id=target.id))
    return save.page("donors/merge_form.html", donor=donor, plan=None)
