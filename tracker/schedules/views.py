"""A contribution's payment schedule: its instalments, the forms that plan them, writing off the
unpaid rest; and the reminders outbox, to copy into a message to the donor and mark sent."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from tracker.contributions import rules as contributions
from tracker.contributions.views import contribution_or_404
from tracker.core import money
from tracker.core.models import Contribution, Frequency, Reminder, SentVia, utcnow
from tracker.core.words import counted
from tracker.schedules import instalments, outbox
from tracker.schedules.forms import ScheduleForm, TypedScheduleForm, WriteOffForm
from tracker.web import conflicts, session
from tracker.web.access import EDITORS, SIGNED_IN, STAFF, allow, require_own_donor
from tracker.web.paging import requested_page
from tracker.web.saving import Save

bp = Blueprint("schedules", __name__, url_prefix="/contributions/<id:contribution_id>",
               template_folder="templates")
reminders = Blueprint("outbox", __name__, url_prefix="/reminders", template_folder="templates")


def _typed_lines(contribution: Contribution) -> str:
    """The instalments that have received nothing, as the typed form shows them."""
    return "\n".join(
        f"{i.due_date.isoformat()} {money.from_minor(i.amount_minor, contribution.currency)}"
        for i in contribution.instalments if not instalments.received_something(i)
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


def _page(contribution: Contribution, generate: ScheduleForm, typed: TypedScheduleForm, save: Save | None = None):
    """The schedule page: 400 when a form carries errors, 409 on a conflict, else 200."""
    conflict = save.conflict if save else None
    status = save.status if save else None
    for form in (generate, typed):
        form.version.data = contribution.version if conflict else (form.version.data or contribution.version)
        if not form.original.data:
            conflicts.remember_shown(form)
    if status is None:
        status = 400 if any(f.errors or f.form_errors for f in (generate, typed)) else 200
    received = contributions.received_minor(session(), contribution)
    return render_template("schedules/schedule.html", contribution=contribution, generate=generate, typed=typed,
                           received_minor=received, next_due=instalments.next_due(contribution),
                           conflict=conflict, save=save), status


@bp.get("/schedule")
@allow(SIGNED_IN)
def show(contribution_id: int):
    """The instalments and what is due next; the forms that plan them for editors only. A donor
    user reads its own contributions' schedules (another donor's answer 404)."""
    contribution = contribution_or_404(contribution_id)
    require_own_donor(contribution.donor_id)
    return _page(contribution, _generate_form(contribution), _typed_form(contribution))


def _save_plan(contribution: Contribution, submitted, current):
    """Apply the plan of the ``submitted`` form, or show the page again with what went wrong.

    ``current`` builds a form of the submitted kind from the schedule as it is now (for a 409)."""
    save = Save(submitted, record=contribution, current=current, creates="schedule")
    shown = url_for("schedules.show", contribution_id=contribution.id)
    if submitted.validate_on_submit() and not save.repeated():
        with save:
            contributions.set_schedule(session(), contribution, submitted.plan(), int(submitted.version.data))
            save.created(contribution)
        if save.done:
            flash(f"Payment schedule of contribution {contribution.id} saved: "
                  f"{counted(len(contribution.instalments), 'instalment')}.", "success")
            return redirect(shown)
    if save.earlier:
        return save.land_on_earlier(shown)
    other = _typed_form if isinstance(submitted, ScheduleForm) else _generate_form
    return _page(contribution, *_in_page_order(submitted, other(contribution, formdata=None)), save=save)


def _in_page_order(first, second) -> tuple[ScheduleForm, TypedScheduleForm]:
    return (first, second) if isinstance(first, ScheduleForm) else (second, first)


@bp.post("/schedule")
@allow(EDITORS)
def generate(contribution_id: int):
    contribution = contribution_or_404(contribution_id)
    return _save_plan(contribution, _generate_form(contribution), lambda: _generate_form(contribution, formdata=None))


@bp.post("/schedule/typed")
@allow(EDITORS)
def typed(contribution_id: int):
    contribution = contribution_or_404(contribution_id)
    return _save_plan(contribution, _typed_form(contribution), lambda: _typed_form(contribution, formdata=None))


@bp.route("/write-off", methods=["GET", "POST"])
@allow(EDITORS)
def write_off(contribution_id: int):
    contribution = contribution_or_404(contribution_id)
    form = WriteOffForm(obj=contribution)
    save = Save(form, record=contribution, current=lambda: WriteOffForm(obj=contribution, formdata=None),
                creates="write-off")
    unpaid = contribution.amount_minor - contributions.received_minor(session(), contribution)
    if form.validate_on_submit() and not save.repeated():
        with save:
            given_up = contributions.write_off(session(), contribution, form.reason.data, int(form.version.data))
            save.created(given_up)
        if save.done:
            amount = money.from_minor(given_up.amount_minor, contribution.currency)
            flash(f"{money.format_amount(amount, contribution.currency)} {contribution.currency} of contribution "
                  f"{contribution.id} written off.", "success")
            return redirect(url_for("gaps.show", code=contribution.gap.code))
    if save.earlier:
        return save.land_on_earlier(url_for("contributions.show", contribution_id=contribution.id))
    return save.page("schedules/write_off_form.html", contribution=contribution, unpaid_minor=unpaid)


def _unsent_only() -> bool:
    return request.args.get("show") != "all"


@reminders.get("")
@allow(STAFF)
def index():
    unsent_only = _unsent_only()
    page = requested_page(outbox.count_reminders(session(), unsent_only=unsent_only))
    return render_template(
        "schedules/outbox.html", page=page, unsent_only=unsent_only, mailbox=current_app.config["TRACKER_REMINDERS_TO"],
        lines=outbox.outbox_lines(session(), unsent_only=unsent_only, limit=page.size, offset=page.offset),
    )


@reminders.post("/<id:reminder_id>/sent")
@allow(EDITORS)
def mark_sent(reminder_id: int):
    if session().get(Reminder, reminder_id) is None:
        abort(404, description=f"There is no reminder number {reminder_id}.")
    if outbox.mark_sent(session(), reminder_id, SentVia.BY_HAND, utcnow()):
        session().commit()
        flash(f"Reminder {reminder_id} marked sent.", "success")
    else:
        flash(f"Reminder {reminder_id} had already been sent.", "success")
    return redirect(url_for("outbox.index"))
