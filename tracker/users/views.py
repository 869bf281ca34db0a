"""Signing in and out, changing one's password, and the administrators' pages: the users and
the audit trail."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from tracker.core import audit
from tracker.core.models import User
from tracker.users import rules
from tracker.users.forms import AuditFilterForm, PasswordForm, SignInForm
from tracker.web import session
from tracker.web.access import ADMINS, PUBLIC, SIGNED_IN, allow
from tracker.web.paging import requested_page
from tracker.web.params import control_character
from tracker.web.saving import Save, render_form
from tracker.web.signin import end_session, start_session

bp = Blueprint("auth", __name__, template_folder="templates")
admin = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


def _safe_next(target: str | None) -> str:
    """Only a path on this site, as a browser reads it: an open redirect would make the sign-in
    page a phishing aid. Browsers take ``/\\host`` for ``//host`` and drop TAB, CR and LF from an
    address (``/<TAB>/host``), and a CR LF would split the Location header, so a backslash or a
    control character anywhere sends the person to the dashboard instead."""
    if (target and target.startswith("/") and "\\" not in target and not target.startswith("//")
            and control_character(target) is None and not urlsplit(target).netloc):
        return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    form = SignInForm()
    if form.validate_on_submit():
        config = current_app.config
        try:
            user = rules.authenticate(
                session(), form.email.data, form.password.data, request.remote_addr or "",
                max_failures=config["LOGIN_MAX_FAILURES"], window=timedelta(minutes=config["LOGIN_WINDOW_MINUTES"]),
            )
        except rules.Throttled as throttled:
            minutes = -(-throttled.retry_after // 60)
            form.form_errors.append(f"Too many failed sign-ins. Try again in {minutes} minute(s).")
            response = render_form("users/login.html", form, 429)
            return response[0], 429, {"Retry-After": str(throttled.retry_after)}
        session().commit()  # the attempt is recorded whatever the outcome
        if user is None:
            form.form_errors.append("The email or the password is wrong.")
        else:
            start_session(user)
            flash(f"Signed in as {user.email}.", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_form("users/login.html", form)


@bp.post("/logout")
@allow(SIGNED_IN)
def logout():
    user = session().get(User, current_user.id)
    rules.end_sessions(user)
    session().commit()
    end_session()
    flash("You are signed out, on every device.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(SIGNED_IN)
def password():
    form = PasswordForm()
    save = Save(form)
    if form.validate_on_submit():
        user = session().get(User, current_user.id)
        with save:
            rules.change_password(session(), user, form.current_password.data, form.new_password.data)
        if save.done:
            start_session(user)  # this session goes on; every other one has ended
            flash("Password changed. Your other sessions have been signed out.", "success")
            return redirect(url_for("dashboard.index"))
    return save.page("users/password.html")


@admin.get("/audit")
@allow(ADMINS)
def audit_trail():
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return render_template("users/admin_audit.html", form=form, entries=[], page=None), 400
    where = audit.AuditFilter(form.record_type.data or None, form.record_id.data, form.actor.data or None,
                              form.since.data, form.until.data)
    page = requested_page(audit.count_entries(session(), where))
    return render_template("users/admin_audit.html", form=form, page=page,
                           entries=audit.entries(session(), where, page.size, page.offset))


@admin.get("/users", endpoint="users")
@allow(ADMINS)
def list_users():
    return render_template("users/admin_users.html",
                           users=session().scalars(select(User).order_by(User.email)).all())
