"""The database engine and the one session factory shared by the web app, the CLI and jobs.

SQLite is the embedded default. To let many concurrent form posts succeed rather than fail
with "database is locked", write transactions on SQLite start with ``BEGIN IMMEDIATE``: the
writer takes the lock at BEGIN and waits up to the busy timeout for it, instead of
discovering a conflict half-way through and failing at once. Read transactions stay
deferred so pages never queue behind each other (WAL lets readers run beside the writer).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

#: Execution option that marks an engine's transactions as writes (see module docstring).
WRITE = "tracker_write"

SessionFactory = sessionmaker(expire_on_commit=False)

def make_engine(url: str, *, sqlite_busy_timeout_ms: int = 15_000) -> Engine:
    """Create the engine for ``url`` with the SQLite pragmas the app relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url)
        _configure_sqlite(engine, sqlite_busy_timeout_ms)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

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


def new_session(*, write: bool = False, actor=None) -> Session:
    """A session whose transactions are writes (``BEGIN IMMEDIATE`` on SQLite) when asked.

    ``actor`` (a ``tracker.core.audit.Actor``) is who the audit trail names for its changes.
    """
    engine = current_engine()
    if write:
        engine = engine.execution_options(**{WRITE: True})
    session = SessionFactory(bind=engine)
    if actor is not None:
        session.info["actor"] = actor
    return session


@contextmanager
def writing(actor=None) -> Iterator[Session]:
    """One write transaction for the CLI and jobs: commit on success, roll back on error.

    Service functions only flush; whoever calls them owns the transaction, so an import of
    many rows or a job touching many gaps commits all of its work or none of it.
    """
    with new_session(write=True, actor=actor) as session:
        yield session
        session.commit()

