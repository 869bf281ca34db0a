"""The reminders outbox: reminders to copy into a message to the donor, and to mark sent."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from tracker import outbox
from tracker.access import EDITORS, STAFF, allow
from tracker.models import Reminder, SentVia, utcnow
from tracker.web import session
from tracker.web.paging import requested_page

bp = Blueprint("outbox", __name__, url_prefix="/reminders")


def _unsent_only() -> bool:
    return request.args.get("show") != "all"


@bp.get("")
@allow(STAFF)
def index():
    unsent_only = _unsent_only()
    page = requested_page(outbox.count_reminders(session(), unsent_only=unsent_only))
    return render_template(
        "outbox.html", page=page, unsent_only=unsent_only,
        lines=outbox.outbox_lines(session(), unsent_only=unsent_only, limit=page.size, offset=page.offset),
    )


@bp.post("/<int:reminder_id>/sent")
@allow(EDITORS)
def mark_sent(reminder_id: int):
    reminder = session().get(Reminder, reminder_id)
    if reminder is None:
        abort(404, description=f"There is no reminder number {reminder_id}.")
    if outbox.mark_sent(session(), reminder, SentVia.BY_HAND, utcnow()):
        session().commit()
        flash(f"Reminder {reminder_id} marked sent.", "success")
    else:
        flash(f"Reminder {reminder_id} had already been sent.", "success")
    return redirect(url_for("outbox.index"))
