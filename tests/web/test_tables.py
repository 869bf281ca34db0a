"""Long tables: sorted on the server by whitelisted columns (links in the headers, aria-sort),
cut into pages that keep the sort, and a clear 400 for a column or direction they do not offer."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event

from tests import factories
from tracker.contributions import rules as contributions
from tracker.donors import rules as donors


def row_order(page: str, names: list[str]) -> list[str]:
    """``names`` in the order they appear in the page's table body."""
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return sorted(names, key=body.index)


@pytest.fixture
def ledger(session):
    """Three contributions to one gap, differing in every sortable column."""
    gap = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    factories.add_contribution(session, gap, "500.00", donor="Bravo", status="pledged",
                               decision_date=date(2026, 3, 1), reference="REF-C")
    factories.add_contribution(session, gap, "100.00", donor="alpha", status="paid",
                               decision_date=date(2026, 1, 1), reference="REF-A")
    undated = contributions.ContributionInput(
        donor=donors.find_or_add_donor(session, "Charlie"), status="committed", amount=Decimal("900.00"),
        currency="USD", rate=None, rate_date=None, decision_date=None, reference="REF-B")
    contributions.record_contribution(session, gap, undated)
    session.commit()
    return gap


GAP_PAGE_ORDERS = [
    ("", ["Bravo", "alpha", "Charlie"]),  # newest decision first, undated last
    ("?sort=date&dir=asc", ["alpha", "Bravo", "Charlie"]),  # undated last either way
    ("?sort=donor", ["alpha", "Bravo", "Charlie"]),  # A to Z whatever the case
    ("?sort=donor&dir=desc", ["Charlie", "Bravo", "alpha"]),
    ("?sort=usd", ["Charlie", "Bravo", "alpha"]),  # amounts start largest first
    ("?sort=usd&dir=asc", ["alpha", "Bravo", "Charlie"]),
    ("?sort=status", ["Bravo", "Charlie", "alpha"]),  # pledged, committed, paid: the lifecycle
    ("?sort=reference", ["alpha", "Charlie", "Bravo"]),
    ("?sort=number&dir=asc", ["Bravo", "alpha", "Charlie"]),
]


@pytest.mark.parametrize("query, expected", GAP_PAGE_ORDERS)
def test_the_gap_page_sorts_its_contributions(client, ledger, query, expected):
    page = client.get(f"/gaps/KHM-SME{query}").get_data(as_text=True)
    assert row_order(page, ["alpha", "Bravo", "Charlie"]) == expected


def test_the_sorted_column_carries_aria_sort_and_its_link_flips_the_direction(client, ledger):
    page = client.get("/gaps/KHM-SME?sort=donor&dir=asc").get_data(as_text=True)
    headers = re.findall(r"<th scope=\"col\"[^>]*>.*?</th>", page, re.S)
    sorted_headers = [h for h in headers if "aria-sort" in h]
    assert len(sorted_headers) == 1 and 'aria-sort="ascending"' in sorted_headers[0]
    assert "sort=donor&amp;dir=desc" in sorted_headers[0]
    assert "sort=usd&amp;dir=desc" in page and "sort=reference&amp;dir=asc" in page  # each column's natural start


def test_the_caption_says_how_the_table_is_sorted(client, ledger):
    page = client.get("/gaps/KHM-SME?sort=usd&dir=asc").get_data(as_text=True)
    assert "sorted by Amount, ascending" in page


@pytest.mark.parametrize("url", ["/gaps/KHM-SME", "/donors", "/contributions", "/"])
@pytest.mark.parametrize("query, message", [
    ("sort=password", "cannot be sorted by “password”"),
    ("sort=date%20desc", "cannot be sorted by"),
    ("dir=up", "neither asc"),
    ("sort=&dir=desc", "cannot be sorted by “”"),
])
def test_a_column_or_direction_not_offered_is_a_clear_400(client, ledger, url, query, message):
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page


def test_the_donor_page_sorts_its_contributions(client, session, ledger):
    donor = factories.add_contribution(session, ledger, "50.00", donor="alpha", reference="REF-Z").donor_id
    other = factories.add_gap(session, "KHM-AGRI")
    factories.add_contribution(session, other, "70.00", donor="alpha", reference="REF-Y")
    session.commit()
    page = client.get(f"/donors/{donor}?sort=gap&dir=desc").get_data(as_text=True)
    assert row_order(page, ["REF-A", "REF-Y"]) == ["REF-A", "REF-Y"]  # KHM-SME before KHM-AGRI
    page = client.get(f"/donors/{donor}?sort=usd&dir=asc").get_data(as_text=True)
    assert row_order(page, ["REF-A", "REF-Y", "REF-Z"]) == ["REF-Z", "REF-Y", "REF-A"]


@pytest.mark.parametrize("query, expected", [
    ("", ["alpha", "Bravo", "Charlie"]),
    ("?sort=name&dir=desc", ["Charlie", "Bravo", "alpha"]),
    ("?sort=funding", ["Charlie", "alpha", "Bravo"]),  # 900 committed, 100 paid, a pledge is no funding
    ("?sort=pledged", ["Bravo", "Charlie", "alpha"]),
    ("?sort=received", ["alpha", "Charlie", "Bravo"]),
])
def test_the_donors_list_sorts_by_name_and_figures(client, ledger, query, expected):
    page = client.get(f"/donors{query}").get_data(as_text=True)
    assert row_order(page, ["alpha", "Bravo", "Charlie"]) == expected


@pytest.fixture
def three_gaps(session):
    small = factories.add_gap(session, "GAP-SMALL", requirement="1000.00")
    big = factories.add_gap(session, "GAP-BIG", requirement="900000.00")
    factories.add_gap(session, "GAP-ZERO", requirement="0.00")
    factories.add_contribution(session, big, "850000.00")
    factories.add_contribution(session, small, "10.00")
    session.commit()


@pytest.mark.parametrize("query, expected", [
    ("", ["GAP-BIG", "GAP-SMALL", "GAP-ZERO"]),
    ("?sort=gap&dir=desc", ["GAP-ZERO", "GAP-SMALL", "GAP-BIG"]),
    ("?sort=requirement", ["GAP-BIG", "GAP-SMALL", "GAP-ZERO"]),
    ("?sort=shortfall", ["GAP-BIG", "GAP-SMALL", "GAP-ZERO"]),  # 50,000 then 990 then 0
    ("?sort=coverage", ["GAP-BIG", "GAP-SMALL", "GAP-ZERO"]),  # no coverage (zero requirement) last
    ("?sort=coverage&dir=asc", ["GAP-SMALL", "GAP-BIG", "GAP-ZERO"]),
])
def test_the_dashboard_table_sorts_the_gaps(client, three_gaps, query, expected):
    page = client.get(f"/{query}").get_data(as_text=True)
    table = page[page.index('id="gaps-caption"'):]
    assert row_order(table, expected) == expected


def contributions_table(page: str) -> str:
    """The table of contributions alone (the filter form above it names every donor)."""
    start = page.index('id="contributions-caption"')
    return page[start:page.index("</table>", start)]


def test_pages_follow_the_sort_and_their_links_keep_it(app, client, ledger):
    app.config["PAGE_SIZE"] = 2
    first = client.get("/gaps/KHM-SME?sort=usd&dir=asc").get_data(as_text=True)
    rows = contributions_table(first)
    assert "alpha" in rows and "Bravo" in rows and "Charlie" not in rows
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "sort=usd" in next_link and "dir=asc" in next_link and "page=2" in next_link
    second = client.get(next_link).get_data(as_text=True)
    rows = contributions_table(second)
    assert "Charlie" in rows and "Bravo" not in rows and "rows 3–3 of 3" in second


def test_a_sort_link_starts_again_at_the_first_page(app, client, ledger):
    app.config["PAGE_SIZE"] = 2
    page = client.get("/gaps/KHM-SME?page=2").get_data(as_text=True)
    links = re.findall(r'<a class="sort" href="([^"]+)"', page)
    assert links and not any("page=" in link for link in links)


def test_the_dashboard_table_is_paged_but_its_totals_cover_every_gap(app, client, three_gaps):
    app.config["PAGE_SIZE"] = 2
    page = client.get("/?sort=gap&page=2").get_data(as_text=True)
    table = page[page.index('id="gaps-caption"'):]
    assert "GAP-ZERO" in table and "GAP-BIG" not in table.split("</tbody>")[0]
    assert "Total (3 gaps)" in table and "901,000.00" in table  # every requirement, not this page's


def statements_for(app, client, url: str) -> int:
    """How many SQL statements answering ``url`` takes."""
    engine = app.extensions["tracker.engine"]
    seen = []
    listener = lambda *_args: seen.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


@pytest.mark.parametrize("url", ["/contributions?sort=donor", "/gaps/KHM-SME?sort=usd", "/donors?sort=funding", "/"])
def test_a_longer_page_takes_no_more_queries(app, client, session, ledger, url):
    few = statements_for(app, client, url)
    for n in range(12):
        made = factories.add_contribution(session, ledger, "10.00", donor=f"Donor {n}", reference=f"R-{n}")
        factories.add_payment(session, made, "1.00")
    session.commit()
    assert statements_for(app, client, url) == few
