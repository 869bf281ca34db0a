"""The server-rendered pages: one blueprint per area, plus what they share."""
from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_login import current_user
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from tracker import db
from tracker.audit import Actor

csrf = CSRFProtect()
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def session() -> Session:
    """The request's session. Requests that may write (POST …) begin write transactions,
    which on SQLite take the write lock at BEGIN (see ``tracker.db``)."""
    if "db" not in g:
        g.db = db.new_session(write=request.method not in SAFE_METHODS, actor=_actor())
    return g.db


def _actor() -> Actor:
    """Who the audit trail names for this request's changes."""
    address = request.remote_addr or ""
    if current_user.is_authenticated:
        return Actor(current_user.email, current_user.id, address)
    return Actor("anonymous", None, address)


def render_form(template: str, form, status: int | None = None, **context):
    """Render a form page: 400 when it carries errors (the input kept), else 200."""
    if status is None:
        status = 400 if form.errors or form.form_errors else 200
    return render_template(template, form=form, **context), status


def _close_session(_exc: BaseException | None) -> None:
    found = g.pop("db", None)
    if found is not None:
        found.close()


def init_app(app: Flask) -> None:
    from tracker.web import (admin, auth, contributions, dashboard, donors, errors, filters, gaps, headers, imports,
                             jobs, outbox, reports, schedules)

    csrf.init_app(app)
    auth.init_app(app)
    headers.init_app(app)
    app.teardown_appcontext(_close_session)
    filters.init_app(app)
    errors.init_app(app)
    for blueprint in (dashboard.bp, gaps.bp, contributions.bp, schedules.bp, donors.bp, outbox.bp, jobs.bp, admin.bp,
                      reports.bp, imports.bp):
        app.register_blueprint(blueprint)
