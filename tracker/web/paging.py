"""Pagination of long tables, with a clear 400 for a malformed page number (``tracker.web.params``)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for

from tracker.web.params import number_argument


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_row(self) -> int:
        return min(self.total, self.offset + 1)

    @property
    def last_row(self) -> int:
        return min(self.total, self.offset + self.size)


def requested_page(total: int) -> Page:
    """The page asked for by ``?page=N``; past the end shows the last page."""
    size = current_app.config["PAGE_SIZE"]
    page = Page(number_argument("page", "The page number", default=1), size, total)
    return page if page.number <= page.pages else Page(page.pages, size, total)


def url_with(**changes) -> str:
    """This page's address with some query arguments changed (None removes one), so that
    the pager keeps the sort and the search, and a sort link keeps the search."""
    args = {**request.args.to_dict(), **changes}
    return url_for(request.endpoint, **(request.view_args or {}),
                   **{name: value for name, value in args.items() if value is not None})
