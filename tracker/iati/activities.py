"""The gaps as an IATI 2.03 ``iati-activities`` file: one ``iati-activity`` per gap.

What goes where (the README's mapping table says the same):

- ``iati-identifier`` = TRACKER_IATI_REPORTING_ORG + "-" + the gap code; ``reporting-org`` with its
  ref, type and name (settings);
- the gap's title and description (else its programme's, else its title: the schema wants one)
  as narratives in English (``xml:lang``; one language until the gaps have translations);
  a ``participating-org`` per funder (role 1, each donor with a contribution in the file) and
  the implementer (role 4, the programme's organisation);
- ``activity-status`` from the gap's status and period, ``activity-date`` planned start and end
  from its period (type 1 and 3) and actual start (type 2) at the first payment received;
- ``recipient-country`` (the gap's country), a ``tag`` for an SDG indicator ("SDG 1.3.1",
  vocabulary 3) or target ("SDG 1.3", vocabulary 2) named in the impact indicator;
- ``budget`` type 1 (original requirement) and, when revised, type 2, split by ``budgets.split``;
- ``planned-disbursement`` for each unpaid rest of an instalment due after today;
- ``transaction``s in the contribution's own currency, ``value-date`` its rate date: 13 Incoming
  Pledge for a pledge, 11 Incoming Commitment for a commitment or a paid contribution (less an
  unpaid rest written off), 1 Incoming Funds for each payment not voided (at its date received)
  and for the rest a contribution marked paid counts as received without a payment. Cancelled
  contributions are left out (they never happened for the reader of IATI), and so is any
  transaction dated after today;
- a ``result`` (impact) whose indicator's target is the gap's impact count, when it has one.

Element order follows the 2.03 schema (``iati-activities-schema.xsd``); the tests validate every
file against it and check every code against ``codelists``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker.core import money
from tracker.core.models import Contribution, ContributionStatus, DonorType, Gap, GapStatus, InstalmentStatus
from tracker.iati import budgets

VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: Our donor types as IATI OrganisationType codes.
ORGANISATION_TYPES = {DonorType.GOVERNMENT: "10", DonorType.MULTILATERAL: "40", DonorType.FOUNDATION: "60",
                      DonorType.PRIVATE_SECTOR: "70", DonorType.OTHER: "90"}
PLEDGE, COMMITMENT, INCOMING_FUNDS = "13", "11", "1"
#: "SDG 1.3.1" (an indicator) or "SDG 1.3" (a target), as people write them in an impact indicator.
SDG = re.compile(r"\bSDGs?\s*(?:target|indicator)?\s*(\d{1,2}\.[0-9a-z]{1,2}(?:\.\d{1,2})?)\b", re.IGNORECASE)
#: Donors not named publicly, in a public file.
UNNAMED_DONOR = "A donor not named publicly"


class NothingToExport(ValueError):
    """No gap matches: the 2.03 schema wants at least one ``iati-activity`` in a file, so an
    empty ledger (or filter) gets this message instead of a file that would not validate."""


@dataclass(frozen=True)
class Reporter:
    """The reporting organisation (settings TRACKER_IATI_REPORTING_ORG, _TYPE, _NAME)."""

    ref: str
    type: str
    name: str

    @classmethod
    def from_config(cls, config: Mapping) -> Reporter:
        return cls(config["TRACKER_IATI_REPORTING_ORG"], config["TRACKER_IATI_REPORTING_ORG_TYPE"],
                   config["TRACKER_IATI_REPORTING_ORG_NAME"])


@dataclass(frozen=True)
class Transaction:
    """One transaction as the file holds it: what the round trip compares."""

    ref: str
    type: str
    day: date
    minor: int
    currency: str
    value_date: date
    provider: str
    provider_type: str
    description: str = ""


def identifier(reporter: Reporter, gap_code: str) -> str:
    return f"{reporter.ref}-{gap_code}"


def gaps_to_export(session: Session, *, programme: str | None = None, gap: str | None = None,
                   published_only: bool = False) -> list[Gap]:
    """The gaps of a file with everything it reads loaded in a few queries (no query per gap)."""
    query = (select(Gap).order_by(Gap.code)
             .options(selectinload(Gap.programme),
                      selectinload(Gap.contributions).options(
                          selectinload(Contribution.donor), selectinload(Contribution.payments),
                          selectinload(Contribution.instalments), selectinload(Contribution.write_off))))
    if programme:
        query = query.where(Gap.programme.has(code=programme))
    if gap:
        query = query.where(Gap.code == gap)
    if published_only:
        query = query.where(Gap.published.is_(True), Gap.programme.has(published=True))
    return list(session.scalars(query))


def activities_xml(gaps: Iterable[Gap], reporter: Reporter, today: date, *, generated: datetime | None = None,
                   public: bool = False) -> bytes:
    """The ``iati-activities`` file of ``gaps`` (from ``gaps_to_export``), as UTF-8 bytes.

    ``NothingToExport`` when there is no gap. ``today`` decides what is in the future (left out
    as a transaction, planned as a disbursement); ``public`` names only the donors that may be named publicly.
    """
    gaps = list(gaps)
    if not gaps:
        raise NothingToExport("No funding gap to export: an IATI file holds at least one activity.")
    generated = generated or datetime.now(UTC)
    root = etree.Element("iati-activities", version=VERSION, **{"generated-datetime": _stamp(generated)})
    for gap in gaps:
        root.append(activity(gap, reporter, today, public=public))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def activity(gap: Gap, reporter: Reporter, today: date, *, public: bool = False) -> etree._Element:
    contributions = [c for c in gap.contributions if c.status != ContributionStatus.CANCELLED]
    period = budgets.gap_period(gap.period_start, gap.period_end, gap.created_at.date())
    element = etree.Element("iati-activity", {"last-updated-datetime": _stamp(_last_updated(gap, contributions)),
                                              XML_LANG: "en", "default-currency": "USD"})
    _text(element, "iati-identifier", identifier(reporter, gap.code))
    _organisation(element, "reporting-org", reporter.name, ref=reporter.ref, type=reporter.type)
    _narrative(etree.SubElement(element, "title"), gap.title)
    described = gap.description.strip() or gap.programme.description.strip() or gap.title  # the schema wants one
    _narrative(etree.SubElement(element, "description", type="1"), described)
    funders = {}
    for contribution in contributions:
        funders.setdefault(contribution.donor.id, contribution.donor)
    for donor in sorted(funders.values(), key=lambda d: d.name):
        _organisation(element, "participating-org", _donor_name(donor, public), role="1",
                      type=ORGANISATION_TYPES.get(donor.type, "90"))
    _organisation(element, "participating-org", gap.programme.organisation or reporter.name, role="4")
    etree.SubElement(element, "activity-status", code=_status(gap, period, today))
    etree.SubElement(element, "activity-date", type="1", **{"iso-date": period.start.isoformat()})
    started = min((p.date_received for c in contributions for p in c.payments
                   if p.voided_at is None and p.date_received <= today), default=None)
    if started is not None:
        etree.SubElement(element, "activity-date", type="2", **{"iso-date": started.isoformat()})
    etree.SubElement(element, "activity-date", type="3", **{"iso-date": period.end.isoformat()})
    etree.SubElement(element, "recipient-country", code=gap.country)
    for vocabulary, code in sdg_tags(gap.impact_indicator):
        etree.SubElement(element, "tag", vocabulary=vocabulary, code=code)
    _budgets(element, "1", gap.original_requirement_cents, period)
    if gap.revised_requirement_cents is not None:
        _budgets(element, "2", gap.revised_requirement_cents, period)
    for contribution in contributions:
        _planned_disbursements(element, contribution, today, public)
    for transaction in transactions(contributions, today, public=public):
        _transaction(element, transaction)
    if gap.impact_count is not None:
        _result(element, gap, period)
    return element


def sdg_tags(indicator: str) -> list[tuple[str, str]]:
    """(vocabulary, code) of each SDG indicator (3 parts, vocabulary 3) or target (2 parts,
    vocabulary 2) an impact indicator names, in order, once each."""
    found = []
    for code in SDG.findall(indicator or ""):
        tag = ("3" if code.count(".") == 2 else "2", code.lower())
        if tag not in found:
            found.append(tag)
    return found


def transactions(contributions: Iterable[Contribution], today: date, *, public: bool = False) -> list[Transaction]:
    """The transactions of ``contributions`` (cancelled ones left out), none dated after ``today``."""
    found = []
    for contribution in contributions:
        if contribution.status == ContributionStatus.CANCELLED:
            continue
        donor = contribution.donor
        provider, provider_type = _donor_name(donor, public), ORGANISATION_TYPES.get(donor.type, "90")
        decided = contribution.decision_date or contribution.rate_date
        promised = contribution.amount_minor
        description = ""
        if contribution.write_off is not None:
            promised -= contribution.write_off.amount_minor
            description = "Committed amount less the unpaid rest written off."
        kind = PLEDGE if contribution.status == ContributionStatus.PLEDGED else COMMITMENT
        found.append(Transaction(f"contribution-{contribution.id}", kind, decided, promised, contribution.currency,
                                 contribution.rate_date, provider, provider_type, description))
        received = 0
        for payment in contribution.payments:
            if payment.voided_at is None:
                received += payment.amount_minor
                found.append(Transaction(f"payment-{payment.id}", INCOMING_FUNDS, payment.date_received,
                                         payment.amount_minor, contribution.currency, payment.date_received,
                                         provider, provider_type))
        rest = contribution.amount_minor - received
        if contribution.status == ContributionStatus.PAID and rest > 0:
            found.append(Transaction(f"contribution-{contribution.id}-paid", INCOMING_FUNDS, contribution.rate_date,
                                     rest, contribution.currency, contribution.rate_date, provider, provider_type,
                                     "Marked paid without a payment recorded."))
    return [t for t in found if t.day <= today and t.value_date <= today]


def _donor_name(donor, public: bool) -> str:
    return donor.name if donor.named_publicly or not public else UNNAMED_DONOR


def _status(gap: Gap, period: budgets.Period, today: date) -> str:
    """4 Closed for a closed gap; else 1 Pipeline before its start, 3 Finalisation after its end,
    2 Implementation in between."""
    if gap.status == GapStatus.CLOSED:
        return "4"
    if today < period.start:
        return "1"
    return "3" if today > period.end else "2"


def _budgets(parent, budget_type: str, cents: int, period: budgets.Period) -> None:
    for segment, part in budgets.split(cents, period):
        budget = etree.SubElement(parent, "budget", type=budget_type)
        etree.SubElement(budget, "period-start", **{"iso-date": segment.start.isoformat()})
        etree.SubElement(budget, "period-end", **{"iso-date": segment.end.isoformat()})
        _value(budget, part, "USD", segment.start)


def _planned_disbursements(parent, contribution: Contribution, today: date, public: bool) -> None:
    for instalment in contribution.instalments:
        rest = instalment.amount_minor - instalment.paid_minor
        if instalment.due_date <= today or rest <= 0 or instalment.status in (
                InstalmentStatus.CANCELLED, InstalmentStatus.WRITTEN_OFF):
            continue
        planned = etree.SubElement(parent, "planned-disbursement")
        etree.SubElement(planned, "period-start", **{"iso-date": instalment.due_date.isoformat()})
        etree.SubElement(planned, "period-end", **{"iso-date": instalment.due_date.isoformat()})
        _value(planned, rest, contribution.currency, instalment.due_date)
        _organisation(planned, "provider-org", _donor_name(contribution.donor, public),
                      type=ORGANISATION_TYPES.get(contribution.donor.type, "90"))


def _transaction(parent, transaction: Transaction) -> None:
    element = etree.SubElement(parent, "transaction", ref=transaction.ref)
    etree.SubElement(element, "transaction-type", code=transaction.type)
    etree.SubElement(element, "transaction-date", **{"iso-date": transaction.day.isoformat()})
    _value(element, transaction.minor, transaction.currency, transaction.value_date)
    if transaction.description:
        _narrative(etree.SubElement(element, "description"), transaction.description)
    _organisation(element, "provider-org", transaction.provider, type=transaction.provider_type)


def _result(parent, gap: Gap, period: budgets.Period) -> None:
    what = gap.impact_indicator.strip() or f"Number of {gap.impact_unit or 'people'} reached"
    result = etree.SubElement(parent, "result", type="3")
    _narrative(etree.SubElement(result, "title"), what)
    indicator = etree.SubElement(result, "indicator", measure="1")
    _narrative(etree.SubElement(indicator, "title"), what)
    if gap.impact_unit:
        _narrative(etree.SubElement(indicator, "description"), f"Counted in {gap.impact_unit}.")
    indicator_period = etree.SubElement(indicator, "period")
    etree.SubElement(indicator_period, "period-start", **{"iso-date": period.start.isoformat()})
    etree.SubElement(indicator_period, "period-end", **{"iso-date": period.end.isoformat()})
    etree.SubElement(indicator_period, "target", value=str(gap.impact_count))


def _value(parent, minor: int, currency: str, value_date: date) -> None:
    _text(parent, "value", str(money.from_minor(minor, currency)), currency=currency,
          **{"value-date": value_date.isoformat()})


def _organisation(parent, tag: str, name: str, **attributes: str) -> None:
    _narrative(etree.SubElement(parent, tag, **attributes), name)


def _narrative(parent, text: str) -> None:
    _text(parent, "narrative", text.strip(), **{XML_LANG: "en"})


def _text(parent, tag: str, text: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, **attributes)
    element.text = text
    return element


def _last_updated(gap: Gap, contributions: list[Contribution]) -> datetime:
    return max(_utc(moment) for moment in [gap.updated_at, gap.programme.updated_at,
                                           *(c.updated_at for c in contributions)])


def _utc(moment: datetime) -> datetime:
    """SQLite gives naive UTC datetimes back, PostgreSQL aware ones."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stamp(moment: datetime) -> str:
    return _utc(moment).replace(microsecond=0).isoformat()
