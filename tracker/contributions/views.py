"""The list and search of contributions, and the forms that record, edit and cancel them and record payments."""
import json

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from tracker import audit, contributions, donors, money
from tracker.access import EDITORS, SIGNED_IN, STAFF, allow, is_donor, require_own_donor
from tracker.contributions import ContributionInput, PaymentInput, payment_lines
from tracker.errors import EditConflict, InvalidInput
from tracker.models import Contribution
from tracker.rates import latest_rates, rate_on
from tracker.web import render_form, session
from tracker.web.forms import CancelForm, ContributionForm, PaymentForm, options
from tracker.web.gaps import gap_or_404
from tracker.web.listing import requested_search, requested_sort
from tracker.web.paging import requested_page

bp = Blueprint("contributions", __name__)


def contribution_or_404(contribution_id: int) -> Contribution:
    found = session().get(Contribution, contribution_id)
    if found is None:
        abort(404, description=f"There is no contribution number {contribution_id}.")
    return found


def _contribution_form(**kwargs) -> ContributionForm:
    form = ContributionForm(**kwargs)
    form.donor_id.choices = options([("", "— New donor (type the name below) —"), *donors.donor_choices(session())])
    return form


@bp.get("/contributions")
@allow(STAFF)
def index():
    """Every contribution, or those whose donor name, reference or gap code contains ``?q=``.

    Staff only: a donor user sees its own contributions on its donor page.
    """
    search = requested_search()
    sorted_by = requested_sort(contributions.SORTING)
    page = requested_page(contributions.count_contributions(session(), search=search))
    lines = contributions.contribution_lines(session(), search=search, sort=sorted_by.sort, limit=page.size,
                                             offset=page.offset)
    return render_template("contributions.html", lines=lines, search=search, sorted_by=sorted_by, page=page)


@bp.get("/contributions/<int:contribution_id>")
@allow(SIGNED_IN)
def show(contribution_id: int):
    """One contribution with its payments and, for staff, its history."""
    contribution = contribution_or_404(contribution_id)
    require_own_donor(contribution.donor_id)
    return render_template(
        "contribution.html", contribution=contribution,
        received=money.from_minor(contributions.received_minor(session(), contribution), contribution.currency),
        payments=payment_lines(session(), contribution_id=contribution.id),
        history=audit.history(session(), "contribution", contribution.id) if not is_donor() else [],
    )


def _render_contribution_form(form: ContributionForm, status: int | None = None, **context):
    """The contribution form, carrying the rates on file so the page can prefill the rate."""
    rates_json = json.dumps(latest_rates(session(), contributions.today()))
    return render_form("contribution_form.html", form, status, rates_json=rates_json, **context)


def _entry(form: ContributionForm) -> ContributionInput:
    donor = donors.choose_donor(session(), form.donor_id.data, form.new_donor.data,
                                form.donor_type.data, form.donor_country.data)
    return ContributionInput(
        donor=donor, status=form.status.data, amount=form.amount_value, currency=form.currency.data.upper(),
        rate=form.rate_value, rate_date=form.rate_date.data, decision_date=form.decision_date.data,
        reference=form.reference.data or "", note=form.note.data or "",
    )


@bp.route("/gaps/<code>/contributions/new", methods=["GET", "POST"])
@allow(EDITORS)
def new(code: str):
    gap = gap_or_404(code)
    form = _contribution_form()
    if form.validate_on_submit():
        try:
            contribution = contributions.record_contribution(session(), gap, _entry(form))
            session().commit()
            flash(f"Contribution of {money.format_amount(form.amount_value, contribution.currency)} "
                  f"{contribution.currency} from {contribution.donor.name} recorded.", "success")
            return redirect(url_for("gaps.show", code=gap.code))
        except InvalidInput as error:
            session().rollback()
            form.add_error(error)
    return _render_contribution_form(form, gap=gap, contribution=None)


@bp.route("/contributions/<int:contribution_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit(contribution_id: int):
    contribution = contribution_or_404(contribution_id)
    form = _contribution_form(obj=contribution)
    if not form.is_submitted():
        form.donor_id.data = str(contribution.donor_id)
        form.amount.data = str(money.from_minor(contribution.amount_minor, contribution.currency))
        form.rate.data = str(contribution.rate)
    elif form.validate():
        try:
            contributions.edit_contribution(session(), contribution, _entry(form), int(form.version.data or 0))
            session().commit()
            flash(f"Contribution {contribution.id} saved.", "success")
            return redirect(url_for("gaps.show", code=contribution.gap.code))
        except InvalidInput as error:
            session().rollback()
            form.add_error(error)
        except EditConflict as conflict:
            session().rollback()
            form.version.data = contribution.version
            return _render_contribution_form(form, 409, gap=contribution.gap,
                               contribution=contribution, conflict=str(conflict))
    return _render_contribution_form(form, gap=contribution.gap, contribution=contribution)


@bp.route("/contributions/<int:contribution_id>/cancel", methods=["GET", "POST"])
@allow(EDITORS)
def cancel(contribution_id: int):
    contribution = contribution_or_404(contribution_id)
    form = CancelForm(obj=contribution)
    if form.validate_on_submit():
        try:
            contributions.cancel_contribution(session(), contribution, form.reason.data, int(form.version.data or 0))
            session().commit()
            flash(f"Contribution {contribution.id} cancelled.", "success")
            return redirect(url_for("gaps.show", code=contribution.gap.code))
        except InvalidInput as error:
            session().rollback()
            form.add_error(error)
        except EditConflict as conflict:
            session().rollback()
            form.version.data = contribution.version
            return render_form("cancel_form.html", form, 409, contribution=contribution, conflict=str(conflict))
    return render_form("cancel_form.html", form, contribution=contribution,
                       refusal=contributions.why_not_cancellable(session(), contribution))


@bp.route("/contributions/<int:contribution_id>/payments/new", methods=["GET", "POST"])
@allow(EDITORS)
def new_payment(contribution_id: int):
    contribution = contribution_or_404(contribution_id)
    form = PaymentForm(contribution.currency, data={"date_received": contributions.today()})
    if not form.is_submitted() and contribution.currency != "USD":
        known = rate_on(session(), contribution.currency, contributions.today())
        form.rate.data = str(known) if known is not None else ""
    if form.validate_on_submit():
        try:
            contributions.record_payment(session(), contribution, PaymentInput(
                date_received=form.date_received.data, amount=form.amount_value, rate=form.rate_value,
                reference=form.reference.data or "",
            ))
            session().commit()
            flash(f"Payment of {money.format_amount(form.amount_value, contribution.currency)} "
                  f"{contribution.currency} recorded.", "success")
            return redirect(url_for("gaps.show", code=contribution.gap.code))
        except InvalidInput as error:
            session().rollback()
            form.add_error(error)
    return render_form("payment_form.html", form, contribution=contribution)
