"""Signing in and out, changing one's password or setting it by a sign-in link, and the
administrators' pages: the users (inviting, roles, disabling, reset links) and the audit trail."""
from __future__ import annotations

import smtplib
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from tracker.contributions.forms import HISTORY as CONTRIBUTIONS
from tracker.core import audit
from tracker.core.mail import SmtpServer
from tracker.core.models import LinkPurpose, User
from tracker.donors import rules as donors
from tracker.donors.forms import HISTORY as DONORS
from tracker.fts.forms import HISTORY as FTS
from tracker.gaps.forms import HISTORY as GAPS
from tracker.jobs.views import HISTORY as JOBS
from tracker.programmes.forms import HISTORY as PROGRAMMES
from tracker.rates.forms import HISTORY as RATES
from tracker.schedules.forms import HISTORY as SCHEDULES
from tracker.users import links, rules, throttle
from tracker.users.forms import HISTORY as USERS
from tracker.users.forms import (
    AuditFilterForm,
    InviteForm,
    NewPasswordForm,
    PasswordForm,
    RoleForm,
    SignInForm,
    UserChangeForm,
)
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
EVERY_RECORD = {**GAPS, **PROGRAMMES, **DONORS, **CONTRIBUTIONS, **RATES, **SCHEDULES, **USERS, **JOBS, **FTS}


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


def _donor_names() -> list[str]:
    """The live donors' names, offered beside the donor field (a donor user's donor is named, never numbered)."""
    return [name for _id, name in donors.donor_choices(session())]


def _hours() -> int:
    return current_app.config["TRACKER_INVITE_HOURS"]


@admin.route("/users/invite", methods=["GET", "POST"])
@allow(ADMINS)
def invite():
    form = InviteForm()
    save = Save(form, creates="user")
    if form.validate_on_submit() and not save.repeated():
        with save:
            donor_id = rules.donor_named(session(), form.donor.data, form.role.data)
            user, token = rules.invite_user(session(), form.email.data, form.role.data, donor_id, _hours())
            save.created(user)
        if save.done:
            return _link_page(user, token, LinkPurpose.INVITATION)
    if save.earlier:
        return save.land_on_earlier(url_for("admin.user", user_id=save.earlier.record_id))
    return save.page("users/invite.html", donors=_donor_names())


def _link_page(user: User, token: str, purpose: str):
    """The link, shown this once for the administrator to copy (its token is kept nowhere), and
    e-mailed to the user when SMTP is configured."""
    url = url_for("auth.link", token=token, _external=True)
    server = SmtpServer.from_config(current_app.config)
    emailed = None
    if server is not None:
        try:
            links.email(server, user.email, purpose, url, _hours())
            emailed = True
        except (smtplib.SMTPException, OSError):
            current_app.logger.exception("The %s link for %s could not be e-mailed", purpose, user.email)
            emailed = False
    made = "Invitation" if purpose == LinkPurpose.INVITATION else "Password reset link"
    flash(f"{made} for {user.email} made: copy the link below.", "success")
    page = render_template("users/admin_link.html", user=user, url=url, purpose=purpose, emailed=emailed,
                           hours=_hours())
    return page, 200, {"Cache-Control": "no-store"}


def _user_or_404(user_id: int) -> User:
    user = session().get(User, user_id)
    if user is None:
        abort(404, description=f"There is no user number {user_id}.")
    return user


def _role_form(user: User, **kwargs) -> RoleForm:
    return RoleForm(data={"role": user.role, "donor": user.donor.name if user.donor else "",
                          "version": user.version}, **kwargs)


def _user_page(user: User, form, save: Save | None = None):
    """The user's page: its role form, its access and reset buttons, and its history; ``form``
    is the one just posted (its errors shown), or the role form."""
    role_form = form if isinstance(form, RoleForm) else _role_form(user, formdata=None)
    change = UserChangeForm(formdata=None, data={"version": user.version})
    context = dict(user=user, role_form=role_form, change=change, donors=_donor_names(),
                   history=trail(session(), audit.history(session(), "user", user.id), USERS))
    if save is None:
        return render_form("users/admin_user.html", form, **context)
    return save.page("users/admin_user.html", **context)


@admin.get("/users/<id:user_id>")
@allow(ADMINS)
def user(user_id: int):
    found = _user_or_404(user_id)
    return _user_page(found, _role_form(found))


def _user_changed(found: User, form, change: Callable[[int], object], done: Callable[[object], object]):
    """One administrator's change of ``found`` from one of its page's forms: ``change(version)``
    in one save, then ``done(what change returned)`` answers; else the page again, saying why."""
    save = Save(form, record=found)
    if form.validate_on_submit():
        with save:
            changed = change(int(form.version.data))
        if save.done:
            return done(changed)
    return _user_page(found, form, save)


def _back_to(found: User, message: str):
    flash(message, "success")
    return redirect(url_for("admin.user", user_id=found.id))


@admin.post("/users/<id:user_id>/role")
@allow(ADMINS)
def user_role(user_id: int):
    """A new role or donor; the user's sessions end so that it applies at once."""
    found = _user_or_404(user_id)
    form = RoleForm()

    def change(version: int) -> None:
        donor_id = rules.donor_named(session(), form.donor.data, form.role.data)
        rules.set_role(session(), found, form.role.data, donor_id, version)

    return _user_changed(found, form, change,
                         lambda _: _back_to(found, f"{found.email} is now {found.role}; their sessions have ended."))


@admin.post("/users/<id:user_id>/access")
@allow(ADMINS)
def user_access(user_id: int):
    """Disable an active user (their sessions end) or enable a disabled one."""
    found = _user_or_404(user_id)
    change = rules.disable if found.active else rules.enable
    said = "disabled; their sessions have ended" if found.active else "enabled"
    return _user_changed(found, UserChangeForm(), lambda version: change(session(), found, version),
                         lambda _: _back_to(found, f"{found.email} {said}."))


@admin.post("/users/<id:user_id>/reset")
@allow(ADMINS)
def user_reset(user_id: int):
    """A single-use link that lets the user set a new password; the current one works until then."""
    found = _user_or_404(user_id)
    return _user_changed(found, UserChangeForm(),
                         lambda version: rules.reset_password(session(), found, version, _hours()),
                         lambda token: _link_page(found, token, LinkPurpose.RESET))


#: How a link that cannot be used answers: unknown links are not found (404); expired and used
#: ones are gone for good (410), and the page says which.
REFUSED_STATUS = {"unknown": 404, "expired": 410, "used": 410}


@bp.route("/link/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
def link(token: str):
    """Set a password by an invitation or reset link, then go on signed in."""
    found = links.find(session(), token)
    try:
        links.check(found)
    except links.Refused as refused:
        return _refused_link(refused.reason)
    session().info["actor"] = audit.Actor(found.user.email, found.user.id, request.remote_addr or "")
    form = NewPasswordForm()
    save = Save(form)
    if form.validate_on_submit():
        try:
            with save:
                accepted = rules.accept_link(session(), token, form.new_password.data)
        except links.Refused as refused:  # used or expired while the password was typed
            return _refused_link(refused.reason)
        if save.done:
            start_session(accepted)
            flash(f"Password set. You are signed in as {accepted.email}.", "success")
            return redirect(url_for("dashboard.index"))
    page, status = save.page("users/link.html", purpose=found.purpose, email=found.user.email)
    return page, status, {"Cache-Control": "no-store"}


def _refused_link(reason: str):
    page = render_template("users/link_refused.html", reason=reason)
    return page, REFUSED_STATUS[reason], {"Cache-Control": "no-store"}
