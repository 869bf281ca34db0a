"""A gap's requirement as IATI budgets: periods of at most one year, amounts adding up exactly.

The IATI standard wants each ``budget`` to cover at most one year. The split rule:

- the gap's period (start to end, both days included) is cut at each 1 January into
  calendar-year segments; each segment is at most one year long;
- each segment gets the requirement's share in proportion to its number of days, rounded
  down to the cent; the cents left over by rounding go to the last segment, so the segments
  add up exactly to the requirement;
- a gap without a period gets one segment: the calendar year of its creation (its planned
  dates in the export are that year too); a gap with only a start runs to the end of that
  start's year, one with only an end from 1 January of the end's year.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def gap_period(start: date | None, end: date | None, created: date) -> Period:
    """The period the budgets and planned dates cover (see the module's rule for missing dates)."""
    if start is None and end is None:
        return Period(date(created.year, 1, 1), date(created.year, 12, 31))
    if start is None:
        return Period(date(end.year, 1, 1), end)
    if end is None:
        return Period(start, date(start.year, 12, 31))
    return Period(start, max(start, end))


def yearly_periods(period: Period) -> list[Period]:
    """``period`` cut at each 1 January."""
    segments, start = [], period.start
    while start <= period.end:
        end = min(period.end, date(start.year, 12, 31))
        segments.append(Period(start, end))
        start = date(start.year + 1, 1, 1)
    return segments


def split(cents: int, period: Period) -> list[tuple[Period, int]]:
    """``cents`` over the yearly segments of ``period``, in proportion to their days; the
    rounding remainder goes to the last segment, so the parts add up to ``cents`` exactly."""
    segments = yearly_periods(period)
    total_days = period.days
    parts = [cents * segment.days // total_days for segment in segments]
    parts[-1] += cents - sum(parts)
    return list(zip(segments, parts, strict=True))
