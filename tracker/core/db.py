"""The database engine and the one session factory shared by the web app, the CLI and jobs.

SQLite is the embedded default. To let many concurrent form posts succeed rather than fail
with "database is locked", write transactions on SQLite start with ``BEGIN IMMEDIATE``: the
writer takes the lock at BEGIN and waits up to the busy timeout for it, instead of
discovering a conflict half-way through and failing at once. Read transactions stay
deferred so pages never queue behind each other (WAL lets readers run beside the writer).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Column, Engine, Table, create_engine, event, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

#: Execution option that marks an engine's transactions as writes (see module docstring).
WRITE = "tracker_write"

SessionFactory = sessionmaker(expire_on_commit=False)
#: Values bound per IN list by the queries that look many records up at once: far within the
#: limits of SQLite (32,766 bound values) and PostgreSQL (65,535).
IN_CHUNK = 500


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


def in_chunks(values: Sequence, size: int = IN_CHUNK) -> Iterator[Sequence]:
    """``values`` in slices of at most ``size``, one IN list each (see ``IN_CHUNK``)."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """Ids for ``count`` rows of ``table`` about to be inserted in bulk: then no RETURNING is
    needed, which SQLite answers a row at a time when the rows' order must be kept.

    PostgreSQL takes them from the table's sequence. SQLite, which has none, gives a new row the
    largest id plus one: the ids that follow it are free for as long as the write lock is held,
    which a write transaction of ``new_session(write=True)`` does from its BEGIN.
    """
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                                         "FROM generate_series(1, :count)"), {"table": table.name, "count": count}))
    first = session.scalar(select(func.coalesce(func.max(table.c.id), 0))) + 1
    return list(range(first, first + count))


def insert_many(session: Session, table: Table, rows: list[dict]) -> None:
    """``rows`` inserted into ``table`` by one DBAPI ``executemany`` in ``session``'s transaction.

    What a bulk INSERT through SQLAlchemy spends per row, mostly, is left out (inside a write
    lock, that is most of its time), the values stored exactly as SQLAlchemy stores them (see
    :func:`dbapi_insert`). No flush sees these rows: see ``tracker.core.audit.record_created``.
    """
    if rows:
        session.connection().exec_driver_sql(*dbapi_insert(session.get_bind().dialect, table, rows))


def dbapi_insert(dialect, table: Table, rows: list[dict]) -> tuple[str, list]:
    """The SQL and the DBAPI parameters that insert ``rows`` into ``table``: each value converted
    as its column's type does it for ``dialect`` (text of a fixed form for SQLite's dates and
    times, an integer for a rate), the columns' Python defaults (creation times …) filled in
    once for all the rows."""
    given = list(rows[0])
    defaults = {c.key: _default(c) for c in table.columns if c.key not in given and c.default is not None}
    compiled = insert(table).compile(dialect=dialect, column_keys=[*given, *defaults])
    keys = compiled.positiontup or [*given, *defaults]
    convert = {key: table.c[key].type.dialect_impl(dialect).bind_processor(dialect) or _same for key in keys}
    defaults = {key: convert[key](value) for key, value in defaults.items()}  # converted once for all rows
    converters = [(key, convert[key]) for key in given]
    values = [{**defaults, **{key: converted(row[key]) for key, converted in converters}} for row in rows]
    return str(compiled), ([tuple(v[key] for key in keys) for v in values] if compiled.positiontup else values)


def _same(value):
    return value


def _default(column: Column):
    default = column.default
    return default.arg(None) if default.is_callable else default.arg
