"""The database engine and the one session factory shared by the web app, the CLI and jobs.

SQLite is the embedded default. To let many concurrent form posts succeed rather than fail
with "database is locked", write transactions on SQLite start with ``BEGIN IMMEDIATE``: the
writer takes the lock at BEGIN and waits up to the busy timeout for it, instead of
discovering a conflict half-way through and failing at once. Read transactions stay
deferred so pages never queue behind each other (WAL lets readers run beside the writer).

A SQLite database file is created 0600 (its WAL and SHM take its mode), and every connection
runs with ``recursive_triggers`` on, so that a REPLACE which removes a row fires that table's
DELETE triggers: the audit trail's refuse it. The app's own engine (``guard_audit_trail``)
also refuses, on SQLite, what PostgreSQL keeps from the app's role by ownership: dropping,
altering or adding triggers on the audit trail, dropping or altering its table, and turning
off the pragmas its triggers rely on. Migrations run on an engine without that guard.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from tracker.core import files

#: Execution option that marks an engine's transactions as writes (see module docstring).
WRITE = "tracker_write"

SessionFactory = sessionmaker(expire_on_commit=False)


def make_engine(url: str, *, sqlite_busy_timeout_ms: int = 15_000, guard_audit_trail: bool = False) -> Engine:
    """Create the engine for ``url`` with the SQLite pragmas the app relies on; the app's own
    engine guards the audit trail's schema on SQLite (see the module docstring)."""
    if url.startswith("sqlite"):
        engine = create_engine(url)
        _configure_sqlite(engine, sqlite_busy_timeout_ms, guard_audit_trail)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL; None for an in-memory database or a URI filename."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:") or url.query.get("uri"):
        return None
    return Path(database)


AUDIT_TABLE = "audit_entry"
#: Authorizer actions whose second argument names the table they change.
_ON_TABLE = {sqlite3.SQLITE_CREATE_TRIGGER, sqlite3.SQLITE_CREATE_TEMP_TRIGGER, sqlite3.SQLITE_DROP_TRIGGER,
             sqlite3.SQLITE_DROP_TEMP_TRIGGER, sqlite3.SQLITE_ALTER_TABLE}
#: Pragmas the app's connections may read but never set: the triggers rely on them.
_LOCKED_PRAGMAS = {"recursive_triggers", "writable_schema"}


def _guard_audit_trail(action: int, first: str | None, second: str | None, _schema, _source) -> int:
    """SQLite's authorizer for the app's connections (called as each statement is prepared)."""
    table = (first if action == sqlite3.SQLITE_DROP_TABLE else second if action in _ON_TABLE else None) or ""
    resets = action == sqlite3.SQLITE_PRAGMA and (first or "").lower() in _LOCKED_PRAGMAS and second is not None
    return sqlite3.SQLITE_DENY if table.lower() == AUDIT_TABLE or resets else sqlite3.SQLITE_OK


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, guard_audit_trail: bool) -> None:
    path = _sqlite_file(engine.url)
    if path is not None:
        @event.listens_for(engine, "do_connect")
        def _create_private(*_args):
            files.create_private_if_missing(path)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA recursive_triggers=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        if guard_audit_trail:
            dbapi_connection.set_authorizer(_guard_audit_trail)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = "IMMEDIATE" if connection.get_execution_options().get(WRITE) else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


def bind(engine: Engine) -> None:
    """Point the shared session factory at ``engine`` and attach the audit trail and the
    length check to it."""
    from tracker.core import audit, limits

    SessionFactory.configure(bind=engine)
    audit.register(SessionFactory)
    limits.register(SessionFactory)


def current_engine() -> Engine:
    """The engine the session factory is bound to."""
    return SessionFactory.kw["bind"]


def new_session(*, write: bool = False, actor=None, engine: Engine | None = None) -> Session:
    """A session whose transactions are writes (``BEGIN IMMEDIATE`` on SQLite) when asked.

    ``actor`` (a ``tracker.core.audit.Actor``) is who the audit trail names for its changes;
    ``engine`` replaces the app's (``init-db`` writes as the schema's owner).
    """
    engine = engine or current_engine()
    if write:
        engine = engine.execution_options(**{WRITE: True})
    session = SessionFactory(bind=engine)
    if actor is not None:
        session.info["actor"] = actor
    return session


@contextmanager
def writing(actor=None, engine: Engine | None = None) -> Iterator[Session]:
    """One write transaction for the CLI and jobs: commit on success, roll back on error.

    Service functions only flush; whoever calls them owns the transaction, so an import of
    many rows or a job touching many gaps commits all of its work or none of it.
    """
    with new_session(write=True, actor=actor, engine=engine) as session:
        yield session
        session.commit()

