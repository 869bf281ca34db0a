"""The IATI export: every file validates against the official 2.03 schema, every code is in the
codelists shipped, the budgets split by year add up exactly."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from tests.iati import ledgers
from tracker.gaps.seed import load_seed
from tracker.iati import activities, budgets, codelists, schema

REPORTER = activities.Reporter("XM-DAC-41302", "40", "International Labour Organization (ILO)")
TODAY = date(2026, 3, 1)


def exported(session, **filters) -> bytes:
    return activities.activities_xml(activities.gaps_to_export(session, **filters), REPORTER, TODAY)


def valid(content: bytes) -> etree._ElementTree:
    """The file's tree, validated by the schema and the codelists."""
    tree = schema.parse(content)
    assert codelists.unknown_codes(tree) == []
    return tree


def test_the_empty_ledger_gets_a_message_not_an_invalid_file(session):
    """The 2.03 schema refuses an iati-activities without an activity."""
    with pytest.raises(schema.SchemaError, match="Expected is \\( iati-activity"):
        schema.parse(b'<iati-activities version="2.03" generated-datetime="2026-01-01T00:00:00Z"/>')
    with pytest.raises(activities.NothingToExport):
        exported(session)


def test_the_seeded_ledger_exports_a_valid_file(session):
    load_seed(session, "ilo-cambodia")
    tree = valid(exported(session))
    assert {e.text for e in tree.iter("iati-identifier")} >= {"XM-DAC-41302-KHM-SME", "XM-DAC-41302-KHM-AGRI"}
    assert ("3", "1.3.1") in {(t.get("vocabulary"), t.get("code")) for t in tree.iter("tag")}


def test_every_kind_of_contribution_exports_a_valid_file(session, monkeypatch):
    ledgers.every_kind(session)
    tree = valid(exported(session))
    short, long = tree.findall("iati-activity")  # in the order of their codes
    assert long.findtext("iati-identifier") == "XM-DAC-41302-KHM-SP"
    kinds = [(t.find("transaction-type").get("code"), t.find("value").get("currency"), t.findtext("value"))
             for t in long.iter("transaction")]
    assert ("13", "JPY", "50000") in kinds
    assert ("11", "KWD", "3000.125") in kinds and ("1", "KWD", "1000.000") in kinds
    assert ("11", "USD", "4000.00") in kinds  # committed less the unpaid rest written off
    assert ("1", "JPY", "7000") in kinds  # marked paid without a payment
    assert [e.get("role") for e in long.iter("participating-org")].count("1") == 4  # Japan twice, once as a funder
    assert len(long.findall("planned-disbursement")) == 4  # the instalments due after 1 March
    assert [(t.get("vocabulary"), t.get("code")) for t in long.iter("tag")] == [("3", "1.3.1"), ("2", "1.3")]
    assert long.find("result/indicator/period/target").get("value") == "1500"
    short_kinds = [t.find("transaction-type").get("code") for t in short.iter("transaction")]
    assert short_kinds == ["11", "1"]  # the voided payment and the cancelled contribution left out
    assert "Cancelled Donor" not in etree.tostring(short, encoding="unicode")


def test_the_budgets_are_split_into_years_that_add_up(session):
    ledgers.every_kind(session)
    long = valid(exported(session, gap="KHM-SP")).find("iati-activity")
    for budget_type, total in (("1", Decimal("1000000.00")), ("2", Decimal("1200000.00"))):
        found = [b for b in long.findall("budget") if b.get("type") == budget_type]
        assert [b.find("period-start").get("iso-date") for b in found] == ["2025-07-01", "2026-01-01", "2027-01-01"]
        assert sum(Decimal(b.findtext("value")) for b in found) == total


@pytest.mark.parametrize("cents", [1, 100, 99_999_999_999, 1_000_000_07])
def test_a_split_adds_up_to_the_cent(cents):
    period = budgets.Period(date(2024, 3, 1), date(2028, 2, 28))
    parts = budgets.split(cents, period)
    assert sum(part for _, part in parts) == cents
    assert all((p.end - p.start).days < 366 for p, _ in parts)


def test_no_transaction_is_dated_in_the_future(session):
    ledgers.every_kind(session)
    content = activities.activities_xml(activities.gaps_to_export(session), REPORTER, date(2026, 1, 20))
    days = [t.find("transaction-date").get("iso-date") for t in valid(content).iter("transaction")]
    assert days and max(days) <= "2026-01-20"


def test_a_misplaced_element_fails_the_validation(session):
    """The validator itself: the same file with activity-status moved after the budgets is refused."""
    ledgers.every_kind(session)
    tree = valid(exported(session))
    activity = tree.find("iati-activity")
    activity.append(activity.find("activity-status"))
    with pytest.raises(schema.SchemaError, match="activity-status"):
        schema.parse(etree.tostring(tree))
