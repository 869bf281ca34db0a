"""The contribution form follows the rate in force as the currency and the rate date change, in real Chromium."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.rates import samples
from tracker.imports.files import read_table
from tracker.rates import files, rules


def test_the_form_prefills_the_rate_in_force_on_the_rate_date_and_keeps_a_typed_one(open_tab, people, session):
    table = files.read_rates(read_table("un.csv", samples.UN.read_bytes(), max_unzipped=10**7), files.UN_OPERATIONAL)
    rules.import_table(session, table, files.UN_OPERATIONAL, "un.csv")
    session.commit()
    page = open_tab()
    sign_in(page, "officer@example.org")
    page.goto("/gaps/KHM-AGRI/contributions/new")
    rate = page.get_by_label("Exchange rate (units per US$)")
    page.get_by_label("Currency").select_option("EUR")
    expect(rate).to_have_value("0.851")  # today: March's rate is the latest on file
    page.get_by_label("Rate date").fill("2026-02-20")
    page.get_by_label("Rate date").dispatch_event("change")
    expect(rate).to_have_value("0.862")
    expect(page.locator("#rate-described")).to_have_text("UN operational rate for February 2026")
    rate.fill("0.9")
    page.get_by_label("Rate date").fill("2026-03-20")
    page.get_by_label("Rate date").dispatch_event("change")
    expect(rate).to_have_value("0.9")  # typed: kept
    assert page.csp_errors == []
