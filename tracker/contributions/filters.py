"""What a list or a report of contributions is narrowed to: one set of filters for the pages'
tables and the workbooks, so a download link carries exactly what the page shows.

A filter left empty selects everything. Programme, gap and donor are the scope (a gap's page, a donor's
page, a report's every sheet); the others narrow the listed contributions only. Dates select by
decision date (a pledge without one is left out of any date range). A contribution is overdue
as :func:`tracker.schedules.instalments.refresh_overdue` defines it (``overdue_since`` set).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Select, select

from tracker.core.models import Contribution, ContributionStatus, Gap, Programme

CANCELLED = ContributionStatus.CANCELLED.value


@dataclass(frozen=True)
class ContributionFilters:
    gap_code: str | None = None
    #: The workbooks' filter only (the pages' tables do not offer it): the gaps of one programme.
    programme_code: str | None = None
    donor_id: int | None = None
    status: str | None = None
    currency: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    #: Leave cancelled contributions out (by default listings show them, after the others).
    hide_cancelled: bool = False

    def within(self, *, gap_code: str | None = None, donor_id: int | None = None) -> ContributionFilters:
        """These filters on a page that is itself one gap's or one donor's: its scope wins."""
        return replace(self, gap_code=gap_code or self.gap_code, donor_id=donor_id or self.donor_id)

    def gap_and_donor(self, query: Select) -> Select:
        """``query`` (over contributions) narrowed to the programme, gap and donor selected (the scope)."""
        if self.programme_code is not None:
            in_programme = select(Gap.id).join(Programme, Programme.id == Gap.programme_id).where(
                Programme.code == self.programme_code)
            query = query.where(Contribution.gap_id.in_(in_programme))
        if self.gap_code is not None:
            gap_id = select(Gap.id).where(Gap.code == self.gap_code).scalar_subquery()
            query = query.where(Contribution.gap_id == gap_id)
        if self.donor_id is not None:
            query = query.where(Contribution.donor_id == self.donor_id)
        return query

    def contributions(self, query: Select) -> Select:
        """``query`` (over contributions) narrowed by every filter but the dates, which a
        report applies to each sheet's own date (decision date, date received)."""
        query = self.gap_and_donor(query)
        if self.status is not None:
            query = query.where(Contribution.status == self.status)
        if self.currency is not None:
            query = query.where(Contribution.currency == self.currency)
        if self.overdue:
            query = query.where(Contribution.overdue_since.is_not(None))
        if self.hide_cancelled:
            query = query.where(Contribution.status != CANCELLED)
        return query

    def decided(self, query: Select) -> Select:
        """``query`` narrowed by every filter, the dates by decision date."""
        return self.contributions(query).where(*between(Contribution.decision_date, self.date_from, self.date_to))

    def narrows_listings_only(self) -> bool:
        """Whether a filter beyond the scope is set (it narrows a report's listings, not its figures)."""
        return any((self.status, self.currency, self.date_from, self.date_to, self.overdue, self.hide_cancelled))

    def query_args(self) -> dict[str, str]:
        """The filters as the query string of the filter form, for links that keep them."""
        args = {"programme": self.programme_code, "gap": self.gap_code, "donor": self.donor_id,
                "status": self.status, "currency": self.currency,
                "date_from": self.date_from and self.date_from.isoformat(),
                "date_to": self.date_to and self.date_to.isoformat(),
                "overdue": "y" if self.overdue else None, "cancelled": "hide" if self.hide_cancelled else None}
        return {name: str(value) for name, value in args.items() if value is not None}


def between(column, start: date | None, end: date | None) -> list:
    """Conditions keeping ``column`` within [start, end]; an end left open keeps no condition."""
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column <= end)
    return conditions
