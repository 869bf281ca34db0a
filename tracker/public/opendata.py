"""The open data: every published gap as JSON and CSV, with OCHA FTS's names for the figures
beside ours, so that whoever already reads FTS can read these. Money is a decimal string of US
dollars with two places (never a float); a figure not yet published is null (empty in CSV).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

from tracker.public.published import PublicGap

#: Our field → the FTS field that means the same (FTS's flow and plan APIs).
FTS_NAMES = {
    "original_requirement_usd": "origRequirements",
    "current_requirement_usd": "revisedRequirements",
    "funding_usd": "totalFunding",
    "coverage_pct": "progress",
}

#: The CSV's columns, in order (the JSON has the same fields, the programme nested, the donors listed).
COLUMNS = (
    "programme_code", "programme_name", "organisation", "gap_code", "title", "country",
    "original_requirement_usd", "revised_requirement_usd", "current_requirement_usd", "funding_usd",
    "shortfall_usd", "coverage_pct", *FTS_NAMES.values(), "impact_count", "impact_unit", "impact_indicator",
    "named_donors", "as_of", "licence",
)

#: What a spreadsheet would read as a formula when a cell starts with it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def gap_fields(gap: PublicGap) -> dict:
    """One gap's open-data fields (the JSON's and, flattened, the CSV's)."""
    snapshot = gap.snapshot
    fields = {
        "gap_code": gap.code,
        "title": gap.title,
        "country": gap.country,
        "original_requirement_usd": _money(gap.original_requirement_usd),
        "revised_requirement_usd": _money(gap.revised_requirement_usd),
        "current_requirement_usd": _money(snapshot.requirement_usd) if snapshot else None,
        "funding_usd": _money(snapshot.funding_usd) if snapshot else None,
        "shortfall_usd": _money(snapshot.shortfall_usd) if snapshot else None,
        "coverage_pct": _money(snapshot.coverage_pct) if snapshot else None,
        "impact_count": gap.impact_count,
        "impact_unit": gap.impact_unit,
        "impact_indicator": gap.impact_indicator,
        "as_of": _time(snapshot.taken_at) if snapshot else None,
    }
    fields.update({fts: fields[ours] for ours, fts in FTS_NAMES.items()})
    return fields


def as_json(gaps: list[PublicGap], licence: str, as_of: datetime | None) -> dict:
    return {
        "licence": licence,
        "as_of": _time(as_of),
        "fts_names": FTS_NAMES,
        "gaps": [
            {
                "programme": {"code": gap.programme.code, "name": gap.programme.name,
                              "organisation": gap.programme.organisation},
                **gap_fields(gap),
                "named_donors": [{"name": donor.name, "funding_usd": _money(donor.funding_usd)}
                                 for donor in gap.donors],
            }
            for gap in gaps
        ],
    }


def safe_cell(value: object) -> str:
    """A cell as text that no spreadsheet runs as a formula: one starting with = + - @ (or a tab
    or carriage return) gets a leading apostrophe. Money and counts never start with those."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_lines(gaps: list[PublicGap], licence: str) -> Iterator[str]:
    """The CSV, a line at a time: a header row, then a row per gap (its named donors in one cell,
    "name: amount; …")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells) -> str:
        writer.writerow([safe_cell(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(COLUMNS)
    for gap in gaps:
        fields = gap_fields(gap)
        fields.update(programme_code=gap.programme.code, programme_name=gap.programme.name,
                      organisation=gap.programme.organisation, licence=licence,
                      named_donors="; ".join(f"{d.name}: {_money(d.funding_usd)}" for d in gap.donors))
        yield line(fields[column] for column in COLUMNS)
