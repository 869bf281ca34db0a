"""Administration: the audit trail and the list of users."""
from flask import Blueprint, render_template, request
from sqlalchemy import select
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional

from tracker import audit
from tracker.access import ADMINS, allow
from tracker.models import User
from tracker.web import session
from tracker.web.forms import Form, date_field, options
from tracker.web.paging import requested_page

bp = Blueprint("admin", __name__, url_prefix="/admin")


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET search form changes nothing

    record_type = SelectField("Record", choices=options([("", "All records"),
                                                         *((t, t.capitalize()) for t in audit.AUDITED.values())]))
    record_id = IntegerField("Record number", validators=[Optional(), NumberRange(min=1)])
    actor = StringField("Changed by (email)", validators=[Optional()])
    since = date_field("From")
    until = date_field("To")


@bp.get("/audit")
@allow(ADMINS)
def audit_trail():
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return render_template("admin_audit.html", form=form, entries=[], page=None), 400
    where = audit.AuditFilter(form.record_type.data or None, form.record_id.data, form.actor.data or None,
                              form.since.data, form.until.data)
    page = requested_page(audit.count_entries(session(), where))
    return render_template("admin_audit.html", form=form, page=page,
                           entries=audit.entries(session(), where, page.size, page.offset))


@bp.get("/users")
@allow(ADMINS)
def users():
    return render_template("admin_users.html", users=session().scalars(select(User).order_by(User.email)).all())
