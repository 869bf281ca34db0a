"""Sorting and searching long tables from the query string, with a clear 400 for a value the
table does not offer (the rules themselves are in ``tracker.core.listing``)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, request

from tracker.core.errors import InvalidInput
from tracker.core.listing import Sort, Sorting, search_text


@dataclass(frozen=True)
class SortedBy:
    """The order a table is shown in, with what its header links need."""

    sorting: Sorting
    sort: Sort
    #: Before ``sort`` and ``dir`` in the address, for a page with two sortable tables.
    prefix: str = ""

    def label(self, column: str) -> str:
        return self.sorting.columns[column].label

    @property
    def description(self) -> str:
        """For the table's caption: "sorted by Decision date, descending"."""
        order = "descending" if self.sort.descending else "ascending"
        return f"sorted by {self.label(self.sort.column)}, {order}"

    def aria_sort(self, column: str) -> str | None:
        """The header's aria-sort: only on the column the table is sorted by."""
        if column != self.sort.column:
            return None
        return "descending" if self.sort.descending else "ascending"

    def direction_after_click(self, column: str) -> str:
        return self.sorting.direction_after_click(self.sort, column)

    def link_args(self, column: str) -> dict[str, str | None]:
        """The query arguments of a header link: sort by ``column``, from the first page."""
        return {f"{self.prefix}sort": column, f"{self.prefix}dir": self.direction_after_click(column), "page": None}


def requested_sort(sorting: Sorting, prefix: str = "") -> SortedBy:
    """The order asked for by ``?sort=column&dir=asc|desc`` (each name after ``prefix``); 400
    naming the allowed values otherwise."""
    try:
        sort = sorting.parse(request.args.get(f"{prefix}sort"), request.args.get(f"{prefix}dir"))
        return SortedBy(sorting, sort, prefix)
    except InvalidInput as error:
        abort(400, description=error.message)


def requested_search() -> str:
    """The search text of ``?q=``, trimmed; "" when there is none."""
    try:
        return search_text(request.args.get("q"))
    except InvalidInput as error:
        abort(400, description=error.message)
