"""A contribution's payment schedule: its instalments, the forms that plan them, and writing off
the unpaid rest."""
from flask import Blueprint, flash, redirect, render_template, url_for

from tracker import contributions, money, schedules
from tracker.access import EDITORS, STAFF, allow
from tracker.errors import EditConflict, InvalidInput
from tracker.models import Contribution, Frequency
from tracker.web import render_form, session
from tracker.web.contributions import contribution_or_404
from tracker.web.forms import ScheduleForm, TypedScheduleForm, WriteOffForm

bp = Blueprint("schedules", __name__, url_prefix="/contributions/<int:contribution_id>")


def _typed_lines(contribution: Contribution) -> str:
    """The instalments that have received nothing, as the typed form shows them."""
    return "\n".join(
        f"{i.due_date.isoformat()} {money.from_minor(i.amount_minor, contribution.currency)}"
        for i in contribution.instalments if not schedules.received_something(i)
    )


def _generate_form(contribution: Contribution, **kwargs) -> ScheduleForm:
    """The generate form, showing the current schedule unless the request filled it in."""
    schedule = contribution.schedule
    current = {}
    if schedule is not None and schedule.frequency != Frequency.BY_HAND:
        current = {"count": schedule.instalment_count, "frequency": schedule.frequency,
                   "first_due_date": schedule.first_due_date}
    return ScheduleForm(data=current, **kwargs)


def _typed_form(contribution: Contribution, **kwargs) -> TypedScheduleForm:
    """The typed form, showing the instalments still open unless the request filled it in."""
    return TypedScheduleForm(contribution.currency, data={"lines": _typed_lines(contribution)}, **kwargs)


def _page(contribution: Contribution, generate: ScheduleForm, typed: TypedScheduleForm, status: int | None = None,
          conflict: str | None = None):
    """The schedule page: 400 when a form carries errors, 409 on a conflict, else 200."""
    for form in (generate, typed):
        form.version.data = contribution.version if conflict else (form.version.data or contribution.version)
    if status is None:
        status = 400 if any(f.errors or f.form_errors for f in (generate, typed)) else 200
    received = contributions.received_minor(session(), contribution)
    return render_template("schedule.html", contribution=contribution, generate=generate, typed=typed,
                           received_minor=received, next_due=schedules.next_due(contribution),
                           conflict=conflict), status


@bp.get("/schedule")
@allow(STAFF)
def show(contribution_id: int):
    contribution = contribution_or_404(contribution_id)
    return _page(contribution, _generate_form(contribution), _typed_form(contribution))


def _save_plan(contribution: Contribution, submitted, other):
    """Apply the plan of the ``submitted`` form, or show the page again with what went wrong."""
    if submitted.validate_on_submit():
        try:
            contributions.set_schedule(session(), contribution, submitted.plan(), int(submitted.version.data or 0))
            session().commit()
            flash(f"Payment schedule of contribution {contribution.id} saved: "
                  f"{len(contribution.instalments)} instalment(s).", "success")
            return redirect(url_for("schedules.show", contribution_id=contribution.id))
        except InvalidInput as error:
            session().rollback()
            submitted.add_error(error)
        except EditConflict as conflict:
            session().rollback()
            return _page(contribution, *_in_page_order(submitted, other), status=409, conflict=str(conflict))
    return _page(contribution, *_in_page_order(submitted, other))


def _in_page_order(first, second) -> tuple[ScheduleForm, TypedScheduleForm]:
    return (first, second) if isinstance(first, ScheduleForm) else (second, first)


@bp.post("/schedule")
@allow(EDITORS)
def generate(contribution_id: int):
    contribution = contribution_or_404(contribution_id)
    return _save_plan(contribution, _generate_form(contribution), _typed_form(contribution, formdata=None))


@bp.post("/schedule/typed")
@allow(EDITORS)
def typed(contribution_id: int):
    contribution = contribution_or_404(contribution_id)
    return _save_plan(contribution, _typed_form(contribution), _generate_form(contribution, formdata=None))


@bp.route("/write-off", methods=["GET", "POST"])
@allow(EDITORS)
def write_off(contribution_id: int):
    contribution = contribution_or_404(contribution_id)
    form = WriteOffForm(obj=contribution)
    unpaid = contribution.amount_minor - contributions.received_minor(session(), contribution)
    context = {"contribution": contribution, "unpaid_minor": unpaid}
    if form.validate_on_submit():
        try:
            given_up = contributions.write_off(session(), contribution, form.reason.data, int(form.version.data or 0))
            session().commit()
            amount = money.from_minor(given_up.amount_minor, contribution.currency)
            flash(f"{money.format_amount(amount, contribution.currency)} {contribution.currency} of contribution "
                  f"{contribution.id} written off.", "success")
            return redirect(url_for("gaps.show", code=contribution.gap.code))
        except InvalidInput as error:
            session().rollback()
            form.add_error(error)
        except EditConflict as conflict:
            session().rollback()
            form.version.data = contribution.version
            return render_form("write_off_form.html", form, 409, conflict=str(conflict), **context)
    return render_form("write_off_form.html", form, **context)
