"""Creating and revising funding gaps. A revised requirement never erases the original."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import attrgetter

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tracker.core import money
from tracker.core.errors import EditConflict, InvalidInput
from tracker.core.listing import Sort, SortColumn, Sorting
from tracker.core.models import Gap, GapStatus, Programme
from tracker.programmes.rules import get_programme

CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
#: The largest impact target (people, workers …): a hundred times the world's population.
MAX_IMPACT = 10**12

#: The sortable columns of the dashboard's table. It lists ``tracker.core.figures.GapFigures``, one
#: aggregated row per gap already in memory, so it is sorted there, never re-added.
FIGURES_SORTING = Sorting(
    columns={
        "gap": SortColumn("Gap", attrgetter("code")),
        "requirement": SortColumn("Requirement (US$)", attrgetter("requirement_cents"), descending_first=True),
        "funding": SortColumn("Funding (US$)", attrgetter("funding_cents"), descending_first=True),
        "pledged": SortColumn("Open pledges (US$)", attrgetter("pledged_cents"), descending_first=True),
        "shortfall": SortColumn("Shortfall (US$)", attrgetter("shortfall_cents"), descending_first=True),
        "coverage": SortColumn("Coverage", attrgetter("coverage_pct"), descending_first=True),
    },
    default=Sort("gap", descending=False),
)
BY_SHORTFALL = Sort("shortfall", descending=True)


@dataclass(frozen=True)
class GapInput:
    code: str
    title: str
    country: str  # ISO 3166 alpha-2
    programme: str  # the programme's code
    requirement_usd: Decimal  # the original on creation; the revised value on edit
    description: str = ""
    impact_count: int | None = None
    impact_unit: str = ""
    impact_indicator: str = ""
    period_start: date | None = None
    period_end: date | None = None
    status: str = GapStatus.OPEN.value
    published: bool = False


def get_gap(session: Session, code: str) -> Gap | None:
    return session.scalar(select(Gap).where(Gap.code == code.upper()))


def _programme(session: Session, code: str) -> Programme:
    programme = get_programme(session, code)
    if programme is None:
        raise InvalidInput("programme", "Choose the programme the gap belongs to.")
    return programme


def _checked(session: Session, entry: GapInput, gap: Gap | None) -> str:
    """Check the rules a gap must keep; return its normalised code."""
    code = entry.code.strip().upper()
    if gap is not None and code != gap.code:
        raise InvalidInput("code", f"A gap's code cannot change: links and reports use {gap.code}.")
    if not CODE.match(code):
        raise InvalidInput("code", "Use 2 to 20 capital letters, digits or hyphens, e.g. KHM-AGRI.")
    same_code = get_gap(session, code)
    if same_code is not None and same_code is not gap:
        raise InvalidInput("code", f"Another gap already has the code {code}.")
    if not entry.title.strip():
        raise InvalidInput("title", "Enter the gap's title.")
    if pycountry.countries.get(alpha_2=entry.country.upper()) is None:
        raise InvalidInput("country", "Choose a country.")
    if entry.requirement_usd < 0:
        raise InvalidInput("requirement", "The requirement cannot be negative.")
    if entry.requirement_usd > money.usd(money.MAX_USD_CENTS):
        raise InvalidInput("requirement", f"A requirement is at most US$ {money.usd(money.MAX_USD_CENTS):,.0f}.")
    if entry.impact_count is not None and entry.impact_count < 0:
        raise InvalidInput("impact_count", "The impact target cannot be negative.")
    if entry.impact_count is not None and entry.impact_count > MAX_IMPACT:
        raise InvalidInput("impact_count", f"An impact target is at most {MAX_IMPACT:,}.")
    if entry.period_start and entry.period_end and entry.period_end < entry.period_start:
        raise InvalidInput("period_end", "The period cannot end before it starts.")
    if entry.status not in {s.value for s in GapStatus}:
        raise InvalidInput("status", "Choose open or closed.")
    return code


def _apply(session: Session, gap: Gap, entry: GapInput, code: str) -> None:
    gap.code = code
    gap.title = entry.title.strip()
    gap.country = entry.country.upper()
    gap.programme = _programme(session, entry.programme)
    gap.published = entry.published
    gap.description = entry.description.strip()
    gap.impact_count = entry.impact_count
    gap.impact_unit = entry.impact_unit.strip()
    gap.impact_indicator = entry.impact_indicator.strip()
    gap.period_start = entry.period_start
    gap.period_end = entry.period_end
    gap.status = entry.status


def create_gap(session: Session, entry: GapInput) -> Gap:
    """Add a gap; its requirement is the original requirement."""
    code = _checked(session, entry, None)
    gap = Gap(original_requirement_cents=money.to_minor(entry.requirement_usd, "USD"))
    _apply(session, gap, entry, code)
    session.add(gap)
    session.flush()
    return gap


def update_gap(session: Session, gap: Gap, entry: GapInput, expected_version: int) -> Gap:
    """Revise a gap. A requirement different from the original becomes the revised value;
    the original is kept for the record."""
    if gap.version != expected_version:
        raise EditConflict(f"Gap {gap.code}")
    code = _checked(session, entry, gap)
    cents = money.to_minor(entry.requirement_usd, "USD")
    if cents != gap.requirement_cents:
        gap.revised_requirement_cents = None if cents == gap.original_requirement_cents else cents
    _apply(session, gap, entry, code)
    try:
        session.flush()
    except StaleDataError:
        raise EditConflict(f"Gap {gap.code}") from None
    return gap
