"""What every page shares: the request's session, sign-in and access checks, security headers,
template filters, error pages, the base templates and the static files.

The pages themselves live with their domains (``tracker.gaps.views`` …); this package imports
none of them.
"""
from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from tracker.core import db
from tracker.core.audit import Actor
from tracker.web.access import limit_to_programmes

csrf = CSRFProtect()
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def session() -> Session:
    """The request's session. Requests that may write (POST …) begin write transactions,
    which on SQLite take the write lock at BEGIN (see ``tracker.core.db``). A user limited to
    some programmes sees only theirs through it (``tracker.web.access.limit_to_programmes``)."""
    if "db" not in g:
        g.db = limit_to_programmes(db.new_session(write=request.method not in SAFE_METHODS, actor=actor()))
    return g.db


def reading() -> Session:
    """A read session for this request, whatever its method. A POST that reads at length before
    a short write (the import's check) reads here: ``session()`` would take SQLite's write lock
    at its first statement and hold it while the request reads."""
    if request.method in SAFE_METHODS:
        return session()
    if "read_db" not in g:
        g.read_db = limit_to_programmes(db.new_session(actor=actor()))
    return g.read_db


def actor() -> Actor:
    """Who the audit trail names for this request's changes."""
    address = request.remote_addr or ""
    if current_user.is_authenticated:
        return Actor(current_user.email, current_user.id, address)
    return Actor("anonymous", None, address)


def _close_session(_exc: BaseException | None) -> None:
    for name in ("db", "read_db"):
        found = g.pop(name, None)
        if found is not None:
            found.close()


def init_app(app: Flask) -> None:
    """Install what every request passes through; the domains' blueprints are registered by
    the app factory."""
    from tracker.web import errors, filters, headers, params, signin

    params.init_app(app)  # first: the id converter before any route, the control-character check before sign-in
    csrf.init_app(app)
    signin.init_app(app)
    headers.init_app(app)
    app.teardown_appcontext(_close_session)
    filters.init_app(app)
    errors.init_app(app)
