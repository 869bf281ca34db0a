"""The Excel downloads: every workbook opened with openpyxl and checked against the app's
figures to the cent; totals recalculated by LibreOffice; hostile names kept as text."""
from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert

from reports import formats
from reports.sheets import (
    CONTRIBUTION_PARTS,
    CONTRIBUTIONS,
    DONORS,
    GAPS,
    HISTORY,
    MOVEMENTS,
    PAYMENTS,
    SCHEDULE,
    STATEMENT_CONTRIBUTIONS,
    STATEMENT_GAPS,
    statement_summary,
)
from tests import factories
from tests.libreoffice import round_trip
from tests.reports.documents import example_ledger
from tests.web.test_contributions import error_beside
from tracker.contributions.rules import cancel_contribution
from tracker.core.figures import Totals, donor_figures, donor_totals, gap_figures
from tracker.core.models import Donor

HOSTILE_NAMES = ['=HYPERLINK("http://x","y")', "+1+2", "-3", "@SUM(A1)", "Bell\x07 Foundation"]


@pytest.fixture
def ledger(session):
    """Two gaps, four donors, contributions in three currencies, payments, a cancellation."""
    sme = factories.add_gap(session, "KHM-SME", requirement="720000.00", impact_count=1_500_000,
                            impact_unit="workers", impact_indicator="N° of persons with better access")
    agri = factories.add_gap(session, "KHM-AGRI", requirement="15000000.00")
    japan = factories.add_contribution(session, sme, "25000000", donor="Government of Japan", currency="JPY",
                                       rate="151.37", reference="JP-1")
    factories.add_payment(session, japan, "10000000", rate="150.11")
    factories.add_contribution(session, sme, "1000.01", donor="Sweden", currency="EUR", rate="0.9173",
                               status="pledged")
    kuwait = factories.add_contribution(session, agri, "12345.678", donor="Kuwait Fund", currency="KWD",
                                        rate="0.3071")
    factories.add_payment(session, kuwait, "12345.678", rate="0.3069")
    withdrawn = factories.add_contribution(session, agri, "5000.00", donor="Sweden")
    cancel_contribution(session, withdrawn, "Withdrawn", withdrawn.version)
    factories.add_contribution(session, agri, "333333.33", donor="ILO RBSA")
    session.commit()


def workbook(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(response.data)), response.data


def cents(value) -> Decimal:
    """A number read from a workbook, to the cent (openpyxl reads numbers as float or int)."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def header_row(sheet, table) -> int:
    """The row of ``table``'s headers (the Summary has a title block above it)."""
    headers = [c.header for c in table.columns]
    return next(n for n, row in enumerate(sheet.iter_rows(values_only=True), start=1) if list(row) == headers)


def records(sheet, table) -> list[dict]:
    fields = [c.field for c in table.columns]
    first = header_row(sheet, table) + 1
    return [dict(zip(fields, row)) for row in sheet.iter_rows(min_row=first, values_only=True) if row[0] != "Total"]


def test_the_status_workbook_agrees_with_the_app_to_the_cent(client, session, ledger):
    book, _ = workbook(client, "/reports/status.xlsx")
    assert book.sheetnames == ["Summary", "Contributions", "Payments", "Donors", "Schedule", "History", "Notes"]
    summary = records(book["Summary"], GAPS)
    app_figures = gap_figures(session)
    assert [row["code"] for row in summary] == [f.code for f in app_figures]
    for row, figures in zip(summary, app_figures):
        for name in ("requirement", "funding", "pledged", "received", "written_off", "exchange_difference",
                     "shortfall", "surplus",
                     "gap_if_pledges_honoured"):
            assert cents(row[name]) == getattr(figures, f"{name}_usd"), (figures.code, name)
        assert Decimal(str(row["coverage"])) * 100 == figures.coverage_pct
    donors = records(book["Donors"], DONORS)
    for row, figures in zip(donors, donor_figures(session), strict=True):
        assert row["name"] == figures.name
        for name in ("pledged", "committed", "paid", "funding", "received", "cancelled"):
            assert cents(row[name]) == getattr(figures, f"{name}_usd"), (figures.name, name)
    first = header_row(book["Summary"], GAPS) + 1
    assert book["Summary"][f"A{first}"].value == "KHM-AGRI" and book["Summary"][f"N{first + 1}"].value == 1_500_000


def test_every_contribution_and_payment_is_listed_in_its_currency(client, session, ledger):
    book, _ = workbook(client, "/reports/status.xlsx")
    contributions = records(book["Contributions"], CONTRIBUTIONS)
    assert len(contributions) == 5
    japan = next(r for r in contributions if r["reference"] == "JP-1")
    assert (japan["amount"], japan["currency"], cents(japan["funding_usd"]), japan["received"]) == (
        25_000_000, "JPY", Decimal("165158.22"), 10_000_000)
    row = next(book["Contributions"].iter_rows(min_row=2, max_row=2))
    assert row[5].number_format in {'"JPY "#,##0', '"EUR "#,##0.00', '"KWD "#,##0.000', '"USD "#,##0.00'}
    assert row[11].number_format == formats.USD_FORMAT and row[4].is_date
    cancelled = next(r for r in contributions if r["shown_status"] == "cancelled — counts 0")
    assert cancelled["reason"] == "Cancelled: Withdrawn"
    assert cancelled["amount"] == 5000 and all(cancelled[c.field] == 0 for c in CONTRIBUTION_PARTS)
    payments = records(book["Payments"], PAYMENTS)
    assert sorted((p["currency"], Decimal(str(p["amount"]))) for p in payments) == [
        ("JPY", Decimal("10000000")), ("KWD", Decimal("12345.678"))]


def test_libreoffice_recalculates_the_totals_to_the_apps_totals(client, session, ledger, tmp_path):
    _, content = workbook(client, "/reports/status.xlsx")
    _, values = round_trip(content, tmp_path)
    summary = values["Summary"]
    totals_row = next(row for row in summary.iter_rows(values_only=True) if row[0] == "Total")
    total = dict(zip([c.field for c in GAPS.columns], totals_row))
    expected = Totals.of(gap_figures(session))
    for name in ("requirement", "funding", "pledged", "received", "shortfall", "surplus", "gap_if_pledges_honoured"):
        assert cents(total[name]) == getattr(expected, f"{name}_usd"), name
    assert round(Decimal(str(total["coverage"])) * 100, 2) == expected.coverage_pct
    donor_totals = next(row for row in values["Donors"].iter_rows(values_only=True) if row[0] == "Total")
    assert cents(donor_totals[6]) == expected.funding_usd


@pytest.fixture
def hostile(session):
    gap = factories.add_gap(session, "KHM-SME")
    for name in HOSTILE_NAMES:
        factories.add_contribution(session, gap, "10.00", donor=name, reference=name[:100])
    # The forms trim names, so a tab-led name only arrives from elsewhere (older data, direct SQL).
    session.execute(insert(Donor).values(name="\tTab-led Trust", name_key="tab-led trust", type="other",
                                        version=1, updated_at=datetime.now(UTC)))
    session.flush()
    tab = session.query(Donor).filter_by(name_key="tab-led trust").one()
    factories.add_contribution(session, gap, "10.00", donor=tab.name)
    session.commit()


def donor_cells(book) -> dict:
    sheet = book["Contributions"]
    return {row[2].value: row[2] for row in sheet.iter_rows(min_row=2)}


EXPECTED_TEXT = ['=HYPERLINK("http://x","y")', "+1+2", "-3", "@SUM(A1)", "Bell Foundation", "\tTab-led Trust"]


def test_hostile_donor_names_are_literal_text_with_no_formula(client, hostile):
    book, _ = workbook(client, "/reports/status.xlsx")
    cells = donor_cells(book)
    assert sorted(cells) == sorted(EXPECTED_TEXT)
    for text, cell in cells.items():
        assert cell.data_type == "s", text
    assert all(cells[t].quotePrefix for t in EXPECTED_TEXT if t[0] in "=+-@\t")
    assert not [cell for sheet in book for row in sheet.iter_rows() for cell in row
                if cell.data_type == "f" and not str(cell.value).startswith(("=SUM(", '=IF('))]


def test_hostile_donor_names_stay_text_after_libreoffice_saves_the_file(client, hostile, tmp_path):
    _, content = workbook(client, "/reports/status.xlsx")
    written, values = round_trip(content, tmp_path)
    assert sorted(donor_cells(written)) == sorted(EXPECTED_TEXT)
    assert all(cell.data_type == "s" for cell in donor_cells(written).values())
    assert sorted(donor_cells(values)) == sorted(EXPECTED_TEXT)


def test_a_gap_filter_narrows_every_sheet(client, ledger):
    book, _ = workbook(client, "/reports/status.xlsx?gap=KHM-SME")
    assert [r["code"] for r in records(book["Summary"], GAPS)] == ["KHM-SME"]
    assert {r["gap_code"] for r in records(book["Contributions"], CONTRIBUTIONS)} == {"KHM-SME"}
    assert sorted(r["name"] for r in records(book["Donors"], DONORS)) == ["Government of Japan", "Sweden"]
    notes = {row[0]: row[1] for row in book["Notes"].iter_rows(values_only=True) if row and len(row) > 1}
    assert notes["Funding gap"].startswith("KHM-SME")


def test_status_and_dates_narrow_the_listings(client, ledger):
    book, _ = workbook(client, "/reports/status.xlsx?status=pledged&date_from=2026-01-01&date_to=2026-01-31")
    assert [r["shown_status"] for r in records(book["Contributions"], CONTRIBUTIONS)] == ["pledged"]
    assert records(book["Payments"], PAYMENTS) == []
    assert len(records(book["Summary"], GAPS)) == 2


@pytest.mark.parametrize("query, field, message", [
    ("gap=NOPE", "gap", "no funding gap with the code NOPE"),
    ("donor=abc", "donor", "Pick a donor"),
    ("donor=999", "donor", "Pick a donor"),
    ("donor=99999999999999999999", "donor", "Pick a donor"),
    ("status=lost", "status", "Choose pledged, committed, paid or cancelled"),
    ("date_from=01/02/2026", "date_from", "YYYY-MM-DD"),
    ("date_from=2026-03-01&date_to=2026-02-01", "date_to", "cannot be before the start date"),
])
def test_a_bad_filter_is_a_400_beside_its_field(client, ledger, query, field, message):
    response = client.get(f"/reports/status.xlsx?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in error_beside(page, field)


def test_the_contributions_export_lists_the_selection(client, ledger):
    book, _ = workbook(client, "/reports/contributions.xlsx?gap=KHM-AGRI")
    assert book.sheetnames == ["Contributions", "Notes"]
    assert book["Contributions"]["L2"].number_format == formats.USD_FORMAT and book["Contributions"]["E2"].is_date
    assert {r["gap_code"] for r in records(book["Contributions"], CONTRIBUTIONS)} == {"KHM-AGRI"}


def test_a_donor_statement_agrees_with_the_app(client, session, ledger):
    japan = next(f for f in donor_figures(session) if f.name == "Government of Japan")
    book, _ = workbook(client, f"/donors/{japan.donor_id}/statement.xlsx")
    assert book.sheetnames == ["Statement", "Movements", "Instalments", "Gaps funded", "Contributions", "Notes"]
    totals = donor_totals(session, japan.donor_id)
    summary = {row["label"]: row for row in records(book["Statement"], statement_summary("JPY"))}
    funding = summary["Committed or paid (funding)"]
    assert cents(funding["usd"]) == japan.funding_usd == totals.funding_usd
    assert funding["amount"] == Decimal(totals.single_currency.committed_minor)  # yen have no minor unit
    assert cents(summary["Received"]["usd"]) == japan.received_usd
    assert book["Statement"]["A1"].value == "Statement of contributions"
    assert "Donor: Government of Japan" in [row[0] for row in book["Statement"].iter_rows(values_only=True)]
    closing = records(book["Movements"], MOVEMENTS)[-1]
    assert closing["movement"] == "Closing position" and cents(closing["committed_usd"]) == japan.funding_usd
    assert {r["donor"] for r in records(book["Contributions"], STATEMENT_CONTRIBUTIONS)} == {"Government of Japan"}
    [gap] = records(book["Gaps funded"], STATEMENT_GAPS)
    sme = next(f for f in gap_figures(session) if f.code == "KHM-SME")
    assert (gap["code"], cents(gap["shortfall"])) == ("KHM-SME", sme.shortfall_usd)


def test_the_statement_page_shows_the_same_statement_and_keeps_its_period(client, session, ledger):
    japan = next(f for f in donor_figures(session) if f.name == "Government of Japan")
    page = client.get(f"/donors/{japan.donor_id}/statement?date_from=2026-01-01")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Statement of contributions" in text and "from 01 January 2026 to" in text
    assert f"{japan.funding_usd:,}" in text
    assert f'href="/donors/{japan.donor_id}/statement.xlsx?date_from=2026-01-01"' in text


def test_a_bad_period_is_answered_beside_its_field(client, session, ledger):
    japan = next(f for f in donor_figures(session) if f.name == "Government of Japan")
    for url in (f"/donors/{japan.donor_id}/statement", f"/donors/{japan.donor_id}/statement.xlsx"):
        page = client.get(f"{url}?date_from=2026-05-01&date_to=2026-04-01")
        assert page.status_code == 400
        assert "The end date cannot be before the start date." in page.get_data(as_text=True)
        assert 'value="2026-05-01"' in page.get_data(as_text=True)


def test_an_unknown_donor_has_no_statement(client):
    assert client.get("/donors/999/statement.xlsx").status_code == 404
    assert client.get("/donors/99999999999999999999/statement.xlsx").status_code == 404


def test_download_buttons_are_on_the_dashboard_gap_and_donor_pages(client, session, ledger):
    assert 'href="/reports/status.xlsx"' in client.get("/").get_data(as_text=True)
    assert 'href="/reports/status.xlsx?gap=KHM-SME"' in client.get("/gaps/KHM-SME").get_data(as_text=True)
    donor_id = donor_figures(session)[0].donor_id
    assert f'href="/donors/{donor_id}/statement.xlsx"' in client.get(f"/donors/{donor_id}").get_data(as_text=True)


@pytest.fixture
def documented(session):
    """The ledger the printed documents show: a schedule with an overdue instalment, snapshots."""
    example_ledger(session, datetime.now(UTC).date())
    session.commit()


def test_the_schedule_sheet_lists_every_instalment_and_totals_the_months_ahead(client, documented):
    book, _ = workbook(client, "/reports/status.xlsx")
    sheet = book["Schedule"]
    instalments = records(sheet, SCHEDULE)
    assert [(r["number"], r["status"]) for r in instalments] == [
        (1, "overdue"), (2, "pending"), (3, "pending"), (4, "pending")]
    overdue_row = header_row(sheet, SCHEDULE) + 1
    assert sheet.cell(overdue_row, 1).fill.fgColor.rgb == "00F8D7DA"
    label, count, usd = (SCHEDULE.columns.index(c) for c in SCHEDULE.columns
                         if c.field in ("donor", "number", "outstanding_usd"))
    months = [row for row in sheet.iter_rows(min_row=3, max_row=15, values_only=True)]
    assert months[0][label] == "Overdue (due before today)" and months[0][count] == 1
    assert sum(cents(m[usd]) for m in months) == sum(cents(r["outstanding_usd"]) for r in instalments)


def test_the_history_sheet_has_each_gap_s_day_and_the_totals_by_day(client, session, documented):
    book, _ = workbook(client, "/reports/status.xlsx")
    history = records(book["History"], HISTORY)
    days = sorted({r["day"] for r in history})
    assert len(history) == 2 * len(days) == 8  # two gaps, four days with snapshots
    totals = [r for r in history if r["total_day"] is not None]
    assert [t["total_day"] for t in totals] == days
    last = totals[-1]
    assert cents(last["total_funding"]) == sum(cents(r["funding"]) for r in history if r["day"] == days[-1])
    [chart] = book["History"]._charts
    assert chart.tagname == "lineChart"


def test_a_donor_statement_prints_the_note_to_the_donor_never_the_staffs_notes_or_reasons(client, session):
    """The statement goes to the donor: internal notes and the reasons for cancelling or
    writing off are the staff's (issue 12, point 6)."""
    gap = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    kept = factories.add_contribution(session, gap, "1000.00", donor="Sweden", reference="SE-1",
                                      note="Chase via the embassy", donor_note="Thank you for the second tranche")
    withdrawn = factories.add_contribution(session, gap, "500.00", donor="Sweden", reference="SE-2")
    cancel_contribution(session, withdrawn, "Typed twice by the officer", withdrawn.version)
    session.commit()
    book, data = workbook(client, f"/donors/{kept.donor_id}/statement.xlsx")
    listed = records(book["Contributions"], STATEMENT_CONTRIBUTIONS)
    assert {r["donor_note"] for r in listed} == {"Thank you for the second tranche", None}
    texts = {str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row if cell.value}
    assert not {"Chase via the embassy", "Typed twice by the officer"} & texts

