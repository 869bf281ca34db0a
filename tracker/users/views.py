"""Signing in and out, changing one's password, and the administrators' pages: the users and
the audit trail."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from tracker.contributions.forms import HISTORY as CONTRIBUTIONS
from tracker.core import audit
from tracker.core.models import User
from tracker.donors.forms import HISTORY as DONORS
from tracker.gaps.forms import HISTORY as GAPS
from tracker.jobs.views import HISTORY as JOBS
from tracker.rates.forms import HISTORY as RATES
from tracker.schedules.forms import HISTORY as SCHEDULES
from tracker.users import rules, throttle
from tracker.users.forms import HISTORY as USERS
from tracker.users.forms import AuditFilterForm, PasswordForm, SignInForm
from tracker.web import session
from tracker.web.access import ADMINS, PUBLIC, SIGNED_IN, allow
from tracker.web.history import trail
from tracker.web.paging import requested_page
from tracker.web.params import control_character
from tracker.web.saving import Save, render_form
from tracker.web.signin import end_session, start_session

bp = Blueprint("auth", __name__, template_folder="templates")
admin = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

#: How long a sign-in waits for the slots other checks of its pair hold before answering 429.
BUSY_PATIENCE_SECONDS = 30
#: How every audited record's history reads, each domain's table beside its forms.
EVERY_RECORD = {**GAPS, **DONORS, **CONTRIBUTIONS, **RATES, **SCHEDULES, **USERS, **JOBS}


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
        try:
            user = _authenticate(form.email.data, form.password.data)
        except throttle.Refused as refused:
            form.form_errors.append(f"Too many failed sign-ins. Try again in {_duration(refused.retry_after)}.")
            response = render_form("users/login.html", form, 429)
            return response[0], 429, {"Retry-After": str(refused.retry_after)}
        if user is None:
            form.form_errors.append("The email or the password is wrong.")
        else:
            start_session(user)
            flash(f"Signed in as {user.email}.", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_form("users/login.html", form)


def _authenticate(email: str, password: str) -> User | None:
    """Admit the attempt, check its password, record the outcome: two short write transactions
    with argon2's work between them, so that it never holds SQLite's write lock."""
    limits = throttle.Limits.of(current_app.config)
    attempt = _admitted(email, request.remote_addr or "", limits)
    checked = rules.check_password(attempt, password)
    user = rules.finish_sign_in(session(), attempt, checked, limits)
    session().commit()
    return user


def _admitted(email: str, address: str, limits: throttle.Limits) -> rules.Attempt:
    """Ask the throttle until it admits the attempt or refuses it. ``Busy`` means other checks of
    the same account from the same address hold the pair's last slots (a burst no person makes);
    the transaction ends before each wait, so that they can finish and free them."""
    deadline = time.monotonic() + BUSY_PATIENCE_SECONDS
    pause = 0.02
    while True:
        try:
            attempt = rules.admit_sign_in(session(), email, address, limits)
        except (throttle.Busy, throttle.Refused) as answer:
            session().rollback()  # nothing counted, and SQLite's write lock goes before any page is made
            if isinstance(answer, throttle.Refused):
                raise
            if time.monotonic() > deadline:
                raise throttle.Refused(1) from None
            time.sleep(pause)
            pause = min(2 * pause, 0.5)
            continue
        session().commit()  # counted as being checked, whatever happens next
        return attempt


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


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
                           entries=trail(session(), audit.entries(session(), where, page.size, page.offset),
                                         EVERY_RECORD))


@admin.get("/users", endpoint="users")
@allow(ADMINS)
def list_users():
    return render_template("users/admin_users.html",
                           users=session().scalars(select(User).order_by(User.email)).all())
