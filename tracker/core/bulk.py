"""Many rows at once, for the import: IN lists in chunks, ids reserved ahead, and inserts made by
one DBAPI ``executemany``.

A bulk INSERT through SQLAlchemy spends most of its time on each row's parameters, and on
SQLite answers RETURNING a row at a time when the rows' order must be kept: inside a write
lock, that is most of the lock's time. So the ids are reserved first (:func:`reserve_ids`) and
the rows go in as the DBAPI takes them (:func:`insert_many`), each value converted exactly as
its column's type converts it. No flush sees these rows: their audit entries are written by
``tracker.core.audit.record_created``, and their lengths checked by ``limits.too_long_row``.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Column, Table, func, insert, select, text
from sqlalchemy.orm import Session

#: Values bound per IN list by the queries that look many records up at once: far within the
#: limits of SQLite (32,766 bound values) and PostgreSQL (65,535).
IN_CHUNK = 500


def in_chunks(values: Sequence, size: int = IN_CHUNK) -> Iterator[Sequence]:
    """``values`` in slices of at most ``size``, one IN list each (see ``IN_CHUNK``)."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """Ids for ``count`` rows of ``table`` about to be inserted in bulk.

    PostgreSQL takes them from the table's sequence. SQLite, which has none, gives a new row the
    largest id plus one: the ids that follow it are free for as long as the write lock is held,
    which a write transaction of ``db.new_session(write=True)`` does from its BEGIN.
    """
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                                         "FROM generate_series(1, :count)"), {"table": table.name, "count": count}))
    first = session.scalar(select(func.coalesce(func.max(table.c.id), 0))) + 1
    return list(range(first, first + count))


def insert_many(session: Session, table: Table, rows: list[dict]) -> None:
    """``rows`` (dicts with the same keys) inserted into ``table`` by one DBAPI ``executemany``,
    in ``session``'s transaction."""
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
