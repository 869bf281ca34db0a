"""An officer imports an FTS flow export in Chromium: recognised at upload, plan mapped, previewed, imported."""
from __future__ import annotations

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import violations
from tests.fts import exports


def test_an_officer_imports_an_fts_export_and_its_pages_pass_axe(open_tab, session, tmp_path):
    factories.add_gap(session, "AFG-HRP-2020")
    factories.add_user(session, "officer@example.org", "editor")
    session.commit()
    export = tmp_path / "fts_incoming_funding_afg.csv"
    export.write_bytes(exports.csv_file())
    page = open_tab(bypass_csp=True)  # axe is injected as a script the page's CSP would refuse
    sign_in(page, "officer@example.org")
    page.goto("/import")
    page.get_by_label("Spreadsheet (.xlsx or .csv)").set_input_files(str(export))
    page.get_by_role("button", name="Upload and choose columns").click()
    expect(page.get_by_role("status")).to_contain_text("is an OCHA FTS flow export")
    page.get_by_label("HAFG20 — Plan HAFG20, 2020").select_option("AFG-HRP-2020")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("table")).to_contain_text("flow 200003 (row 5): added")
    assert violations(page) == []
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("6 flow(s) added")
    assert violations(page) == []
    page.goto("/gaps/AFG-HRP-2020")
    expect(page.get_by_role("table").first).to_contain_text(exports.QUOTED_DONOR)
