"""The audit trail in people's words, for the History of record pages and for /admin/audit.

The trail (``tracker.core.audit``) keeps each change as it was stored: column names and raw
values (``"amount_minor": 25000000``). A finance officer reads "Amount: 250,000.00 EUR →
300,000.00 EUR". This module makes one from the other: each column of each audited record is
named once, beside the form that edits it (``HISTORY`` in the domain's ``forms.py``, labels
taken from the form's fields), with the kind of value it holds — an amount in the record's
currency, US$, a date, a donor or a gap (by name, linked), a status as a word. The raw values
stay in the entries, for administrators to open.

The names and currencies the entries refer to are read in one query per kind for a whole
page of entries, never one per row.
"""
from __future__ import annotations

import json
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask import url_for
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.core import UnboundField

from tracker.core import money
from tracker.core.countries import country_name
from tracker.core.models import AuditEntry, Contribution, Donor, Gap, Instalment, Payment, Programme, WriteOff
from tracker.web.filters import day

ACTIONS = {"create": "Created", "update": "Changed", "delete": "Removed (replaced)"}
#: The audited records that belong to a contribution, and so carry amounts in its currency.
PARTS_OF_A_CONTRIBUTION = {"payment": Payment, "write-off": WriteOff, "instalment": Instalment}
NOTHING = "—"


@dataclass
class Known:
    """What the entries refer to, read once for all of them: donors' names, gaps' codes and
    titles, the contribution each part belongs to, and the currency of each contribution as
    it stood after each entry that set it."""

    donors: dict[int, str] = field(default_factory=dict)
    gaps: dict[int, tuple[str, str]] = field(default_factory=dict)
    programmes: dict[int, tuple[str, str]] = field(default_factory=dict)
    owners: dict[tuple[str, int], int] = field(default_factory=dict)
    currencies_now: dict[int, str] = field(default_factory=dict)
    currency_trail: dict[int, list[tuple[int, str]]] = field(default_factory=dict)

    def currency(self, contribution_id: int | None, entry_id: int, before: bool) -> str | None:
        """The contribution's currency just after (or, ``before``, just before) entry ``entry_id``."""
        if contribution_id is None:
            return None
        trail = self.currency_trail.get(contribution_id, [])
        at = bisect_right([i for i, _ in trail], entry_id - 1 if before else entry_id)
        return trail[at - 1][1] if at else self.currencies_now.get(contribution_id)


@dataclass(frozen=True)
class Side:
    """One side (before or after) of one entry, as a value is shown against it: amounts are in
    ``currency`` (None for a record that holds no amount)."""

    currency: str | None
    known: Known


Show = Callable[[object, Side], str]


@dataclass(frozen=True)
class Column:
    """How one column of an audited record reads: its label and how its value is shown."""

    label: str
    show: Show | None = None  # None: plain text
    shown: bool = True  # False for what people need not read (the record's own number, search keys)


def label(unbound: UnboundField) -> str:
    """The label a form field carries, so that the history names a field as its form does."""
    return unbound.kwargs.get("label") or unbound.args[0]


# How each kind of value reads. Each takes the raw value (never None) and the side it is on.

def word(value, _side: Side) -> str:
    """A status, a type or a role, as the forms' choices read: "committed" → "Committed"."""
    return str(value).capitalize()


def amount(value, side: Side) -> str:
    """Minor units of the record's currency: 25000000 → "250,000.00 EUR"."""
    if side.currency is None:
        return f"{int(value):,} (minor units)"
    return money.format_minor(int(value), side.currency)


def usd(value, _side: Side) -> str:
    return f"US$ {money.format_amount(money.usd(int(value)))}"


def rate(value, _side: Side) -> str:
    return money.format_rate(Decimal(str(value)))


def moment(value, _side: Side) -> str:
    return day(datetime.fromisoformat(value))


def yes_no(value, _side: Side) -> str:
    return "Yes" if value else "No"


def country(value, _side: Side) -> str:
    return country_name(value)


def countries(value, _side: Side) -> str:
    """A programme's countries ("KH LA") by name."""
    return ", ".join(country_name(code) for code in str(value).split())


def donor(value, side: Side) -> str:
    name = side.known.donors.get(value)
    if name is None:
        return f"donor No. {value}"
    return Markup('<a href="{}">{}</a>').format(url_for("donors.show", donor_id=value), name)


def gap(value, side: Side) -> str:
    found = side.known.gaps.get(value)
    if found is None:
        return f"gap No. {value}"
    code, title = found
    return Markup('<a href="{}">{} {}</a>').format(url_for("gaps.show", code=code), code, title)


def programme(value, side: Side) -> str:
    found = side.known.programmes.get(value)
    if found is None:
        return f"programme No. {value}"
    code, name = found
    return Markup('<a href="{}">{} {}</a>').format(url_for("programmes.show", programme=code), code, name)


def contribution(value, _side: Side) -> str:
    return Markup('<a href="{}">No. {}</a>').format(url_for("contributions.show", contribution_id=value), value)


def number(value, _side: Side) -> str:
    return f"{int(value):,}"


def _text(value, _side: Side) -> str:
    return str(value)


#: Columns every record has and nobody needs to read in the history: the record's number is
#: its heading already.
RECORD_NUMBER = {"id": Column("Number", shown=False)}


@dataclass(frozen=True)
class Change:
    """One field of one entry: ``before`` is None when the record was created."""

    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Event:
    """One entry of the trail as a page shows it."""

    entry: AuditEntry
    action: str
    record: str
    changes: list[Change]

    @property
    def part(self) -> bool:
        """A payment, write-off or instalment, shown in its contribution's history."""
        return self.entry.record_type in PARTS_OF_A_CONTRIBUTION

    @property
    def raw(self) -> str:
        """The values as stored, for administrators."""
        return "\n".join(f"{side}: {text}" for side, text in (("before", self.entry.before),
                                                               ("after", self.entry.after)) if text)


def trail(session: Session, entries: Iterable[AuditEntry], columns: Mapping[str, Mapping[str, Column]]) -> list[Event]:
    """``entries`` in people's words, in the order given. ``columns``: record type → column → Column."""
    entries = list(entries)
    parsed = [(e, _loaded(e.before), _loaded(e.after)) for e in entries]
    known = _known(session, parsed)
    return [_event(e, before, after, columns.get(e.record_type, {}), known) for e, before, after in parsed]


def _loaded(recorded: str | None) -> dict | None:
    return None if recorded is None else json.loads(recorded)


def _event(entry: AuditEntry, before: dict | None, after: dict, columns: Mapping[str, Column], known: Known) -> Event:
    owner = _owner(entry, before, after, known)
    shown_before = Side((before or {}).get("currency") or known.currency(owner, entry.id, before=True), known)
    shown_after = Side(after.get("currency") or known.currency(owner, entry.id, before=False), known)
    if entry.action == "delete":
        changes = _listed(columns, before or {}, shown_before, removed=True)
    elif before is None:
        changes = _listed(columns, after, shown_after, removed=False)
    else:
        changes = [Change(_column(columns, key).label, _value(columns, key, before.get(key), shown_before),
                          _value(columns, key, after.get(key), shown_after))
                   for key in _ordered(columns, after) if _column(columns, key).shown]
    return Event(entry, ACTIONS.get(entry.action, entry.action), _record(entry, owner, known), changes)


def _listed(columns: Mapping[str, Column], values: dict, side: Side, removed: bool) -> list[Change]:
    """A created (or removed) record's values, empty ones left out."""
    found = []
    for key in _ordered(columns, values):
        if _column(columns, key).shown and values[key] not in (None, ""):
            shown = _value(columns, key, values[key], side)
            found.append(Change(_column(columns, key).label, shown if removed else None, None if removed else shown))
    return found


def _ordered(columns: Mapping[str, Column], values: dict) -> list[str]:
    """The keys of ``values`` in the order the columns are declared (the form's order); any
    column not declared comes last."""
    declared = [key for key in columns if key in values]
    return declared + sorted(key for key in values if key not in columns)


def _column(columns: Mapping[str, Column], key: str) -> Column:
    return columns.get(key) or RECORD_NUMBER.get(key) or Column(key.replace("_", " ").capitalize())


def _value(columns: Mapping[str, Column], key: str, value, side: Side) -> str:
    if value is None or value == "":
        return NOTHING
    show = _column(columns, key).show or _text
    return show(value, side)


def _owner(entry: AuditEntry, before: dict | None, after: dict, known: Known) -> int | None:
    """The contribution an entry's amounts are in the currency of."""
    if entry.record_type == "contribution":
        return entry.record_id
    if entry.record_type not in PARTS_OF_A_CONTRIBUTION:
        return None
    named = (after or {}).get("contribution_id") or (before or {}).get("contribution_id")
    return named or known.owners.get((entry.record_type, entry.record_id))


def _record(entry: AuditEntry, owner: int | None, known: Known) -> str:
    """The record an entry is about, named and linked where it has a page."""
    kind, number = entry.record_type, entry.record_id
    name = f"{kind.capitalize()} No. {number}"
    if kind == "contribution" or (kind in ("payment", "write-off") and owner):
        target = url_for("contributions.show", contribution_id=owner)
    elif kind == "instalment" and owner:
        target = url_for("schedules.show", contribution_id=owner)
    elif kind == "gap" and number in known.gaps:
        target = url_for("gaps.show", code=known.gaps[number][0])
    elif kind == "donor":
        target = url_for("donors.show", donor_id=number)
    else:
        return name
    return Markup('<a href="{}">{}</a>').format(target, name)


def _known(session: Session, parsed: list[tuple[AuditEntry, dict | None, dict]]) -> Known:
    """Everything the entries refer to, one query per kind."""
    known = Known()
    donors, gaps, programmes, parts = set(), set(), set(), defaultdict(set)
    for entry, before, after in parsed:
        for values in (before or {}, after or {}):
            donors.update(v for k, v in values.items() if k in ("donor_id", "merged_into_id") and v)
            gaps.update(v for k, v in values.items() if k == "gap_id" and v)
            programmes.update(v for k, v in values.items() if k == "programme_id" and v)
        if entry.record_type == "gap":
            gaps.add(entry.record_id)
        elif entry.record_type in PARTS_OF_A_CONTRIBUTION:
            parts[entry.record_type].add(entry.record_id)
    if donors:
        known.donors = dict(session.execute(select(Donor.id, Donor.name).where(Donor.id.in_(donors))).all())
    if gaps:
        known.gaps = {i: (code, title) for i, code, title in
                      session.execute(select(Gap.id, Gap.code, Gap.title).where(Gap.id.in_(gaps)))}
    if programmes:
        known.programmes = {i: (code, name) for i, code, name in session.execute(
            select(Programme.id, Programme.code, Programme.name).where(Programme.id.in_(programmes)))}
    for kind, ids in parts.items():
        model = PARTS_OF_A_CONTRIBUTION[kind]
        found = session.execute(select(model.id, model.contribution_id).where(model.id.in_(ids)))
        known.owners.update({(kind, i): owner for i, owner in found})
    _read_currencies(session, known, parsed)
    return known


def _read_currencies(session: Session, known: Known, parsed) -> None:
    """Each contribution's currency now, and after each entry of the trail that set it (a
    currency may change while nothing has been received)."""
    owners = {_owner(e, before, after, known) for e, before, after in parsed} - {None}
    if not owners:
        return
    known.currencies_now = dict(session.execute(
        select(Contribution.id, Contribution.currency).where(Contribution.id.in_(owners))).all())
    setting = session.execute(
        select(AuditEntry.id, AuditEntry.record_id, AuditEntry.after)
        .where(AuditEntry.record_type == "contribution", AuditEntry.record_id.in_(owners),
               AuditEntry.after.like('%"currency": %'))
        .order_by(AuditEntry.id))
    for entry_id, owner, after in setting:
        known.currency_trail.setdefault(owner, []).append((entry_id, json.loads(after)["currency"]))

