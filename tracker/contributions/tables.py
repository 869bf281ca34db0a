"""A page's table of contributions read from its address: the filters, the search, the order
and the page number, with the totals of every row selected. The gap, donor and contributions
pages share it, so each filter means the same on all three and in the workbooks they link to."""
from __future__ import annotations

from dataclasses import dataclass, field

from tracker.contributions import listings
from tracker.contributions.filters import ContributionFilters
from tracker.contributions.forms import ContributionFiltersForm
from tracker.core.figures import ListedTotals
from tracker.web import session
from tracker.web.listing import SortedBy, requested_search, requested_sort
from tracker.web.paging import Page, requested_page


@dataclass(frozen=True)
class ContributionTable:
    """A page's table of contributions: the filter form, the order, the page of rows and the
    totals of every row the filters select. With a filter the form refuses, there are no rows
    and no totals, and the page answers 400 with the message beside the field."""

    form: ContributionFiltersForm
    search: str
    sorted_by: SortedBy
    filters: ContributionFilters | None = None
    page: Page | None = None
    lines: list[listings.ContributionLine] = field(default_factory=list)
    totals: ListedTotals | None = None
    #: A filter narrows the table beyond the page's own scope.
    narrowed: bool = False

    @property
    def filtered(self) -> bool:
        """The reader narrowed the table (a filter or a search): its totals are not the page's figures."""
        return self.narrowed or bool(self.search)

    @property
    def status(self) -> int:
        return 400 if self.filters is None else 200


def contribution_table(*, gap_code: str | None = None, donor_id: int | None = None,
                       fixed: tuple[str, ...] = ()) -> ContributionTable:
    """The table a page shows of the contributions in its scope (one gap's, one donor's, or
    every one), as the address's filters, search, sort and page number ask."""
    search, sorted_by, form = requested_search(), requested_sort(listings.SORTING), ContributionFiltersForm(fixed)
    if not form.validate():
        return ContributionTable(form, search, sorted_by)
    scope = ContributionFilters(gap_code=gap_code, donor_id=donor_id)
    listing = listings.Listing(form.filters().within(gap_code=gap_code, donor_id=donor_id), search, sorted_by.sort)
    totals = listings.contribution_totals(session(), listing)
    page = requested_page(totals.contributions)
    lines = listings.contribution_lines(session(), listing, totals, limit=page.size, offset=page.offset)
    return ContributionTable(form, search, sorted_by, listing.filters, page, lines, totals,
                             narrowed=listing.filters != scope)
