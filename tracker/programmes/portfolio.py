"""The portfolio headquarters reads: every programme with its gaps' totals, and the same gaps by
country.

Each gap's figures come from :func:`tracker.core.figures.gap_figures` (the one aggregate query);
here they are only grouped, and every group's figures are :meth:`Totals.of` its gaps, so one
gap's surplus never fills another's shortfall. A gap counts once in each table: under its
programme, and under its own country (a regional programme's gaps spread over several
countries). The grand total is the Totals of every gap shown, which is what both tables add up to.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from operator import attrgetter

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker.core.countries import country_name
from tracker.core.figures import GapFigures, Totals, gap_figures
from tracker.core.listing import ESCAPE, Sort, SortColumn, Sorting, contains_pattern
from tracker.core.models import Gap, Programme


@dataclass(frozen=True)
class PortfolioFilters:
    """What the portfolio is narrowed to. Organisation, published and the search select
    programmes; the country selects gaps (only a programme's gaps in that country count)."""

    country: str | None = None
    organisation: str | None = None
    published: bool | None = None
    search: str = ""

    @property
    def narrowed(self) -> bool:
        return any((self.country, self.organisation, self.published is not None, self.search))


@dataclass(frozen=True)
class ProgrammeLine:
    code: str
    name: str
    organisation: str
    countries: list[str]
    published: bool
    totals: Totals
    gaps: int


@dataclass(frozen=True)
class CountryLine:
    code: str
    name: str
    totals: Totals
    gaps: int


@dataclass(frozen=True)
class Portfolio:
    programmes: list[ProgrammeLine]
    countries: list[CountryLine]
    total: Totals  # Totals.of every gap shown
    gaps: int


def _figure_columns(name: SortColumn) -> dict[str, SortColumn]:
    """The sortable columns of a table of groups: its name, then the figures of its gaps."""
    totals = attrgetter("totals")
    return {
        "name": name,
        "gaps": SortColumn("Gaps", attrgetter("gaps"), descending_first=True),
        **{key: SortColumn(label, lambda line, field=field: getattr(totals(line), field), descending_first=True)
           for key, label, field in (
               ("requirement", "Requirement (US$)", "requirement_cents"),
               ("funding", "Funding (US$)", "funding_cents"),
               ("pledged", "Open pledges (US$)", "pledged_cents"),
               ("shortfall", "Shortfall (US$)", "shortfall_cents"),
               ("coverage", "Coverage", "coverage_pct"))},
    }


PROGRAMME_SORTING = Sorting(_figure_columns(SortColumn("Programme", attrgetter("code"))), Sort("name", False))
COUNTRY_SORTING = Sorting(_figure_columns(SortColumn("Country", attrgetter("name"))), Sort("name", False))


def organisations(session: Session) -> list[str]:
    """The organisations programmes name, for the filter's choices."""
    return [name for name in session.scalars(select(Programme.organisation).distinct().order_by(Programme.organisation))
            if name]


def _programmes(session: Session, filters: PortfolioFilters) -> list[Programme]:
    query = select(Programme).order_by(Programme.code)
    if filters.organisation is not None:
        query = query.where(Programme.organisation == filters.organisation)
    if filters.published is not None:
        query = query.where(Programme.published.is_(filters.published))
    if filters.search:
        pattern = contains_pattern(filters.search.lower())
        query = query.where(or_(Programme.code.ilike(pattern, escape=ESCAPE),
                                Programme.name.ilike(pattern, escape=ESCAPE)))
    return list(session.scalars(query))


def portfolio(session: Session, filters: PortfolioFilters = PortfolioFilters()) -> Portfolio:
    """The programmes the filters select with their gaps' totals, and those gaps by country.

    With a country, a programme is listed when that country is one of its own or it has a gap
    there; its figures are those of its gaps in that country."""
    programmes = _programmes(session, filters)
    gap_query = select(Gap.id, Gap.programme_id, Gap.country).where(
        Gap.programme_id.in_([p.id for p in programmes]))
    if filters.country is not None:
        gap_query = gap_query.where(Gap.country == filters.country)
    placed = {gap_id: (programme_id, country) for gap_id, programme_id, country in session.execute(gap_query)}
    figures = [f for f in gap_figures(session) if f.gap_id in placed]
    by_programme: dict[int, list[GapFigures]] = defaultdict(list)
    by_country: dict[str, list[GapFigures]] = defaultdict(list)
    for f in figures:
        programme_id, country = placed[f.gap_id]
        by_programme[programme_id].append(f)
        by_country[country].append(f)
    if filters.country is not None:
        programmes = [p for p in programmes if p.id in by_programme or filters.country in p.country_codes]
    return Portfolio(
        programmes=[ProgrammeLine(p.code, p.name, p.organisation, p.country_codes, p.published,
                                  Totals.of(by_programme[p.id]), len(by_programme[p.id])) for p in programmes],
        countries=[CountryLine(code, country_name(code), Totals.of(of_country), len(of_country))
                   for code, of_country in sorted(by_country.items())],
        total=Totals.of(figures), gaps=len(figures),
    )

