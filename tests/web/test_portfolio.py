"""The portfolio (every programme's and every country's gap totals) and ``programme=CODE`` on the
dashboard, the gaps' JSON and the status workbook."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from reports.sheets import GAPS
from reports.status import programme_sheet
from tests import factories
from tests.libreoffice import round_trip
from tests.web.test_contributions import error_beside
from tests.web.test_reports import cents, records, workbook
from tracker.core.figures import Totals, gap_figures
from tracker.programmes.portfolio import PortfolioFilters, portfolio


@pytest.fixture
def programmes(session):
    """A country programme whose one gap has a surplus, and a regional one over two countries."""
    factories.add_programme(session, "KH-SP", name="Social protection", organisation="ILO", countries=["KH"])
    factories.add_programme(session, "ASEAN-MW", name="Migrant workers", organisation="IOM",
                            countries=["KH", "LA"], published=True)
    over = factories.add_gap(session, "KH-SP-1", requirement="1000.00", programme="KH-SP")
    factories.add_contribution(session, over, "1500.00")  # a surplus of 500
    short = factories.add_gap(session, "KH-SP-2", requirement="2000.00", programme="KH-SP")
    factories.add_contribution(session, short, "500.00")
    factories.add_contribution(session, short, "300.00", status="pledged")
    factories.add_gap(session, "MW-KH", requirement="4000.00", programme="ASEAN-MW", country="KH")
    lao = factories.add_gap(session, "MW-LA", requirement="3000.00", programme="ASEAN-MW", country="LA")
    factories.add_contribution(session, lao, "1000.00")
    session.commit()


def test_the_portfolio_sums_each_gap_s_own_shortfall_and_counts_a_gap_once(session, programmes):
    found = portfolio(session)
    by_code = {line.code: line for line in found.programmes}
    assert by_code["KH-SP"].totals.shortfall_usd == Decimal("1500.00")  # not 3000 − 2000: the surplus stays apart
    assert by_code["KH-SP"].totals.surplus_usd == Decimal("500.00")
    assert found.total == Totals.of(gap_figures(session))
    assert found.total.shortfall_usd == Decimal("1500.00") + 4000 + 2000
    for lines in (found.programmes, found.countries):
        assert sum(line.gaps for line in lines) == found.gaps == 4
        for figure in ("requirement_cents", "funding_cents", "pledged_cents", "shortfall_cents"):
            assert sum(getattr(line.totals, figure) for line in lines) == getattr(found.total, figure)
    countries = {line.code: line for line in found.countries}
    assert (countries["KH"].gaps, countries["LA"].gaps) == (3, 1)  # the regional programme's gaps split
    assert countries["LA"].totals.shortfall_usd == Decimal("2000.00")


def test_the_filters_select_programmes_and_the_country_their_gaps(session, programmes):
    in_laos = portfolio(session, PortfolioFilters(country="LA"))
    assert [(p.code, p.gaps) for p in in_laos.programmes] == [("ASEAN-MW", 1)]
    assert in_laos.total.requirement_usd == Decimal("3000.00")
    assert [p.code for p in portfolio(session, PortfolioFilters(organisation="ILO")).programmes] == ["KH-SP"]
    assert [p.code for p in portfolio(session, PortfolioFilters(published=False)).programmes] == ["KH-SP"]
    assert [p.code for p in portfolio(session, PortfolioFilters(search="migrant")).programmes] == ["ASEAN-MW"]


def test_the_portfolio_page_sorts_each_table_and_links_to_the_dashboard(client, programmes):
    page = client.get("/portfolio?sort=shortfall&dir=desc&country_sort=name&country_dir=desc").get_data(as_text=True)
    programme_table, country_table = page.split('id="by-country"')
    assert re.findall(r'<span class="code">([A-Z-]+)</span> ', programme_table)[:2] == ["ASEAN-MW", "KH-SP"]
    assert country_table.index("Lao") < country_table.index("Cambodia")
    assert 'href="/?programme=KH-SP"' in page and 'href="/programmes/KH-SP"' in page
    assert "Total (4 gaps, each once)" in page and "7,500.00" in page  # 1,500 + 4,000 + 2,000
    assert 'href="/portfolio"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("query, field, message", [
    ("country=XX", "country", "not an ISO 3166 country code"),
    ("organisation=Nobody", "organisation", "No programme names the organisation"),
    ("published=maybe", "published", "Choose yes"),
    ("q=" + "x" * 201, "q", "At most 200 characters"),
])
def test_a_bad_filter_is_a_400_beside_its_field(client, programmes, query, field, message):
    response = client.get(f"/portfolio?{query}")
    assert response.status_code == 400 and message in error_beside(response.get_data(as_text=True), field)


@pytest.mark.parametrize("query", ["sort=nope", "country_sort=gap", "dir=up"])
def test_a_bad_sort_is_a_400(client, programmes, query):
    assert client.get(f"/portfolio?{query}").status_code == 400


def test_the_dashboard_and_the_api_show_one_programme(client, programmes):
    page = client.get("/?programme=kh-sp").get_data(as_text=True)
    assert "Funding gaps of KH-SP" in page and "KH-SP-2" in page and "MW-LA" not in page
    assert "US$ 1,500.00" in page and 'href="/">Show every gap' in page
    assert 'href="/reports/status.xlsx?programme=KH-SP"' in page
    assert [g["code"] for g in client.get("/api/v1/gaps?programme=ASEAN-MW").get_json()] == ["MW-KH", "MW-LA"]
    assert client.get("/?programme=NOPE").status_code == 400
    refused = client.get("/api/v1/gaps?programme=NOPE")
    assert refused.status_code == 400 and "NOPE" in refused.get_json()["message"]


def test_the_workbook_has_a_sheet_per_programme_when_it_shows_several(client, session, programmes, tmp_path):
    book, content = workbook(client, "/reports/status.xlsx")
    assert book.sheetnames[:3] == ["Summary", programme_sheet("ASEAN-MW"), programme_sheet("KH-SP")]
    assert [r["code"] for r in records(book[programme_sheet("KH-SP")], GAPS)] == ["KH-SP-1", "KH-SP-2"]
    _, values = round_trip(content, tmp_path)
    for code in ("ASEAN-MW", "KH-SP"):
        rows = list(values[programme_sheet(code)].iter_rows(values_only=True))
        total = dict(zip([c.field for c in GAPS.columns], next(row for row in rows if row[0] == "Total")))
        expected = next(line.totals for line in portfolio(session).programmes if line.code == code)
        for name in ("requirement", "funding", "pledged", "shortfall", "surplus"):
            assert cents(total[name]) == getattr(expected, f"{name}_usd"), (code, name)


def test_a_programme_filter_narrows_the_workbook_to_its_gaps(client, programmes):
    book, _ = workbook(client, "/reports/status.xlsx?programme=ASEAN-MW")
    assert "Programme KH-SP" not in book.sheetnames and programme_sheet("ASEAN-MW") not in book.sheetnames
    assert [r["code"] for r in records(book["Summary"], GAPS)] == ["MW-KH", "MW-LA"]
    response = client.get("/reports/status.xlsx?programme=NOPE")
    assert response.status_code == 400
    assert "no programme with the code NOPE" in error_beside(response.get_data(as_text=True), "programme")
