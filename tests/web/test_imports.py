"""Importing contributions through the pages: upload, columns, preview, import — CSRF on."""
from __future__ import annotations

import io
import re
import tracemalloc
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests import factories
from tests.imports import files
from tests.office import chosen
from tests.web.test_contributions import error_beside
from tracker.core.figures import figures_of
from tracker.core.models import Contribution, Donor, ImportUpload


@pytest.fixture
def gap(session):
    made = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    factories.add_contribution(session, made, "10.00", donor="Sweden")  # an existing donor, typed differently below
    session.commit()
    return made


def count(session, model) -> int:
    """Rows of ``model`` now; the test's transaction ends at once so the app can write (SQLite)."""
    try:
        return session.scalar(select(func.count()).select_from(model))
    finally:
        session.rollback()


def upload(forms, content: bytes, name: str = "pledges.xlsx"):
    """Upload ``content``; returns the columns page's address."""
    response = forms.post("/import", {"spreadsheet": (io.BytesIO(content), name)})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return response.headers["Location"]


def submit(forms, url: str, action: str, **changes):
    page = forms.client.get(url).get_data(as_text=True)
    return forms.post(url, {**chosen(page), **changes, action: "1"})


def test_a_clean_file_is_previewed_then_imported_in_full(forms, session, gap):
    url = upload(forms, files.workbook(files.CLEAN))
    preview = submit(forms, url, "preview")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Ready to import" in page and "No problems" in page
    assert count(session, Contribution) == 1  # the preview wrote nothing
    done = submit(forms, url, "confirm")
    assert done.status_code == 302 and done.headers["Location"].endswith("/done")
    assert count(session, Contribution) == 4
    assert count(session, Donor) == 3  # "  sweden  " is the Sweden already on file
    # 10.00 + 250,000.50 + 12,345.678 KWD at 0.307 (paid); the EUR pledge is not funding
    assert figures_of(session, "KHM-SME").funding_cents == 1_000 + 25_000_050 + 4_021_393
    assert figures_of(session, "KHM-SME").pledged_cents == 125_000


def test_a_file_with_errors_lists_every_problem_and_writes_nothing(forms, session, gap):
    url = upload(forms, files.workbook(files.WITH_ERRORS))
    page = submit(forms, url, "preview").get_data(as_text=True)
    problems = set(re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]+)</td>', page))
    assert problems >= {("5", "Funding"), ("6", "Donor"), ("7", "Status"), ("7", "Decision date"), ("8", "Funding"),
                        ("9", "Exchange rate")}
    refused = submit(forms, url, "confirm")
    assert refused.status_code == 400 and "Nothing was imported" in refused.get_data(as_text=True)
    assert (count(session, Contribution), count(session, Donor)) == (1, 1)


def test_a_quoted_value_after_the_first_8_kib_is_imported_as_written(forms, session, gap):
    quoted = [files.QUOTED_DONOR, "KHM-SME", 5, "USD", None, "paid", None, "Q"]
    submit(forms, upload(forms, files.csv_file(files.after_8_kib(quoted)), "long.csv"), "confirm")
    try:
        assert session.scalar(select(Donor.name).join(Contribution).where(Contribution.reference == "Q")) == (
            files.QUOTED_DONOR)
    finally:
        session.rollback()


def test_a_semicolon_file_is_imported(forms, session, gap):
    url = upload(forms, files.csv_file(files.CLEAN, delimiter=";"), "a.csv")
    assert submit(forms, url, "confirm").status_code == 302
    assert count(session, Contribution) == 4


def test_the_same_file_twice_adds_nothing_twice(forms, session, gap):
    content = files.csv_file(files.CLEAN)
    submit(forms, upload(forms, content, "a.csv"), "confirm")
    again = upload(forms, content, "a.csv")
    page = submit(forms, again, "preview").get_data(as_text=True)
    assert re.search(r"Already imported</dt><dd>3<", page)
    assert submit(forms, again, "confirm").status_code == 302
    assert count(session, Contribution) == 4


TWICE = [*files.CLEAN, files.CLEAN[0]]  # row 5 is row 2 again


def flagged(page: str) -> dict[str, tuple[str, str | None]]:
    """The preview's possible duplicates: row → (status cell, the value of its tick box or None)."""
    table = re.search(r'<table class="duplicates">.*?</table>', page, re.S).group(0)
    return {row: (" ".join(re.sub("<[^>]+>", "", status).split()), re.search(r'value="([^"]+)"', tick).group(1)
                  if "checkbox" in tick else None)
            for row, status, tick in re.findall(
                r'<tr><td class="num">(\d+)</td>.*?<td>(<strong>Possible duplicate.*?)</td>\s*<td>(.*?)</td></tr>',
                table, re.S)}


def test_rows_the_same_within_a_file_are_flagged_and_only_the_first_imported(forms, session, gap):
    url = upload(forms, files.workbook(TWICE))
    preview = submit(forms, url, "preview").get_data(as_text=True)
    assert flagged(preview) == {"2": ("Possible duplicate: same as row 5 (the first of them: imported)", None),
                                "5": ("Possible duplicate: same as row 2", "5:row-2")}
    assert re.search(r"Ready to import</dt><dd>3<", preview) and re.search(r"duplicates held back</dt><dd>1<", preview)
    done = submit(forms, url, "confirm")
    assert done.status_code == 302 and count(session, Contribution) == 4
    summary = forms.client.get(done.headers["Location"]).get_data(as_text=True)
    assert re.search(r"Skipped</dt><dd>1<", summary) and "1 of the skipped rows were possible duplicates" in summary
    report = load_workbook(io.BytesIO(forms.client.get(url + "/skipped.xlsx").data))["Skipped rows"]
    assert [(r[0], r[-1]) for r in report.iter_rows(min_row=2, values_only=True)] == [
        (5, "Possible duplicate: same as row 2.")]


def test_a_duplicate_ticked_on_the_preview_is_imported(forms, session, gap):
    url = upload(forms, files.workbook(TWICE))
    tick = flagged(submit(forms, url, "preview").get_data(as_text=True))["5"][1]
    ticked = submit(forms, url, "preview", allowed_duplicates=[tick]).get_data(as_text=True)
    assert re.search(r'value="5:row-2"\s+id="duplicate-5" checked', ticked)  # the tick is kept on the page
    assert re.search(r"Ready to import</dt><dd>4<", ticked)
    assert submit(forms, url, "confirm", allowed_duplicates=[tick]).status_code == 302
    assert count(session, Contribution) == 5


def test_a_row_the_same_as_a_hand_entered_contribution_names_it(forms, session, gap):
    typed = factories.add_contribution(session, gap, "250000.50", donor="Government of Japan",
                                       decision_date=date(2026, 3, 1), reference="JP-1")
    session.commit()
    url = upload(forms, files.workbook(files.CLEAN))
    preview = submit(forms, url, "preview").get_data(as_text=True)
    assert flagged(preview) == {"2": (f"Possible duplicate: same as contribution No. {typed.id} of 2026-03-01",
                                      f"2:contribution-{typed.id}")}
    assert submit(forms, url, "confirm").status_code == 302
    assert count(session, Contribution) == 4  # Sweden's and the one typed, then rows 3 and 4


def test_the_import_checks_again_for_what_was_recorded_since_the_preview(forms, session, gap):
    url = upload(forms, files.workbook(TWICE))
    tick = flagged(submit(forms, url, "preview").get_data(as_text=True))["5"][1]
    factories.add_contribution(session, gap, "250000.50", donor="Government of Japan", reference="JP-1")
    session.commit()
    assert submit(forms, url, "confirm", allowed_duplicates=[tick]).status_code == 302
    assert count(session, Contribution) == 4  # rows 3 and 4: rows 2 and 5 now duplicate the one typed


def test_valid_rows_can_be_imported_and_the_skipped_rows_downloaded(forms, session, gap):
    url = upload(forms, files.workbook(files.WITH_ERRORS))
    done = submit(forms, url, "confirm", skip_invalid="y")
    assert done.status_code == 302
    assert count(session, Contribution) == 4
    summary = forms.client.get(done.headers["Location"]).get_data(as_text=True)
    report = forms.client.get(url + "/skipped.xlsx")
    sheet = load_workbook(io.BytesIO(report.data))["Skipped rows"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Row", *files.HEADERS, "Why it was skipped")
    assert [r[0] for r in rows[1:]] == [5, 6, 7, 8, 9]
    assert rows[1][1] == "Placeholder" and "Funding: The amount must be more than zero." in rows[1][-1]
    assert "skipped.xlsx" in summary


def test_the_columns_chosen_are_remembered_for_the_same_headers(forms, session, gap):
    headers = ["Partner", "Project", "Pledge amount", "Ccy", "Stage", "Ref"]
    rows = [["Japan", "KHM-SME", 100, "USD", "paid", "R1"]]
    url = upload(forms, files.workbook(rows, headers))
    submit(forms, url, "preview", column_amount="Pledge amount", column_reference="Ref")
    later = upload(forms, files.workbook(rows, list(reversed(headers))))
    assert chosen(forms.client.get(later).get_data(as_text=True))["column_reference"] == "Ref"


@pytest.mark.parametrize("changes, field, message", [
    ({"column_amount": ""}, "column_amount", "Choose the column that holds the amount."),
    ({"column_gap": ""}, "default_gap", "choose the funding gap code for every row"),
    ({"column_currency": "", "default_currency": "XYZ"}, "default_currency", "not an ISO 4217"),
    ({"column_donor": "No such column"}, "column_donor", "no column “No such column”"),
])
def test_bad_column_choices_are_refused_beside_the_field(forms, session, gap, changes, field, message):
    url = upload(forms, files.workbook(files.CLEAN))
    response = submit(forms, url, "confirm", **changes)
    assert response.status_code == 400
    assert message in error_beside(response.get_data(as_text=True), field)
    assert count(session, Contribution) == 1


@pytest.mark.parametrize("name, content, message", [
    ("pledges.xlsx", b"PK\x03\x04 broken", "damaged"),
    ("pledges.pdf", b"%PDF", "Upload an Excel workbook"),
    ("pledges.csv", files.csv_file([*files.CLEAN, ["Japan", "KHM-SME", "1", "USD"]]),
     "Row 5 has 4 columns but the header row has 8."),
])
def test_an_unreadable_upload_is_refused_beside_the_field(forms, session, name, content, message):
    response = forms.post("/import", {"spreadsheet": (io.BytesIO(content), name)})
    assert response.status_code == 400
    assert message in error_beside(response.get_data(as_text=True), "spreadsheet")
    assert count(session, ImportUpload) == 0


def test_the_issues_wide_csv_is_refused_at_upload_before_it_is_kept_or_listed(forms, session):
    response = forms.post("/import", {"spreadsheet": (io.BytesIO(files.wide_csv()), "wide.csv")})
    assert response.status_code == 400
    assert "The file has 100,000 columns, more than the 200 an import reads." in error_beside(
        response.get_data(as_text=True), "spreadsheet")
    assert count(session, ImportUpload) == 0


def test_a_header_longer_than_200_characters_is_refused_at_upload(forms, session):
    headers = [*files.HEADERS[:-1], "Reference " + "r" * 200]
    response = forms.post("/import", {"spreadsheet": (io.BytesIO(files.csv_file(files.CLEAN, headers)), "a.csv")})
    assert response.status_code == 400
    assert "a header has at most 200" in error_beside(response.get_data(as_text=True), "spreadsheet")
    assert count(session, ImportUpload) == 0


def test_a_kept_upload_wider_than_the_cap_now_set_is_a_400_not_a_listing(app, forms, session):
    url = upload(forms, files.csv_file(files.CLEAN), "a.csv")
    app.config["IMPORT_MAX_COLUMNS"] = 5
    page = forms.client.get(url)
    assert page.status_code == 400 and "more than the 5 an import reads" in page.get_data(as_text=True)


def test_a_zip_bomb_upload_is_refused_with_bounded_memory(forms, session):
    bomb = files.zip_bomb()
    token = forms.token("/import")
    tracemalloc.start()
    try:
        response = forms.client.post("/import", data={"csrf_token": token,
                                                      "spreadsheet": (io.BytesIO(bomb), "bomb.xlsx")})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 400
    assert "would unpack to 1,024 MB" in error_beside(response.get_data(as_text=True), "spreadsheet")
    assert peak < 64 * 1024 * 1024  # the upload's few MB, copied by the test client and the form; not the GiB
    assert count(session, ImportUpload) == 0


def test_an_oversized_upload_is_refused_before_it_is_read(client, session):
    tracemalloc.start()
    try:
        response = client.post("/import", input_stream=files.HugeBody(1 << 40),
                               content_type="multipart/form-data; boundary=x")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than the 10 MB allowed" in error_beside(page, "spreadsheet")
    assert 'name="csrf_token"' in page  # the next try can go through
    assert peak < 5 * 1024 * 1024  # refused from its Content-Length, never read


def test_an_upload_without_its_csrf_token_is_refused(client, session):
    response = client.post("/import", data={"spreadsheet": (io.BytesIO(files.workbook(files.CLEAN)), "a.xlsx")})
    assert response.status_code == 400 and count(session, ImportUpload) == 0


def test_an_unknown_or_expired_upload_is_a_404(client, session):
    assert client.get("/import/not-a-token").status_code == 404


def test_the_template_shows_the_expected_columns_and_imports_as_is(forms, session, gap):
    response = forms.client.get("/import/template.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Contributions", "How to fill"]
    headers = [c.value for c in book["Contributions"][1]]
    assert headers[:3] == ["Donor", "Funding gap code", "Amount"]
    book["Contributions"].append(["Japan", "KHM-SME", 500, "USD", None, "committed", None, None, "T-1", None])
    filled = io.BytesIO()
    book.save(filled)
    url = upload(forms, filled.getvalue(), "template.xlsx")
    page = forms.client.get(url).get_data(as_text=True)
    assert all(value for name, value in chosen(page).items() if name.startswith("column_"))
    assert submit(forms, url, "confirm").status_code == 302
    assert count(session, Contribution) == 2
