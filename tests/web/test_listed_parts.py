"""Each listed contribution shows its part in the figures: a contribution marked paid shows what
it counts as received, a written-off rest is visible (badge and reason) on the contribution's
page, in the gap's table and in its sheet row, a cancelled one counts 0 everywhere."""
from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest

from reports.sheets import CONTRIBUTIONS, PAYMENTS
from tests import factories
from tests.web.test_reports import cents, records, workbook
from tracker.contributions.rules import cancel_contribution, write_off
from tracker.core.figures import DEFINITIONS, figures_of
from tracker.exports.rows import MARKED_PAID

REASON = "The fund closed its 2026 window"


@pytest.fixture
def gap(session):
    return factories.add_gap(session, "KHM-SME", requirement="100000.00")


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def row_of(sheet_rows, number: int) -> dict:
    return next(r for r in sheet_rows if r["number"] == number)


def test_a_contribution_marked_paid_shows_what_it_received_everywhere(client, session, gap):
    paid = factories.add_contribution(session, gap, "40000.00", donor="Sweden", status="paid")
    session.commit()
    assert figures_of(session, gap.code).received_usd == Decimal("40000.00")
    shown = page(client, f"/contributions/{paid.id}")
    assert "<dt>Received</dt><dd>40,000.00 USD<small>US$ 40,000.00; marked paid: counts as fully received" in shown
    table = page(client, "/gaps/KHM-SME")
    assert 'class="num">40,000.00 USD<br><small>received 40,000.00 USD</small></td>' in table
    book, _ = workbook(client, "/reports/status.xlsx")
    row = row_of(records(book["Contributions"], CONTRIBUTIONS), paid.id)
    assert (cents(row["received"]), cents(row["received_usd"]), cents(row["funding_usd"])) == (
        Decimal("40000.00"), Decimal("40000.00"), Decimal("40000.00"))
    [marked] = records(book["Payments"], PAYMENTS)
    assert (marked["contribution"], cents(marked["usd"]), marked["date_received"], marked["note"]) == (
        paid.id, Decimal("40000.00"), None, MARKED_PAID)


def test_a_contribution_paid_in_part_then_marked_paid_counts_the_rest_as_received(client, session, gap):
    paid = factories.add_contribution(session, gap, "1000.00", currency="EUR", rate="0.80", status="paid")
    factories.add_payment(session, paid, "400.00", rate="0.80")
    session.commit()
    book, _ = workbook(client, "/reports/status.xlsx")
    row = row_of(records(book["Contributions"], CONTRIBUTIONS), paid.id)
    assert (cents(row["received"]), cents(row["received_usd"])) == (Decimal("1000.00"), Decimal("1250.00"))
    payments = records(book["Payments"], PAYMENTS)
    assert [(cents(p["amount"]), cents(p["usd"])) for p in payments] == [
        (Decimal("400.00"), Decimal("500.00")), (Decimal("600.00"), Decimal("750.00"))]


@pytest.fixture
def written_off(session, gap):
    kuwait = factories.add_contribution(session, gap, "30000.000", currency="KWD", rate="0.3000",
                                        donor="Kuwait Fund")
    factories.add_payment(session, kuwait, "10000.000", rate="0.3000")
    write_off(session, kuwait, REASON, kuwait.version)
    session.commit()
    return kuwait


def test_a_write_off_shows_its_badge_and_reason_on_the_contribution_page(client, written_off):
    shown = page(client, f"/contributions/{written_off.id}")
    assert '<span class="status written-off">written off</span>' in shown
    assert f": {REASON}</p>" in shown
    assert "<dt>Written off</dt><dd>20,000.000 KWD<small>US$ 66,666.67" in shown
    assert "less US$ 66,666.67 written off" in shown


def test_a_write_off_shows_in_the_gap_table_and_in_its_sheet_row(client, session, written_off):
    table = page(client, "/gaps/KHM-SME")
    assert '<span class="status written-off">written off</span> <small>20,000.000 KWD</small>' in table
    assert "<th scope=\"col\" class=\"num\">Written off (US$)</th>" in table
    book, _ = workbook(client, "/reports/status.xlsx")
    row = row_of(records(book["Contributions"], CONTRIBUTIONS), written_off.id)
    assert row["reason"] == f"Written off: {REASON}"
    figures = figures_of(session, "KHM-SME")
    assert (cents(row["written_off_usd"]), cents(row["funding_usd"])) == (figures.written_off_usd,
                                                                          figures.funding_usd)


def test_a_donor_user_sees_the_write_off_but_not_its_reason(client_as, written_off):
    donor = client_as("donor", donor_id=written_off.donor_id)
    shown = page(donor, f"/contributions/{written_off.id}")
    assert '<span class="status written-off">written off</span>' in shown and REASON not in shown


def test_a_cancelled_contribution_shows_its_amount_and_counts_0(client, session, gap):
    withdrawn = factories.add_contribution(session, gap, "5000.00", donor="Sweden")
    cancel_contribution(session, withdrawn, "Withdrawn", withdrawn.version)
    session.commit()
    table = page(client, "/gaps/KHM-SME")
    assert "cancelled — counts 0" in table and "5,000.00 USD" in table
    shown = page(client, f"/contributions/{withdrawn.id}")
    assert "<dt>Counts as funding (US$)</dt><dd>0.00<small>cancelled — counts 0</small>" in shown


def test_the_gap_page_and_the_notes_sheet_give_the_figures_module_s_definitions(client, session, gap):
    session.commit()
    shown = unescape(page(client, "/gaps/KHM-SME"))
    book, _ = workbook(client, "/reports/status.xlsx")
    notes = [row for row in book["Notes"].iter_rows(values_only=True) if row and len(row) > 1]
    start = next(n for n, row in enumerate(notes) if row[0] == DEFINITIONS[0][0])
    assert [tuple(row[:2]) for row in notes[start:start + len(DEFINITIONS)]] == list(DEFINITIONS)
    for term, meaning in DEFINITIONS:
        assert f"<dt>{term}</dt><dd>{meaning}</dd>" in shown
    assert any("written off" in meaning for term, meaning in DEFINITIONS if term == "Funding")
