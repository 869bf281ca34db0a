"""The dashboard's chart of the largest shortfalls: drawn on the server, in order, readable
without colour, and still readable with many gaps."""
from __future__ import annotations

import re

import pytest

from tests import factories
from tracker.gaps import shortfalls


def chart_of(page: str) -> str:
    return page[page.index('<figure class="shortfalls">'):page.index("</figure>")]


@pytest.fixture
def gaps(session):
    factories.add_gap(session, "GAP-SMALL", requirement="1000.00")
    big = factories.add_gap(session, "GAP-BIG", requirement="900000.00")
    mid = factories.add_gap(session, "GAP-MID", requirement="300000.00")
    factories.add_contribution(session, big, "400000.00")
    factories.add_contribution(session, mid, "100000.00", status="pledged")
    session.commit()


def test_the_chart_shows_every_gap_largest_shortfall_first(client, gaps):
    chart = chart_of(client.get("/").get_data(as_text=True))
    codes = re.findall(r'<span class="code">([A-Z-]+)</span>', chart)
    assert codes == ["GAP-BIG", "GAP-MID", "GAP-SMALL"]  # 500,000; 300,000; 1,000 missing
    assert "Every gap, largest first" in chart and "See all" not in chart


def test_each_bar_carries_its_figures_as_text_and_its_bands_a_pattern(client, gaps):
    chart = chart_of(client.get("/").get_data(as_text=True))
    assert "Missing US$ 500,000.00</strong> of US$ 900,000.00" in chart
    assert "funded US$ 400,000.00 (44.44 %)" in chart
    assert "pledged US$ 100,000.00" in chart
    bars = re.findall(r'<svg class="bar"[^>]*>', chart)
    assert len(bars) == 3 and all('aria-hidden="true"' in bar for bar in bars)  # the text says it all
    assert 'class="pledged hatched"' in chart and 'class="missing outlined"' in chart
    assert "funded (solid)" in chart and "pledged (hatched)" in chart


def test_with_many_gaps_the_chart_draws_the_top_and_links_to_the_whole_sorted_table(client, session):
    many = shortfalls.TOP + 2
    for n in range(1, many + 1):
        factories.add_gap(session, f"GAP-{n:02d}", requirement=f"{n}000.00")
    session.commit()
    chart = chart_of(client.get("/").get_data(as_text=True))
    drawn = re.findall(r'<span class="code">([A-Z0-9-]+)</span>', chart)
    assert drawn == [f"GAP-{n:02d}" for n in range(many, 2, -1)]  # the largest shortfalls, largest first
    assert f"The {shortfalls.TOP} largest shortfalls of {many} gaps" in chart
    assert f'href="/?sort=shortfall&amp;dir=desc#gaps">See all {many} gaps sorted by shortfall</a>' in chart


def test_an_empty_dashboard_says_what_to_do_next(client, client_as):
    assert "Create the first one" in client.get("/").get_data(as_text=True)
    viewer_page = client_as("viewer").get("/").get_data(as_text=True)
    assert "ask yours to add the first one" in viewer_page and "/gaps/new" not in viewer_page
