"""Text that does not fit its column is refused, never cut: one check at flush, for every path.

PostgreSQL refuses a value longer than its VARCHAR with an error (a 500 if nothing catches
it); SQLite stores it whole; and the old forms cut it silently. Checking every new or changed
row before each flush turns all three into the same ``InvalidInput`` beside the field the
attribute is named after, whether the value came from a form, an import, the CLI or the API.
Forms and importers may check earlier with friendlier wording; this is the floor.
"""
from __future__ import annotations

import functools

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session

from tracker.core.errors import InvalidInput


def too_long(obj) -> InvalidInput | None:
    """The first text attribute of ``obj`` longer than its column allows, as an error."""
    return _first_too_long(type(obj), lambda key: getattr(obj, key, None))


def too_long_row(model: type, row: dict) -> InvalidInput | None:
    """The same for ``row``, the values of a ``model`` row about to be inserted in bulk (no flush checks it)."""
    return _first_too_long(model, row.get)


def _first_too_long(model: type, value_of) -> InvalidInput | None:
    for key, limit in _limits(model):
        value = value_of(key)
        if isinstance(value, str) and len(value) > limit:
            return InvalidInput(key, f"At most {limit:,} characters are allowed here ({len(value):,} given).")
    return None


@functools.cache
def _limits(model: type) -> list[tuple[str, int]]:
    """The text attributes of ``model`` whose column has a length, and that length."""
    columns = ((attribute.key, attribute.columns[0].type) for attribute in inspect(model).column_attrs)
    return [(key, type_.length) for key, type_ in columns if isinstance(type_, String) and type_.length]


def _check(session: Session, _context, _instances) -> None:
    for obj in (*session.new, *session.dirty):
        error = too_long(obj)
        if error is not None:
            raise error


def register(session_factory) -> None:
    """Check lengths on every flush of ``session_factory``'s sessions (once, however often called)."""
    if not event.contains(session_factory, "before_flush", _check):
        event.listen(session_factory, "before_flush", _check)
