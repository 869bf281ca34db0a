"""What officers and donors do in the tracker, in real Chromium, found by labels and roles."""
from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from tests.browser.conftest import sign_in
from tracker.core.models import Payment

AGRI = "Extend legal and effective coverage to the agricultural sector"
TODAY = date.today().isoformat()


def card(page: Page, label: str) -> str:
    """The figure shown in the card labelled ``label`` on a gap page."""
    term = page.locator("dt", has_text=re.compile(f"^{re.escape(label)}$"))
    return page.locator(".card", has=term).locator("dd").inner_text()


def record_eu_commitment(page: Page, amount: str = "1,000,000") -> None:
    page.get_by_role("link", name="Record a contribution").click()
    page.get_by_label("New donor's name").fill("European Union")
    page.get_by_label("New donor's type").select_option("multilateral")
    page.get_by_label("Amount").fill(amount)
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("Exchange rate (units per US$)").fill("0.92")
    page.get_by_label("Status").select_option("committed")
    page.get_by_label("Decision date").fill(TODAY)
    page.get_by_label("Agreement reference").fill("EU-2026-11")
    page.get_by_role("button", name="Record contribution").click()


def test_an_officer_records_a_commitment_and_sees_the_gap_shrink(open_tab, people):
    page = open_tab()
    sign_in(page, "officer@example.org")
    page.get_by_role("table").get_by_role("link", name=re.compile(AGRI)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("KHM-AGRI")
    assert card(page, "Still missing").startswith("US$ 14,986,666.67")  # Japan's 2,000,000 JPY at 150

    record_eu_commitment(page)

    expect(page.get_by_role("status")).to_contain_text("Contribution of 1,000,000.00 EUR from European Union recorded")
    # 1,000,000 EUR at 0.92 per US$ = 1,086,956.52; with Japan's 13,333.33: funding 1,100,289.85.
    assert card(page, "Funding (committed or paid)") == "US$ 1,100,289.85"
    assert card(page, "Still missing").startswith("US$ 13,899,710.15")
    expect(page.get_by_role("img", name=re.compile(r"Coverage 7\.34 %"))).to_be_visible()

    page.get_by_role("link", name="Gaps", exact=True).click()
    row = page.get_by_role("row", name=re.compile("KHM-AGRI"))
    expect(row).to_contain_text("13,899,710.15")
    expect(row.get_by_role("img", name=re.compile(r"Coverage 7\.34 %"))).to_be_visible()
    assert page.csp_errors == []


def test_a_payment_and_a_schedule_show_what_is_due_next(open_tab, people):
    page = open_tab()
    sign_in(page, "officer@example.org")
    page.goto("/gaps/KHM-AGRI")
    record_eu_commitment(page, "900,000")
    eu_row = page.get_by_role("row", name=re.compile("European Union"))

    eu_row.get_by_role("link", name="Payment").click()
    page.get_by_label("Date received").fill(TODAY)
    page.get_by_label("Amount").fill("200,000")
    page.get_by_label("Exchange rate (units per US$)").fill("0.9")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_role("status")).to_contain_text("Payment of 200,000.00 EUR recorded")
    assert card(page, "Received") == "US$ 222,222.22"

    page.get_by_role("row", name=re.compile("European Union")).get_by_role("link", name="Schedule").click()
    page.get_by_label("Number of instalments").fill("3")
    page.get_by_label("Frequency").select_option("quarterly")
    first_due = (date.today() + timedelta(days=30)).isoformat()
    page.get_by_label("First due date").fill(first_due)
    page.get_by_role("button", name="Generate instalments").click()

    expect(page.get_by_role("status")).to_contain_text("3 instalments")
    due_next = page.locator(".card", has=page.locator("dt", has_text="Due next")).locator("dd")
    expect(due_next).to_contain_text("100,000.00 EUR")  # 300,000 due, 200,000 already in
    expect(due_next).to_contain_text(first_due)
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows.nth(1)).to_contain_text("partly paid")


def test_a_mistyped_amount_is_explained_beside_the_field_and_the_rest_is_kept(open_tab, people):
    page = open_tab()
    sign_in(page, "officer@example.org")
    page.goto("/gaps/KHM-SME/contributions/new")
    page.get_by_label("New donor's name").fill("Australia")
    page.get_by_label("Amount").fill("12.345")
    page.get_by_label("Agreement reference").fill("AU-1")
    page.get_by_role("button", name="Record contribution").click()

    amount = page.get_by_label("Amount")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#amount-error")).to_have_text("USD amounts have at most 2 decimal places.")
    expect(amount).to_have_value("12.345")
    expect(page.get_by_label("New donor's name")).to_have_value("Australia")
    expect(page.get_by_label("Agreement reference")).to_have_value("AU-1")


def test_two_tabs_editing_one_contribution_do_not_overwrite_each_other(open_tab, people):
    first = open_tab()
    sign_in(first, "officer@example.org")
    second = first.context.new_page()
    url = "/contributions/1/edit"
    first.goto(url)
    second.goto(url)

    first.get_by_label("Agreement reference").fill("JP-2026-01-A")
    first.get_by_role("button", name="Save changes").click()
    expect(first.get_by_role("status")).to_contain_text("saved")

    second.get_by_label("Agreement reference").fill("JP-2026-01-B")
    second.get_by_role("button", name="Save changes").click()
    expect(second.get_by_role("alert")).to_contain_text("was changed by someone else while you were editing it")
    # Both changed the reference: the form holds the saved one, the one typed here is shown beside it.
    expect(second.locator("table.conflict tr.clash")).to_contain_text("JP-2026-01-B")
    expect(second.get_by_label("Agreement reference")).to_have_value("JP-2026-01-A")
    first.goto("/contributions/1")
    expect(first.locator(".cards")).to_contain_text("JP-2026-01-A")
    expect(first.locator(".cards")).not_to_contain_text("JP-2026-01-B")


def test_back_and_resubmit_after_a_payment_records_it_once(open_tab, people, session):
    """The browser's Back shows the filled payment form again; sending it again adds nothing."""
    page = open_tab()
    sign_in(page, "officer@example.org")
    page.goto("/contributions/1/payments/new")
    page.get_by_label("Date received").fill(TODAY)
    page.get_by_label("Amount").fill("500000")
    page.get_by_label("Exchange rate (units per US$)").fill("150")
    page.get_by_label("Payment reference").fill("JP-PAY-1")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_role("status")).to_contain_text("Payment of 500,000 JPY recorded")
    first_page = page.url

    page.go_back()
    expect(page.get_by_label("Payment reference")).to_have_value("JP-PAY-1")
    page.get_by_role("button", name="Record payment").click()

    expect(page.get_by_role("status")).to_contain_text("already recorded when the form was first sent; "
                                                       "nothing was added again")
    assert page.url == first_page
    payments = page.get_by_role("row", name=re.compile("JP-PAY-1"))
    expect(payments).to_have_count(1)
    assert session.scalar(select(func.count()).select_from(Payment)) == 1


def test_a_donor_sees_only_its_own_contributions(open_tab, people):
    page = open_tab()
    sign_in(page, "japan@example.org")
    page.get_by_role("table").get_by_role("link", name=re.compile(AGRI)).click()
    expect(page.get_by_text("Government of Japan")).to_be_visible()
    expect(page.get_by_text("Sweden")).to_have_count(0)
    expect(page.get_by_role("link", name="Record a contribution")).to_have_count(0)
    page.get_by_role("link", name="Our contributions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Government of Japan")
    assert page.goto(f"/donors/{people['sweden']}").status == 404


def test_an_officer_downloads_the_status_workbook_and_it_opens(open_tab, people, tmp_path):
    from openpyxl import load_workbook

    page = open_tab()
    sign_in(page, "officer@example.org")
    with page.expect_download() as caught:
        page.get_by_role("link", name="Download Excel").click()
    path = tmp_path / caught.value.suggested_filename
    caught.value.save_as(path)
    book = load_workbook(path)
    assert "Summary" in book.sheetnames and path.suffix == ".xlsx"
    codes = {row[0] for row in book["Summary"].iter_rows(values_only=True)}
    assert {"KHM-AGRI", "KHM-SME"} <= codes


def test_an_officer_imports_a_small_spreadsheet_through_upload_columns_and_preview(open_tab, people, tmp_path):
    from tests.imports import files

    sheet = tmp_path / "pledges.xlsx"
    sheet.write_bytes(files.workbook(files.CLEAN))
    page = open_tab()
    sign_in(page, "officer@example.org")
    page.get_by_role("link", name="Import").click()
    page.get_by_label("Spreadsheet (.xlsx or .csv)").set_input_files(str(sheet))
    page.get_by_role("button", name="Upload and choose columns").click()
    expect(page.get_by_role("status")).to_contain_text("pledges.xlsx uploaded")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("Ready to import")).to_be_visible()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("3 contribution(s) imported")
    page.goto("/gaps/KHM-SME")
    expect(page.get_by_role("table").first).to_contain_text("Kuwait Fund")


def test_an_officer_narrows_the_contributions_and_the_address_keeps_the_filters(open_tab, people):
    page = open_tab()
    sign_in(page, "officer@example.org")
    page.get_by_role("link", name="Contributions", exact=True).click()
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Status").select_option("committed")
    page.get_by_label("Currency").select_option("JPY")
    page.get_by_role("button", name="Search and filter").click()

    expect(page.get_by_role("status")).to_contain_text("1 contribution selected by these filters")
    assert "status=committed" in page.url and "currency=JPY" in page.url
    expect(page.locator("tr.totals")).to_contain_text("Total of the 1 contribution selected")
    expect(page.locator("tr.totals")).to_contain_text("13,333.33")  # 2,000,000 JPY at 150
    assert page.get_by_role("link", name="Download these contributions (Excel)").get_attribute(
        "href").count("currency=JPY") == 1

    page.reload()  # a bookmark: the same table
    expect(page.get_by_label("Currency")).to_have_value("JPY")
    page.get_by_role("link", name="Clear filters").click()
    expect(page.get_by_role("status")).to_contain_text("2 contributions in all")


def test_an_admin_invites_an_editor_who_records_a_contribution_at_the_prefilled_rate(open_tab, people, session):
    from tests import factories
    from tests.rates import samples
    from tracker.imports.files import read_table
    from tracker.rates import files, rules

    factories.add_user(session, "admin@example.org", "admin")
    table = files.read_rates(read_table("un.csv", samples.UN.read_bytes(), max_unzipped=10**7), files.UN_OPERATIONAL)
    rules.import_table(session, table, files.UN_OPERATIONAL, "un.csv")
    session.commit()

    admin = open_tab()
    sign_in(admin, "admin@example.org")
    admin.get_by_role("link", name="Users", exact=True).click()
    admin.get_by_role("link", name="Invite a user").click()
    admin.get_by_label("Email").fill("new.officer@example.org")
    admin.get_by_label("Role").select_option("editor")
    admin.get_by_role("button", name="Invite").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Invitation for new.officer@example.org")
    link = admin.get_by_label("The link").input_value()

    invitee = open_tab()  # another browser: the invitee's own cookies
    invitee.goto(link)
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Choose your password")
    invitee.get_by_label("New password", exact=True).fill("a long enough passphrase")
    invitee.get_by_label("New password again").fill("a long enough passphrase")
    invitee.get_by_role("button", name="Set the password and sign in").click()
    expect(invitee.get_by_role("link", name="new.officer@example.org")).to_be_visible()

    invitee.goto("/gaps/KHM-AGRI")
    invitee.get_by_role("link", name="Record a contribution").click()
    invitee.get_by_label("New donor's name").fill("European Union")
    invitee.get_by_label("New donor's type").select_option("multilateral")
    invitee.get_by_label("Amount").fill("1,000,000")
    invitee.get_by_label("Currency").select_option("EUR")
    expect(invitee.get_by_label("Exchange rate (units per US$)")).to_have_value("0.851")
    expect(invitee.locator("#rate-described")).to_contain_text("UN operational rate for March 2026")
    invitee.get_by_label("Status").select_option("committed")
    invitee.get_by_label("Decision date").fill(TODAY)
    invitee.get_by_role("button", name="Record contribution").click()

    recorded = "Contribution of 1,000,000.00 EUR from European Union recorded"
    expect(invitee.get_by_role("status")).to_contain_text(recorded)
    # 1,000,000 EUR at 0.851 per US$ = 1,175,088.13; with Japan's 13,333.33: 1,188,421.46.
    assert card(invitee, "Funding (committed or paid)") == "US$ 1,188,421.46"
    assert invitee.csp_errors == [] and admin.csp_errors == []
