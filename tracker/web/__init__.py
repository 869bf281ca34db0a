"""The server-rendered pages: one blueprint per area, plus what they share."""
from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from tracker import db

csrf = CSRFProtect()
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def session() -> Session:
    """The request's session. Requests that may write (POST …) begin write transactions,
    which on SQLite take the write lock at BEGIN (see ``tracker.db``)."""
    if "db" not in g:
        g.db = db.new_session(write=request.method not in SAFE_METHODS)
    return g.db


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
    from tracker.web import contributions, dashboard, donors, errors, filters, gaps, imports, reports

    csrf.init_app(app)
    app.teardown_appcontext(_close_session)
    filters.init_app(app)
    errors.init_app(app)
    for blueprint in (dashboard.bp, gaps.bp, contributions.bp, donors.bp, reports.bp, imports.bp):
        app.register_blueprint(blueprint)
