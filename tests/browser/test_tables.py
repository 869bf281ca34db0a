"""Tables that fit, in real Chromium: at 1280 px the longest reference a contribution may carry
wraps inside its cell and no action link is cut off, with every US$ column a ledger can show
(written off, exchange difference); at 360 px each row is a card that shows the donor, the
status, the amount, the US$ funding and the actions, and each total names its column;
"overdue since <date>" is never split its date."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page

from tests import factories
from tests.browser.conftest import sign_in
from tracker.contributions import rules as contributions
from tracker.gaps import rules as gaps
from tracker.schedules import instalments

#: The longest reference a contribution may carry (its column holds 100 characters), unbroken.
LONG_REFERENCE = "EU-" + "X" * 97
LONG_DONOR = "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH"
PAGES = ("/gaps/KHM-AGRI", "/contributions", "/donors/{donor}")

#: Each table's width against the box it scrolls in, and each action link's box against what
#: shows of it (a link cut off by its cell or its table's box is narrower than its text).
MEASURE = """() => ({
  page: [document.documentElement.scrollWidth, window.innerWidth],
  tables: [...document.querySelectorAll('.table-wrap')].map(w => [w.scrollWidth, w.clientWidth]),
  clipped: [...document.querySelectorAll('.row-actions a')].filter(a => {
    const link = a.getBoundingClientRect(), box = a.closest('.table-wrap').getBoundingClientRect();
    return a.scrollWidth > a.clientWidth + 1 || link.left < box.left || link.right > box.right + 0.5;
  }).map(a => a.textContent.trim()),
})"""


@pytest.fixture
def wide_ledger(session, people):
    """A commitment with the longest reference and a long donor name, overdue since a date."""
    agri = gaps.get_gap(session, "KHM-AGRI")
    made = factories.add_contribution(session, agri, "1000000.00", currency="EUR", rate="0.92", donor=LONG_DONOR,
                                      reference=LONG_REFERENCE)
    factories.add_schedule(session, made, 4, first_due=date.today() - timedelta(days=40))
    factories.add_payment(session, made, "100000.00", rate="0.91", received=date.today() - timedelta(days=3))
    instalments.flag_overdue(session, date.today())
    assert made.overdue_since is not None
    session.commit()
    return made


@pytest.fixture
def full_ledger(session, wide_ledger):
    """… and every column a ledger adds, on each page: the long-named donor's second commitment
    paid in full at another rate than committed (an exchange difference), its third partly paid
    then written off."""
    agri = gaps.get_gap(session, "KHM-AGRI")
    settled = factories.add_contribution(session, agri, "400000.00", currency="EUR", rate="0.93", donor=LONG_DONOR,
                                         reference="GIZ/KHM/2026/0042-AGRI-SUPPORT")
    factories.add_payment(session, settled, "400000.00", rate="0.92", received=date.today() - timedelta(days=60))
    given_up = factories.add_contribution(session, agri, "250000.00", donor=LONG_DONOR, reference="GIZ/KHM/2026/0043")
    factories.add_payment(session, given_up, "100000.00", received=date.today() - timedelta(days=30))
    contributions.write_off(session, given_up, "The programme closed early", given_up.version)
    session.commit()
    return wide_ledger


def opened(open_tab, width: int) -> Page:
    page = open_tab(viewport={"width": width, "height": 800})
    sign_in(page, "officer@example.org")
    return page


@pytest.mark.parametrize("url", PAGES)
def test_at_1280_px_no_table_is_wider_than_the_page_and_no_action_is_cut_off(open_tab, full_ledger, url):
    page = opened(open_tab, 1280)
    page.goto(url.format(donor=full_ledger.donor_id))
    headers = page.eval_on_selector_all("table.contributions thead th", "ths => ths.map(th => th.textContent.trim())")
    assert {"Written off (US$)", "Exchange difference (US$)"} <= set(headers)
    found = page.evaluate(MEASURE)
    assert found["page"][0] <= found["page"][1]
    assert all(scrolled <= shown for scrolled, shown in found["tables"]), found["tables"]
    assert found["clipped"] == []
    reference = page.locator("td.reference", has_text=LONG_REFERENCE[:20])
    assert reference.bounding_box()["width"] < 300  # wrapped inside its cell, not one 100-character line


def test_at_360_px_each_contribution_is_a_card_with_what_matters(open_tab, wide_ledger):
    page = opened(open_tab, 360)
    page.goto("/gaps/KHM-AGRI")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    row = page.locator("table.contributions tbody tr", has_text=LONG_DONOR)
    assert row.evaluate("tr => getComputedStyle(tr).display") == "block"
    for label in ("Donor", "Status", "Amount", "Funding (US$)"):
        cell = row.locator(f'td[data-label="{label}"]')
        box = cell.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= 360, label
        assert cell.evaluate("td => getComputedStyle(td, '::before').content") == f'"{label}"'
    # the amount, then the rate it was converted at and what arrived, in smaller type below it
    assert row.locator('td[data-label="Amount"]').inner_text().splitlines()[0] == "1,000,000.00 EUR"
    assert row.locator('td[data-label="Funding (US$)"]').inner_text() == "1,086,956.52"
    total = page.locator('table.contributions tfoot td[data-label="Funding (US$)"]')
    assert total.evaluate("td => getComputedStyle(td, '::before').content") == '"Funding (US$)"'
    for name in ("Payment", "Schedule", "Edit", "Cancel"):
        link = row.get_by_role("link", name=name)
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, name


@pytest.mark.parametrize("width", [1280, 360])
def test_overdue_since_never_splits_its_date(open_tab, wide_ledger, width):
    page = opened(open_tab, width)
    for url in ("/gaps/KHM-AGRI", f"/contributions/{wide_ledger.id}/schedule"):
        page.goto(url)
        overdue = page.locator(".status.overdue").first
        assert overdue.inner_text().startswith("overdue since ")
        assert overdue.locator(".nowrap").evaluate("date => date.getClientRects().length") == 1, url
