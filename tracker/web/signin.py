"""The checks every request passes: who is signed in (Flask-Login), sessions ended when idle or
past their absolute lifetime, and the view's access rule applied (``tracker.web.access``). The
sign-in pages are ``tracker.users.views``."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, abort, current_app, flash, jsonify, redirect, request, url_for
from flask import session as cookie
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy.orm import object_session

from tracker.core import db, scopes
from tracker.core.models import User
from tracker.web import access
from tracker.web.params import whole_number

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
    must_change_password: bool = False
    #: The programmes an editor or viewer is limited to; None: every programme.
    programmes: frozenset[int] | None = None

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.epoch}"

    @classmethod
    def of(cls, user: User) -> SignedIn:
        return cls(user.id, user.email, user.role, user.donor_id, user.session_epoch, user.must_change_password,
                   scopes.of_user(object_session(user), user))


@login_manager.user_loader
def load_user(token: str) -> SignedIn | None:
    user_text, _, epoch_text = token.partition(":")
    user_id, epoch = whole_number(user_text), whole_number(epoch_text)
    if user_id is None or epoch is None:
        return None
    with db.new_session() as found_in:
        user = found_in.get(User, user_id)
        if user is None or not user.active or user.session_epoch != epoch:
            return None
        return SignedIn.of(user)


def start_session(user: User) -> None:
    """Sign ``user`` in on a fresh cookie: nothing set before sign-in survives it (no fixation).
    The cookie carries when it was signed in (the absolute lifetime) and last seen (idle)."""
    cookie.clear()
    cookie.permanent = True
    login_user(SignedIn.of(user))
    cookie["signed_in"] = cookie["seen"] = int(time.time())


def end_session() -> None:
    logout_user()
    cookie.clear()


#: What a user who must choose a new password may still reach.
BEFORE_NEW_PASSWORD = {"auth.password", "auth.logout", "static"}


def _guard():
    """Every request: end sessions past their lifetimes, send a user who must choose a new
    password to that page, then apply the view's access rule."""
    if current_user.is_authenticated:
        ended = _why_session_ends()
        if ended:
            end_session()
            flash(ended, "info")
        elif current_user.must_change_password and request.endpoint not in BEFORE_NEW_PASSWORD:
            if request.path.startswith("/api/"):
                return jsonify(error="Forbidden", message="Choose a new password first."), 403
            return redirect(url_for("auth.password"))
    verdict = access.check_request()
    if verdict == "sign-in":
        if request.path.startswith("/api/"):
            return jsonify(error="Unauthorized", message="Sign in first."), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if verdict == "forbidden":
        abort(403)
    return None


def _why_session_ends() -> str | None:
    """Why the signed-in session ends now, or None: then this request moves its idle clock.

    A cookie without a sign-in time (issued before sessions had a lifetime) has outlived it."""
    now = int(time.time())
    hours = current_app.config["SESSION_MAX_HOURS"]
    if now - cookie.get("signed_in", 0) > hours * 3600:
        return f"Your session ended {hours} hours after you signed in, as every session does. Please sign in again."
    if now - cookie.get("seen", 0) > current_app.config["SESSION_IDLE_MINUTES"] * 60:
        return "Your session ended after a time without activity. Please sign in again."
    cookie["seen"] = now
    return None


def init_app(app: Flask) -> None:
    """Every response re-issues the cookie (SESSION_REFRESH_EACH_REQUEST), so its expiry in the
    browser moves with each request, as the idle clock here does. It is set to the absolute
    lifetime, not the idle time: Flask refuses a cookie older than that before this module
    sees it, and the person would come back to the sign-in page without being told why."""
    login_manager.init_app(app)
    app.permanent_session_lifetime = timedelta(hours=app.config["SESSION_MAX_HOURS"])
    app.before_request(_guard)
