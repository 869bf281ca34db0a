"""Signing in and out, changing one's password, and the checks every request passes."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, abort, current_app, flash, jsonify, redirect, request,
                   session as cookie, url_for)
from flask_login import LoginManager, current_user, login_user, logout_user
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from tracker import access, db, users
from tracker.access import PUBLIC, SIGNED_IN, allow
from tracker.errors import InvalidInput
from tracker.models import User
from tracker.web import render_form, session
from tracker.web.forms import Form

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


@dataclass(frozen=True)
class SignedIn:
    """The signed-in person as the request sees it, detached from any database session.

    Its id carries the user's session epoch, so a cookie issued before a sign-out, a
    password change or a disabling no longer matches and is treated as signed out.
    """

    id: int
    email: str
    role: str
    donor_id: int | None
    epoch: int

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.epoch}"

    @classmethod
    def of(cls, user: User) -> SignedIn:
        return cls(user.id, user.email, user.role, user.donor_id, user.session_epoch)


@login_manager.user_loader
def load_user(token: str) -> SignedIn | None:
    user_id, _, epoch = token.partition(":")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None
    with db.new_session() as found_in:
        user = found_in.get(User, int(user_id))
        if user is None or not user.active or user.session_epoch != int(epoch):
            return None
        return SignedIn.of(user)


class SignInForm(Form):
    email = StringField("Email", validators=[InputRequired("Enter your email."), Length(max=254)])
    password = PasswordField("Password", validators=[InputRequired("Enter your password."), Length(max=1024)])


class PasswordForm(Form):
    current_password = PasswordField("Current password", validators=[InputRequired("Enter your current password.")])
    new_password = PasswordField("New password", validators=[InputRequired("Enter a new password.")])
    confirm = PasswordField("New password again", validators=[InputRequired("Type the new password again.")])

    def validate_confirm(self, field):
        if field.data != self.new_password.data:
            raise ValidationError("The two new passwords differ.")


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would make the sign-in page a phishing aid."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("dashboard.index")


def _start_session(user: User) -> None:
    cookie.clear()  # a fresh session: nothing set before sign-in survives it (no fixation)
    cookie.permanent = True
    login_user(SignedIn.of(user))
    cookie["seen"] = int(time.time())


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    form = SignInForm()
    if form.validate_on_submit():
        config = current_app.config
        try:
            user = users.authenticate(
                session(), form.email.data, form.password.data, request.remote_addr or "",
                max_failures=config["LOGIN_MAX_FAILURES"], window=timedelta(minutes=config["LOGIN_WINDOW_MINUTES"]),
            )
        except users.Throttled as throttled:
            minutes = -(-throttled.retry_after // 60)
            form.form_errors.append(f"Too many failed sign-ins. Try again in {minutes} minute(s).")
            response = render_form("login.html", form, 429)
            return response[0], 429, {"Retry-After": str(throttled.retry_after)}
        session().commit()  # the attempt is recorded whatever the outcome
        if user is None:
            form.form_errors.append("The email or the password is wrong.")
        else:
            _start_session(user)
            flash(f"Signed in as {user.email}.", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_form("login.html", form)


@bp.post("/logout")
@allow(SIGNED_IN)
def logout():
    user = session().get(User, current_user.id)
    users.end_sessions(user)
    session().commit()
    logout_user()
    cookie.clear()
    flash("You are signed out, on every device.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(SIGNED_IN)
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        user = session().get(User, current_user.id)
        try:
            users.change_password(session(), user, form.current_password.data, form.new_password.data)
            session().commit()
            _start_session(user)  # this session goes on; every other one has ended
            flash("Password changed. Your other sessions have been signed out.", "success")
            return redirect(url_for("dashboard.index"))
        except InvalidInput as error:
            session().rollback()
            form.add_error(error)
    return render_form("password.html", form)


def _guard():
    """Every request: end idle sessions, then apply the view's access rule."""
    if current_user.is_authenticated and _idle_too_long():
        logout_user()
        cookie.clear()
        flash("Your session ended after a time without activity. Please sign in again.", "info")
    verdict = access.check_request()
    if verdict == "sign-in":
        if request.path.startswith("/api/"):
            return jsonify(error="Unauthorized", message="Sign in first."), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if verdict == "forbidden":
        abort(403)
    return None


def _idle_too_long() -> bool:
    now = int(time.time())
    seen = cookie.get("seen", 0)
    if now - seen > current_app.config["SESSION_IDLE_MINUTES"] * 60:
        return True
    if now - seen > 60:  # refresh at most once a minute, to keep responses cacheable and cheap
        cookie["seen"] = now
    return False


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.permanent_session_lifetime = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    app.before_request(_guard)
    app.register_blueprint(bp)
