"""Filtering the tables of contributions: each filter alone and combined with sort, search and
paging, kept in the address; a totals row over the whole filtered set that is the figures of
that set; cancelled contributions last in every order, or hidden; bad filters answered 400."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from tests import factories
from tracker.contributions import listings
from tracker.contributions import rules as contributions
from tracker.contributions.filters import ContributionFilters
from tracker.core import money
from tracker.core.figures import contribution_figures, figures_of
from tracker.core.models import Donor
from tracker.schedules import instalments

ALL = {"JP-1", "EU-2", "EU-3", "SE-4", "JP-5", "SE-6"}


@pytest.fixture
def ledger(session):
    """Six contributions to two gaps from three donors, in two currencies, one of each status,
    one overdue and one cancelled."""
    sme, agri = factories.add_gap(session, "KHM-SME"), factories.add_gap(session, "KHM-AGRI")
    factories.add_contribution(session, sme, "100.00", donor="Government of Japan", reference="JP-1",
                               decision_date=date(2026, 1, 10))
    eur = factories.add_contribution(session, agri, "200.00", donor="European Union", currency="EUR", rate="0.8",
                                     reference="EU-2", decision_date=date(2026, 2, 10))
    factories.add_payment(session, eur, "80.00", rate="0.8", received=date(2026, 2, 20))
    factories.add_contribution(session, agri, "300.00", donor="European Union", status="pledged",
                               reference="EU-3", decision_date=date(2026, 3, 10))
    typo = factories.add_contribution(session, sme, "4000000.00", donor="Sweden", reference="SE-4",
                                      decision_date=date(2026, 5, 20))
    contributions.cancel_contribution(session, typo, "Typed a zero too many", typo.version)
    factories.add_contribution(session, sme, "500.00", donor="Government of Japan", status="paid",
                               reference="JP-5", decision_date=date(2026, 4, 10))
    late = factories.add_contribution(session, sme, "600.00", donor="Sweden", reference="SE-6",
                                      decision_date=date(2025, 12, 1))
    factories.add_schedule(session, late, 2, "quarterly", date(2026, 1, 31))
    instalments.flag_overdue(session, date(2026, 3, 1))
    session.commit()


def references(page: str) -> list[str]:
    """The references of the table's rows, in the order shown."""
    return re.findall(r'<span class="long">([A-Z]{2}-\d)</span></td>', page)


def donor_id(session, name: str) -> int:
    return session.query(Donor.id).filter(Donor.name == name).scalar()


@pytest.mark.parametrize("args, found", [
    ({}, ALL),
    ({"status": "committed"}, {"JP-1", "EU-2", "SE-6"}),
    ({"status": "cancelled"}, {"SE-4"}),
    ({"gap": "KHM-AGRI"}, {"EU-2", "EU-3"}),
    ({"gap": "khm-agri"}, {"EU-2", "EU-3"}),  # codes are read in any case
    ({"currency": "EUR"}, {"EU-2"}),
    ({"date_from": "2026-02-01"}, {"EU-2", "EU-3", "SE-4", "JP-5"}),
    ({"date_to": "2026-01-31"}, {"JP-1", "SE-6"}),
    ({"date_from": "2026-02-10", "date_to": "2026-03-10"}, {"EU-2", "EU-3"}),  # both ends included
    ({"overdue": "y"}, {"SE-6"}),
    ({"cancelled": "hide"}, ALL - {"SE-4"}),
])
def test_each_filter_alone_selects_its_contributions(client, ledger, args, found):
    response = client.get("/contributions", query_string=args)
    assert response.status_code == 200
    assert set(references(response.get_data(as_text=True))) == found


def test_the_donor_filter_selects_a_donors_contributions(client, session, ledger):
    page = client.get(f"/contributions?donor={donor_id(session, 'Sweden')}").get_data(as_text=True)
    assert set(references(page)) == {"SE-4", "SE-6"}


def test_filters_combine_with_each_other_and_with_the_search(client, session, ledger):
    page = client.get("/contributions?q=khm-sme&currency=USD&status=committed&cancelled=hide").get_data(as_text=True)
    assert set(references(page)) == {"JP-1", "SE-6"}
    assert "2 contributions match “khm-sme” with these filters." in page
    japan = donor_id(session, "Government of Japan")
    page = client.get(f"/contributions?donor={japan}&date_from=2026-04-01").get_data(as_text=True)
    assert references(page) == ["JP-5"]


def test_filters_are_kept_by_the_pager_and_the_sort_links(app, client, ledger):
    app.config["PAGE_SIZE"] = 1
    page = client.get("/contributions?gap=KHM-SME&cancelled=hide&sort=usd&dir=asc&page=2").get_data(as_text=True)
    assert references(page) == ["JP-5"]  # 100, [500], 600
    assert "Page 2 of 3" in page
    links = re.findall(r'href="(/contributions\?[^"]+)"', page)
    pager = [link for link in links if "page=" in link]
    sorts = [link for link in links if "sort=" in link and "page=" not in link]
    assert pager and all("gap=KHM-SME" in link and "cancelled=hide" in link for link in pager + sorts)
    assert all("dir=asc" in link for link in pager)


def test_a_filter_form_keeps_the_sort_and_shows_what_was_asked(client, ledger):
    page = client.get("/contributions?status=committed&currency=EUR&overdue=y&sort=usd&dir=asc").get_data(as_text=True)
    assert '<input type="hidden" name="sort" value="usd">' in page
    assert re.search(r'<option selected value="committed">|<option value="committed" selected>', page)
    assert re.search(r'<option selected value="EUR">|<option value="EUR" selected>', page)
    assert re.search(r'id="overdue" name="overdue" type="checkbox" value="y"|checked', page)


@pytest.mark.parametrize("sort", list(listings.SORTING.columns))
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_cancelled_contributions_come_last_in_every_order(client, ledger, sort, direction):
    shown = references(client.get(f"/contributions?sort={sort}&dir={direction}").get_data(as_text=True))
    assert len(shown) == len(ALL) and shown[-1] == "SE-4"


def test_cancelled_contributions_come_last_across_pages(app, client, ledger):
    app.config["PAGE_SIZE"] = 4
    first = references(client.get("/contributions?sort=usd&dir=desc").get_data(as_text=True))
    second = references(client.get("/contributions?sort=usd&dir=desc&page=2").get_data(as_text=True))
    assert first == ["SE-6", "JP-5", "EU-3", "EU-2"]  # the cancelled 4 million would have led
    assert second == ["JP-1", "SE-4"]


def test_cancelled_contributions_can_be_hidden_on_a_gap_page(client, ledger):
    shown = references(client.get("/gaps/KHM-SME").get_data(as_text=True))
    assert shown[-1] == "SE-4"
    assert "SE-4" not in references(client.get("/gaps/KHM-SME?cancelled=hide").get_data(as_text=True))


def test_a_gap_page_filters_within_its_gap(client, session, ledger):
    page = client.get("/gaps/KHM-SME?status=committed&gap=KHM-AGRI").get_data(as_text=True)
    assert set(references(page)) == {"JP-1", "SE-6"}  # the page's gap wins over the address
    assert 'name="gap"' not in page  # the gap is not offered as a filter there


def test_a_donor_page_filters_within_its_donor(client, session, ledger):
    sweden = donor_id(session, "Sweden")
    page = client.get(f"/donors/{sweden}?overdue=y").get_data(as_text=True)
    assert references(page) == ["SE-6"]
    assert 'name="donor"' not in page


def test_a_donor_user_filtering_a_gap_page_sees_only_its_own(client_as, session, ledger):
    japan, sweden = donor_id(session, "Government of Japan"), donor_id(session, "Sweden")
    donor_client = client_as("donor", donor_id=japan)
    page = donor_client.get(f"/gaps/KHM-SME?donor={sweden}").get_data(as_text=True)
    assert set(references(page)) == {"JP-1", "JP-5"}
    assert 'name="donor"' not in page


def _page_total(page: str) -> list[str]:
    """The US$ cells of the totals row (pledged, funding, received, then any others)."""
    row = re.search(r'<tr class="totals">(.*?)</tr>', page, re.S).group(1)
    return re.findall(r'class="num">([^<]*)</td>', row)


@pytest.mark.parametrize("args", [
    {}, {"status": "committed"}, {"currency": "EUR"}, {"gap": "KHM-SME", "cancelled": "hide"},
    {"overdue": "y"}, {"date_from": "2026-02-01", "q": "eu"},
])
def test_the_totals_row_is_the_figures_of_the_whole_filtered_set(app, client, session, ledger, args):
    app.config["PAGE_SIZE"] = 1  # the totals still cover every page
    response = client.get("/contributions", query_string=args)
    form_args = {k: v for k, v in args.items() if k != "q"}
    listing = listings.Listing(_filters(form_args), args.get("q", ""))
    totals = listings.contribution_totals(session, listing)
    ids = listing.page_ids(session, totals, limit=100, offset=0)
    parts = contribution_figures(session, ids).values()
    assert totals.contributions == len(ids)
    for name in ("pledged_cents", "funding_cents", "received_cents", "written_off_cents",
                 "exchange_difference_cents"):
        assert getattr(totals, name) == sum(getattr(p, name) for p in parts)
    shown = _page_total(response.get_data(as_text=True))
    assert shown[:3] == [money.format_amount(v) for v in (totals.pledged_usd, totals.funding_usd,
                                                          totals.received_usd)]


def _filters(args: dict) -> ContributionFilters:
    return ContributionFilters(
        gap_code=args.get("gap"), status=args.get("status"), currency=args.get("currency"),
        date_from=date.fromisoformat(args["date_from"]) if "date_from" in args else None,
        overdue="overdue" in args, hide_cancelled=args.get("cancelled") == "hide")


def test_a_gaps_filtered_by_gap_alone_total_its_figures(client, session, ledger):
    totals = listings.contribution_totals(session, listings.Listing(ContributionFilters(gap_code="KHM-SME")))
    gap = figures_of(session, "KHM-SME")
    assert (totals.funding_cents, totals.pledged_cents, totals.received_cents, totals.written_off_cents) == (
        gap.funding_cents, gap.pledged_cents, gap.received_cents, gap.written_off_cents)
    page = client.get("/contributions?gap=KHM-SME").get_data(as_text=True)
    assert _page_total(page)[1] == money.format_amount(gap.funding_usd)


@pytest.mark.parametrize("args, field, message", [
    ({"status": "lost"}, "status", "Choose pledged, committed, paid or cancelled."),
    ({"currency": "XYZ"}, "currency", "not a currency the tracker knows"),
    ({"date_from": "2026-13-01"}, "date_from", "YYYY-MM-DD"),
    ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "date_to", "cannot be before the start"),
    ({"donor": "abc"}, "donor", "Pick a donor from the list."),
    ({"donor": "999999"}, "donor", "Pick a donor from the list."),
    ({"gap": "NOPE"}, "gap", "There is no funding gap with the code NOPE."),
    ({"cancelled": "maybe"}, "cancelled", "Not a valid choice"),
])
def test_a_bad_filter_is_refused_beside_its_field(client, ledger, args, field, message):
    response = client.get("/contributions", query_string={**args, "q": "khm"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(rf'<p class="error" id="{field}-error">[^<]*{re.escape(message)}', page)
    assert references(page) == []
    assert 'value="khm"' in page  # the search is kept


@pytest.mark.parametrize("name, typed", [("date_from", "2026-13-01"), ("date_to", "last week")])
def test_a_bad_date_is_kept_as_typed(client, ledger, name, typed):
    page = client.get("/contributions", query_string={name: typed}).get_data(as_text=True)
    assert f'value="{typed}"' in page


def test_a_bad_filter_on_a_gap_page_is_refused_the_same_way(client, ledger):
    response = client.get("/gaps/KHM-SME?date_to=yesterday")
    assert response.status_code == 400
    assert 'id="date_to-error"' in response.get_data(as_text=True)


def test_the_download_links_carry_the_filters(client, session, ledger):
    page = client.get("/contributions?currency=EUR&cancelled=hide").get_data(as_text=True)
    [link] = re.findall(r'href="(/reports/contributions\.xlsx\?[^"]*)"', page)
    assert "currency=EUR" in link and "cancelled=hide" in link
    book = load_workbook(io.BytesIO(client.get(link.replace("&amp;", "&")).data))
    sheet = book["Contributions"]
    header = next(row for row in sheet.iter_rows(values_only=True) if row and "Agreement reference" in row)
    column = header.index("Agreement reference")
    listed = {row[column] for row in sheet.iter_rows(values_only=True) if row and row[column] in ALL}
    assert listed == {"EU-2"}
    gap_page = client.get("/gaps/KHM-SME?overdue=y").get_data(as_text=True)
    assert re.search(r'href="/reports/status\.xlsx\?[^"]*gap=KHM-SME[^"]*overdue=y|'
                     r'href="/reports/status\.xlsx\?[^"]*overdue=y[^"]*gap=KHM-SME', gap_page)
