"""The list and search of contributions, and the forms that record, edit and cancel them and record payments."""
import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for

from tracker.contributions import listings, payments, rules, tables
from tracker.contributions.forms import (
    HISTORY,
    CancelForm,
    ContributionForm,
    EditContributionForm,
    EditPaymentForm,
    NewContributionForm,
    NewPaymentForm,
    PaymentForm,
    VoidPaymentForm,
)
from tracker.core import audit, money
from tracker.core.figures import contribution_figures
from tracker.core.models import Contribution, Payment
from tracker.core.rates import in_force, rates_in_force
from tracker.donors import rules as donors
from tracker.gaps.views import gap_or_404
from tracker.schedules.forms import HISTORY as SCHEDULE_HISTORY
from tracker.web import session
from tracker.web.access import EDITORS, SIGNED_IN, STAFF, allow, is_donor, require_own_donor
from tracker.web.forms import options
from tracker.web.history import trail
from tracker.web.saving import Save

bp = Blueprint("contributions", __name__, template_folder="templates")


def contribution_or_404(contribution_id: int) -> Contribution:
    found = session().get(Contribution, contribution_id)
    if found is None:
        abort(404, description=f"There is no contribution number {contribution_id}.")
    return found


def _with_donors(form):
    form.donor_id.choices = options([("", "— New donor (type the name below) —"), *donors.donor_choices(session())])
    return form


def _edit_form(contribution: Contribution, **kwargs) -> EditContributionForm:
    """The edit form filled from the contribution as it is now (a post's values over it)."""
    return _with_donors(EditContributionForm(data={
        "donor_id": str(contribution.donor_id), "status": contribution.status, "currency": contribution.currency,
        "amount": str(money.from_minor(contribution.amount_minor, contribution.currency)),
        "rate": money.format_rate(contribution.rate), "rate_date": contribution.rate_date,
        "decision_date": contribution.decision_date, "reference": contribution.reference,
        "note": contribution.note, "donor_note": contribution.donor_note, "version": contribution.version,
    }, **kwargs))


@bp.get("/contributions")
@allow(STAFF)
def index():
    """Every contribution, narrowed by the filters and ``?q=`` (donor name, reference or gap code).

    Staff only: a donor user sees its own contributions on its donor page.
    """
    table = tables.contribution_table()
    return render_template("contributions/contributions.html", table=table), table.status


@bp.get("/contributions/<id:contribution_id>")
@allow(SIGNED_IN)
def show(contribution_id: int):
    """One contribution with its payments and, for staff, its history."""
    contribution = contribution_or_404(contribution_id)
    require_own_donor(contribution.donor_id)
    return render_template(
        "contributions/contribution.html", contribution=contribution,
        counted=contribution_figures(session(), [contribution.id])[contribution.id],
        payments=listings.payment_lines(session(), contribution_id=contribution.id),
        history=[] if is_donor() else _history(contribution),
    )


def _history(contribution: Contribution):
    """The contribution's changes with those of its payments and write-off, as people read them."""
    parts = {"payment": [p.id for p in contribution.payments],
             "write-off": [contribution.write_off.id] if contribution.write_off else []}
    entries = audit.history(session(), "contribution", contribution.id, parts)
    return trail(session(), entries, {**HISTORY, **SCHEDULE_HISTORY})


def _contribution_page(save: Save, **context):
    """The contribution form, carrying the rates in force on its rate date (the rate date, else
    the decision date, else today) so that the page can prefill the rate for any currency."""
    form = save.form
    day = form.rate_date.data or form.decision_date.data or rules.today()
    in_force = rates_in_force(session(), day, current_app.config["TRACKER_RATE_SOURCE"])
    rates_json = json.dumps({code: {"rate": money.format_rate(found.units_per_usd), "described": found.described}
                             for code, found in in_force.items()})
    described = ""
    if not form.is_submitted() and form.currency.data != "USD" and form.currency.data in in_force:
        described = in_force[form.currency.data].described
    return save.page("contributions/contribution_form.html", rates_json=rates_json, rates_on=day.isoformat(),
                     rate_described=described, **context)


def _entry(form: ContributionForm) -> rules.ContributionInput:
    donor = donors.choose_donor(session(), form.donor_id.data, form.new_donor.data,
                                form.donor_type.data, form.donor_country.data)
    return rules.ContributionInput(
        donor=donor, status=form.status.data, amount=form.amount_value, currency=form.currency.data.upper(),
        rate=form.rate_value, rate_date=form.rate_date.data, decision_date=form.decision_date.data,
        reference=form.reference.data or "", note=form.note.data or "", donor_note=form.donor_note.data or "",
        duplicate_confirmed=bool(getattr(form, "confirm_duplicate", None) and form.confirm_duplicate.data),
    )


def _shown(contribution: Contribution) -> str:
    return url_for("contributions.show", contribution_id=contribution.id)


@bp.route("/gaps/<code>/contributions/new", methods=["GET", "POST"])
@allow(EDITORS)
def new(code: str):
    gap = gap_or_404(code)
    form = _with_donors(NewContributionForm())
    save = Save(form, creates="contribution")
    if form.validate_on_submit() and not save.repeated():
        with save:
            contribution = rules.record_contribution(session(), gap, _entry(form))
            save.created(contribution)
        if save.done:
            flash(f"Contribution of {money.format_amount(form.amount_value, contribution.currency)} "
                  f"{contribution.currency} from {contribution.donor.name} recorded.", "success")
            return redirect(url_for("gaps.show", code=gap.code))
    if save.earlier:
        return save.land_on_earlier(url_for("contributions.show", contribution_id=save.earlier.record_id))
    return _contribution_page(save, gap=gap, contribution=None)


@bp.route("/contributions/<id:contribution_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit(contribution_id: int):
    contribution = contribution_or_404(contribution_id)
    form = _edit_form(contribution)
    save = Save(form, record=contribution, current=lambda: _edit_form(contribution, formdata=None))
    if form.validate_on_submit():
        with save:
            rules.edit_contribution(session(), contribution, _entry(form), int(form.version.data))
        if save.done:
            flash(f"Contribution {contribution.id} saved.", "success")
            return redirect(url_for("gaps.show", code=contribution.gap.code))
    return _contribution_page(save, gap=contribution.gap, contribution=contribution)


@bp.route("/contributions/<id:contribution_id>/cancel", methods=["GET", "POST"])
@allow(EDITORS)
def cancel(contribution_id: int):
    contribution = contribution_or_404(contribution_id)
    form = CancelForm(obj=contribution)
    save = Save(form, record=contribution, current=lambda: CancelForm(obj=contribution, formdata=None))
    if form.validate_on_submit():
        with save:
            rules.cancel_contribution(session(), contribution, form.reason.data, int(form.version.data))
        if save.done:
            flash(f"Contribution {contribution.id} cancelled.", "success")
            return redirect(url_for("gaps.show", code=contribution.gap.code))
    refusal = None if save.conflict else rules.why_not_cancellable(session(), contribution)
    return save.page("contributions/cancel_form.html", contribution=contribution, refusal=refusal)


def _payment_entry(form: PaymentForm) -> payments.PaymentInput:
    return payments.PaymentInput(
        date_received=form.date_received.data, amount=form.amount_value, rate=form.rate_value,
        reference=form.reference.data or "",
        duplicate_confirmed=bool(getattr(form, "confirm_duplicate", None) and form.confirm_duplicate.data),
    )


@bp.route("/contributions/<id:contribution_id>/payments/new", methods=["GET", "POST"])
@allow(EDITORS)
def new_payment(contribution_id: int):
    contribution = contribution_or_404(contribution_id)
    form = NewPaymentForm(contribution.currency, data={"date_received": rules.today()})
    save = Save(form, creates="payment")
    described = ""
    if not form.is_submitted() and contribution.currency != "USD":
        known = in_force(session(), contribution.currency, rules.today(), current_app.config["TRACKER_RATE_SOURCE"])
        form.rate.data = money.format_rate(known.units_per_usd) if known is not None else ""
        described = known.described if known is not None else "No rate is on file for this date: type one."
    if form.validate_on_submit() and not save.repeated():
        with save:
            save.created(payments.record_payment(session(), contribution, _payment_entry(form)))
        if save.done:
            flash(f"Payment of {money.format_amount(form.amount_value, contribution.currency)} "
                  f"{contribution.currency} recorded.", "success")
            return redirect(url_for("gaps.show", code=contribution.gap.code))
    if save.earlier:
        return save.land_on_earlier(url_for("gaps.show", code=contribution.gap.code))
    return save.page("contributions/payment_form.html", contribution=contribution, payment=None,
                     rate_described=described, rates_on=rules.today().isoformat())


def payment_or_404(payment_id: int) -> Payment:
    found = session().get(Payment, payment_id)
    if found is None:
        abort(404, description=f"There is no payment number {payment_id}.")
    return found


def _edit_payment_form(payment: Payment, **kwargs) -> EditPaymentForm:
    """The correction form filled from the payment as it is now (a post's values over it)."""
    currency = payment.contribution.currency
    return EditPaymentForm(currency, data={
        "date_received": payment.date_received, "amount": str(money.from_minor(payment.amount_minor, currency)),
        "rate": money.format_rate(payment.rate), "reference": payment.reference, "version": payment.version,
    }, **kwargs)


@bp.route("/payments/<id:payment_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit_payment(payment_id: int):
    payment = payment_or_404(payment_id)
    contribution = payment.contribution
    form = _edit_payment_form(payment)
    save = Save(form, record=payment, current=lambda: _edit_payment_form(payment, formdata=None))
    if form.validate_on_submit():
        with save:
            payments.edit_payment(session(), payment, _payment_entry(form), int(form.version.data))
        if save.done:
            flash(f"Payment {payment.id} corrected.", "success")
            return redirect(_shown(contribution))
    return save.page("contributions/payment_form.html", contribution=contribution, payment=payment)


@bp.route("/payments/<id:payment_id>/void", methods=["GET", "POST"])
@allow(EDITORS)
def void_payment(payment_id: int):
    payment = payment_or_404(payment_id)
    form = VoidPaymentForm(obj=payment)
    save = Save(form, record=payment, current=lambda: VoidPaymentForm(obj=payment, formdata=None))
    if form.validate_on_submit():
        with save:
            payments.void_payment(session(), payment, form.reason.data, int(form.version.data))
        if save.done:
            flash(f"Payment {payment.id} voided; it stays on the record and counts 0.", "success")
            return redirect(_shown(payment.contribution))
    return save.page("contributions/void_payment_form.html", payment=payment)
