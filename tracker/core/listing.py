"""What the long tables share: a whitelist of sortable columns, the sort a reader asked for,
and search text turned into a safe LIKE pattern.

Each table declares its :class:`Sorting` once, beside the query it orders (SQL expressions),
or beside the list it orders in memory (functions of a row, for lists that are already one
aggregated row per gap). Nothing a reader types reaches SQL except as a bound parameter:
the column comes from the whitelist, and search text is escaped.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from tracker.core.errors import InvalidInput

DIRECTIONS = {"asc": False, "desc": True}
#: Longest search text accepted; longer input is a mistake (or an attack), not a search.
MAX_SEARCH = 200
#: The escape character of every LIKE pattern built here.
ESCAPE = "\\"


@dataclass(frozen=True)
class SortColumn:
    """A column readers may sort by.

    ``by`` is a SQL expression for tables sorted in the database, or a function of a row for
    lists sorted in memory. ``descending_first``: the first click shows the largest or newest
    first, which is what people look for in amounts and dates. ``may_be_empty``: the column can
    be NULL, and its empty values are put last in both directions; only such columns say NULLS
    LAST in SQL, which would otherwise keep PostgreSQL from walking an index in descending order.
    """

    label: str
    by: Any
    descending_first: bool = False
    may_be_empty: bool = False


@dataclass(frozen=True)
class Sort:
    column: str
    descending: bool

    @property
    def direction(self) -> str:
        return "desc" if self.descending else "asc"


@dataclass(frozen=True)
class Sorting:
    """The sortable columns of one table and its order when the reader asks for none."""

    columns: Mapping[str, SortColumn]
    default: Sort

    def parse(self, column: str | None, direction: str | None) -> Sort:
        """The sort asked for by ``?sort=column&dir=asc|desc``; ``InvalidInput`` names what is allowed."""
        if column is None and direction is None:
            return self.default
        key = self.default.column if column is None else column
        if key not in self.columns:
            raise InvalidInput("sort", f"This table cannot be sorted by “{column}”. Click a column's heading "
                                       f"to sort by it, or use sort= with one of: {', '.join(self.columns)}.")
        if direction is None:
            return Sort(key, self.columns[key].descending_first)
        if direction.lower() not in DIRECTIONS:
            raise InvalidInput("dir", f"The sort direction “{direction}” is neither asc (A to Z, smallest first) "
                                      "nor desc (Z to A, largest first).")
        return Sort(key, DIRECTIONS[direction.lower()])

    def direction_after_click(self, current: Sort, column: str) -> str:
        """A header link: the current column flips its direction; another starts at its natural one."""
        if current.column == column:
            return "asc" if current.descending else "desc"
        return "desc" if self.columns[column].descending_first else "asc"


def ordered(query: Select, sorting: Sorting, sort: Sort, tiebreak) -> Select:
    """``query`` in the reader's order, then by ``tiebreak`` (a unique column), so that rows
    with equal values keep one order from page to page. Empty values come last either way."""
    column = sorting.columns[sort.column]
    first = column.by.desc() if sort.descending else column.by.asc()
    last = tiebreak.desc() if sort.descending else tiebreak.asc()
    return query.order_by(first.nulls_last() if column.may_be_empty else first, last)


def sorted_rows(rows: Sequence, sorting: Sorting, sort: Sort, tiebreak: Callable[[Any], Any]) -> list:
    """Rows already in memory in the reader's order, then by ``tiebreak``; None values last."""
    key = sorting.columns[sort.column].by
    in_order = sorted(rows, key=tiebreak, reverse=sort.descending)
    known = [row for row in in_order if key(row) is not None]
    unknown = [row for row in in_order if key(row) is None]
    return sorted(known, key=key, reverse=sort.descending) + unknown


def search_text(raw: str | None) -> str:
    """What a reader typed into a search box, trimmed; "" for no search."""
    text = " ".join((raw or "").split())
    if len(text) > MAX_SEARCH:
        raise InvalidInput("q", f"Search for at most {MAX_SEARCH} characters.")
    return text


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching values that contain ``text`` literally: a ``%`` or ``_`` typed by
    the reader is a character to find, not a wildcard. Use with ``escape=ESCAPE``."""
    escaped = text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"
