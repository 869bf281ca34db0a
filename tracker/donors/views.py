"""Donors: who gave what, across every gap; correcting a donor, merging one into another, and
its contacts (staff only)."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for

from tracker.contributions.listings import payment_lines
from tracker.contributions.tables import contribution_table
from tracker.core import audit
from tracker.core.errors import InvalidInput
from tracker.core.figures import donor_figures
from tracker.core.models import Donor, DonorContact, utcnow
from tracker.donors import contacts, rules
from tracker.donors.forms import HISTORY, ContactForm, DonorForm, EditContactForm, MergeForm, NewContactForm
from tracker.web import session
from tracker.web.access import (
    EDITORS,
    SIGNED_IN,
    STAFF,
    allow,
    is_donor,
    require_every_programme,
    require_own_donor,
)
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
        contacts=[] if is_donor() else contacts.donor_contacts(session(), donor_id),
        languages=dict(_languages()), reminds_focal_point=donor.remind_focal_point,
    ), table.status


def _donor_form(donor: Donor, **kwargs) -> DonorForm:
    """The edit form filled from the donor as stored, its version included; a posted form's
    values take the place of the stored ones."""
    return DonorForm(data={"name": donor.name, "type": donor.type, "country": donor.country or "",
                           "remind_focal_point": donor.remind_focal_point, "named_publicly": donor.named_publicly,
                           "version": donor.version}, **kwargs)


def _entry(form: DonorForm) -> rules.DonorInput:
    return rules.DonorInput(name=form.name.data, type=form.type.data, country=form.country.data or None,
                            remind_focal_point=form.remind_focal_point.data, named_publicly=form.named_publicly.data)


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
    require_every_programme("Merging donors")  # it moves their contributions in every programme
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


def _languages() -> list[tuple[str, str]]:
    return contacts.offered_languages(current_app.config["TRACKER_LANGUAGES"])


def _with_languages(form: ContactForm) -> ContactForm:
    form.language.choices = options(_languages())
    return form


def _contact_entry(form: ContactForm, retired: bool = False) -> contacts.ContactInput:
    return contacts.ContactInput(name=form.name.data, email=form.email.data, role=form.role.data,
                                 language=form.language.data, retired=retired)


@bp.route("/<id:donor_id>/contacts/new", methods=["GET", "POST"])
@allow(EDITORS)
def new_contact(donor_id: int):
    donor = donor_or_404(donor_id)
    form = _with_languages(NewContactForm())
    save = Save(form, creates="donor contact")
    if form.validate_on_submit() and not save.repeated():
        with save:
            contact = contacts.add_contact(session(), donor, _contact_entry(form), dict(_languages()))
            save.created(contact)
        if save.done:
            flash(f"Contact {contact.name} added to {donor.name}.", "success")
            return redirect(url_for("donors.show", donor_id=donor.id))
    if save.earlier:
        return save.land_on_earlier(url_for("donors.show", donor_id=donor.id))
    return save.page("donors/contact_form.html", donor=donor, contact=None)


def _contact_form(contact: DonorContact, **kwargs) -> EditContactForm:
    """The edit form filled from the contact as stored (a post's values over it)."""
    return _with_languages(EditContactForm(data={
        "name": contact.name, "email": contact.email, "role": contact.role, "language": contact.language,
        "retired": contact.retired_at is not None, "version": contact.version}, **kwargs))


@bp.route("/contacts/<id:contact_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit_contact(contact_id: int):
    """Correct a contact, or retire it: contacts are never deleted."""
    contact = session().get(DonorContact, contact_id)
    if contact is None:
        abort(404, description=f"There is no contact number {contact_id}.")
    form = _contact_form(contact)
    save = Save(form, record=contact, current=lambda: _contact_form(contact, formdata=None))
    if form.validate_on_submit():
        with save:
            contacts.update_contact(session(), contact, _contact_entry(form, form.retired.data),
                                    int(form.version.data), dict(_languages()), utcnow())
        if save.done:
            flash(f"Contact {contact.name} saved.", "success")
            return redirect(url_for("donors.show", donor_id=contact.donor_id))
    return save.page("donors/contact_form.html", donor=contact.donor, contact=contact)
