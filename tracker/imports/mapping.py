"""Which column of a file holds which part of a contribution.

The mapping is guessed from the headers where it can be, and whatever a user chooses is
remembered for files with the same set of headers (a donor's spreadsheet looks the same
every quarter), so the second import needs no choosing.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.core.errors import InvalidInput
from tracker.core.models import ImportMapping


@dataclass(frozen=True)
class Target:
    """A part of a contribution a column can hold, and how the template explains it."""

    name: str
    label: str  # also the template's header
    synonyms: tuple[str, ...]  # other headers, normalised, that mean this target
    meaning: str
    example: str
    required: bool = False


TARGETS = (
    Target("donor", "Donor", ("donor name", "donors", "partner", "funder", "funding source", "source"),
           "The donor's name. A new name adds the donor; case and spaces do not matter.", "Government of Japan",
           required=True),
    Target("gap", "Funding gap code", ("gap", "gap code", "funding gap", "code", "project", "project code"),
           "The code of the funding gap, as shown in the tracker. Or choose one gap for every row.", "KHM-SME"),
    Target("amount", "Amount", ("funding", "value", "contribution", "original amount", "pledge amount",
                                "amount original currency"),
           "In the donor's currency, digits with an optional decimal point; more than zero.", "250000.00",
           required=True),
    Target("currency", "Currency", ("ccy", "currency code"),
           "ISO 4217 code. Or choose one currency for every row.", "USD"),
    Target("rate", "Exchange rate (units per US$)", ("exchange rate", "rate", "fx rate"),
           "Units of the currency per US$. Leave empty to use the rate on file; US$ needs none.", "0.92"),
    Target("status", "Status", ("contribution status", "stage"),
           "Pledged (announced), committed (signed agreement) or paid (fully received).", "committed"),
    Target("decision_date", "Decision date", ("date", "agreement date", "date signed", "signed"),
           "YYYY-MM-DD, or a cell formatted as a date.", "2026-03-01"),
    Target("rate_date", "Rate date", ("exchange rate date",),
           "The date of the exchange rate; defaults to the decision date.", "2026-03-01"),
    Target("reference", "Agreement reference", ("reference", "ref", "agreement", "agreement no", "grant number"),
           "At most 100 characters. Rows are recognised again by donor, gap, amount, currency, date and "
           "reference, so re-importing a file adds nothing twice.", "JP-2026-01"),
    Target("note", "Note", ("notes", "comment", "comments", "remarks"), "Anything else worth keeping.", ""),
)
TARGET_NAMES = tuple(t.name for t in TARGETS)
LABELS = {t.name: t.label for t in TARGETS}


def normalised(header: str) -> str:
    """'  Amount (original currency) ' → 'amount original currency'."""
    return " ".join(re.sub(r"[^\w]+", " ", header.casefold()).split())


@dataclass(frozen=True)
class Mapping:
    """Columns by target name, plus the values used for every row when a file has no such column."""

    columns: dict[str, str] = field(default_factory=dict)
    gap: str | None = None
    currency: str | None = None
    status: str | None = None

    def column(self, target: str) -> str:
        """How problems name ``target``'s column: its header in the file, or the value chosen."""
        header = self.columns.get(target)
        return header if header is not None else f"{LABELS[target]} (chosen for every row)"

    def problems(self, headers: Sequence[str]) -> list[InvalidInput]:
        """What keeps this mapping from reading a file with ``headers`` (field names of the form)."""
        found = []
        for name, header in self.columns.items():
            if header not in headers:
                found.append(InvalidInput(f"column_{name}", f"The file has no column “{header}”."))
        for target in TARGETS:
            if target.required and target.name not in self.columns:
                found.append(InvalidInput(f"column_{target.name}",
                                          f"Choose the column that holds the {target.label.lower()}."))
        for name in ("gap", "currency", "status"):
            if name not in self.columns and not getattr(self, name):
                label = LABELS[name].lower()
                found.append(InvalidInput(f"default_{name}", f"The file has no {label} column: choose the {label} "
                                                             "for every row."))
        return found


def guessed(headers: Sequence[str]) -> dict[str, str]:
    """Targets whose usual header names appear among ``headers``; each column used once."""
    by_name = {normalised(h): h for h in headers}
    columns, used = {}, set()
    for target in TARGETS:
        names = (normalised(target.label), *target.synonyms)
        header = next((by_name[s] for s in names if s in by_name and by_name[s] not in used), None)
        if header is not None:
            columns[target.name] = header
            used.add(header)
    return columns


def header_key(headers: Sequence[str]) -> str:
    """The same for any file with the same headers, whatever their order, case or spacing."""
    return hashlib.sha256("\n".join(sorted({normalised(h) for h in headers})).encode()).hexdigest()


def remembered(session: Session, headers: Sequence[str]) -> dict[str, str]:
    """The columns last chosen for these headers, else the guess."""
    found = session.get(ImportMapping, header_key(headers))
    if found is None:
        return guessed(headers)
    columns = json.loads(found.columns)
    return {name: header for name, header in columns.items() if name in TARGET_NAMES and header in headers}


def is_remembered(session: Session, headers: Sequence[str], columns: dict[str, str]) -> bool:
    """Whether ``columns`` are what is kept for these headers already: then a preview writes nothing."""
    found = session.get(ImportMapping, header_key(headers))
    return found is not None and found.columns == _stored(columns)


def _stored(columns: dict[str, str]) -> str:
    return json.dumps(columns, sort_keys=True)


def remember(session: Session, headers: Sequence[str], columns: dict[str, str]) -> None:
    """Keep ``columns`` for the next file with these headers (the last choice wins)."""
    key = header_key(headers)
    chosen = _stored(columns)
    found = session.get(ImportMapping, key)
    if found is None:
        try:
            with session.begin_nested():  # another worker may be remembering the same headers
                session.add(ImportMapping(header_key=key, columns=chosen))
            return
        except IntegrityError:
            found = session.get(ImportMapping, key)
    found.columns = chosen
    session.flush()
