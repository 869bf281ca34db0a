"""``flask import-contributions``: the same checks and report as the pages, for bulk loads."""
from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests import factories
from tests.imports import files
from tracker.core.figures import figures_of
from tracker.core.models import Contribution


@pytest.fixture
def gap(session):
    made = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    session.commit()
    return made


def contributions(session) -> int:
    try:
        return session.scalar(select(func.count()).select_from(Contribution))
    finally:
        session.rollback()


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_a_clean_file_is_imported(runner, session, gap, tmp_path):
    result = runner.invoke(args=["import-contributions", write(tmp_path, "a.xlsx", files.workbook(files.CLEAN))])
    assert result.exit_code == 0, result.output
    assert "3 contribution(s) imported; 0 row(s) already imported; 0 row(s) skipped." in result.output
    assert contributions(session) == 3


def test_a_dry_run_reports_and_writes_nothing(runner, session, gap, tmp_path):
    result = runner.invoke(args=["import-contributions", write(tmp_path, "a.csv", files.csv_file(files.CLEAN)),
                                 "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "3 contribution(s) would be imported" in result.output and "nothing was written" in result.output
    assert contributions(session) == 0


def test_errors_are_listed_by_row_and_nothing_is_written(runner, session, gap, tmp_path):
    result = runner.invoke(args=["import-contributions", write(tmp_path, "e.xlsx", files.workbook(files.WITH_ERRORS))])
    assert result.exit_code == 1
    assert "row 5, Funding: The amount must be more than zero." in result.output
    assert "row 9, Exchange rate: Enter the exchange rate" in result.output
    assert "Nothing was imported: 5 row(s) have problems" in result.output
    assert contributions(session) == 0


def test_skip_invalid_imports_the_rest_and_reports_the_skipped(runner, session, gap, tmp_path):
    report = tmp_path / "skipped.xlsx"
    result = runner.invoke(args=["import-contributions", write(tmp_path, "e.xlsx", files.workbook(files.WITH_ERRORS)),
                                 "--skip-invalid", "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert contributions(session) == 3
    rows = list(load_workbook(report)["Skipped rows"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [5, 6, 7, 8, 9]


def test_the_same_file_twice_adds_nothing_and_exits_non_zero(runner, session, gap, tmp_path):
    path = write(tmp_path, "a.xlsx", files.workbook(files.CLEAN))
    runner.invoke(args=["import-contributions", path])
    again = runner.invoke(args=["import-contributions", path])
    assert again.exit_code == 1
    assert "0 contribution(s) imported; 3 row(s) already imported" in again.output
    assert contributions(session) == 3


def test_columns_gap_currency_and_status_given_on_the_command_line(runner, session, gap, tmp_path):
    content = files.csv_file([["Japan", "1,000.00", "JP-1"], ["Korea", "2000", "KR-1"]], ["Who", "Funding", "Ref"])
    result = runner.invoke(args=["import-contributions", write(tmp_path, "b.csv", content), "--gap", "khm-sme",
                                 "--currency", "usd", "--status", "Committed", "--column", "donor=Who",
                                 "--column", "amount=Funding", "--column", "reference=Ref"])
    assert result.exit_code == 0, result.output
    assert figures_of(session, "KHM-SME").funding_cents == 300_000


@pytest.mark.parametrize("args, message", [
    (["--column", "donr=Who"], "use TARGET=HEADER"),
    (["--currency", "XYZ"], "not an ISO 4217"),
    (["--status", "maybe"], "use pledged, committed or paid"),
])
def test_bad_options_exit_non_zero_with_a_reason(runner, session, gap, tmp_path, args, message):
    result = runner.invoke(args=["import-contributions", write(tmp_path, "a.xlsx", files.workbook(files.CLEAN)), *args])
    assert result.exit_code != 0 and message in result.output
    assert contributions(session) == 0


def test_a_file_without_a_gap_column_needs_gap(runner, session, gap, tmp_path):
    content = files.csv_file([["Japan", "100", "USD", "paid"]], ["Donor", "Amount", "Currency", "Status"])
    result = runner.invoke(args=["import-contributions", write(tmp_path, "c.csv", content)])
    assert result.exit_code != 0 and "choose the funding gap code for every row" in result.output


def test_a_zip_bomb_is_refused(runner, session, tmp_path):
    result = runner.invoke(args=["import-contributions", write(tmp_path, "bomb.xlsx", files.zip_bomb())])
    assert result.exit_code != 0 and "would unpack to 1,024 MB" in result.output


def test_the_issues_wide_csv_is_refused_in_one_line(runner, session, gap, tmp_path):
    result = runner.invoke(args=["import-contributions", write(tmp_path, "wide.csv", files.wide_csv())])
    assert result.exit_code == 1
    assert result.output.startswith("Error: The file has 100,000 columns, more than the 200 an import reads.")
    assert len(result.output.strip().splitlines()) == 1
    assert contributions(session) == 0


def test_a_csv_row_with_another_number_of_columns_is_refused_in_one_line(runner, session, gap, tmp_path):
    content = files.csv_file([files.CLEAN[0], [*files.CLEAN[1], "extra"]], delimiter=";")
    result = runner.invoke(args=["import-contributions", write(tmp_path, "s.csv", content)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Row 3 has 9 columns but the header row has 8.")
    assert len(result.output.strip().splitlines()) == 1
    assert contributions(session) == 0


@pytest.fixture
def typed(session, gap):
    """Rows 2 and 3 of ``files.CLEAN``, typed in by hand before the import."""
    made = [factories.add_contribution(session, gap, "250000.50", donor="Government of Japan",
                                       decision_date=date(2026, 3, 1), reference="JP-1"),
            factories.add_contribution(session, gap, "1000", donor="Sweden", currency="EUR", rate="0.8",
                                       status="pledged", decision_date=date(2026, 2, 1))]  # no reference: the date
    session.commit()
    return [c.id for c in made]


def test_a_dry_run_names_the_contributions_rows_duplicate_and_skips_them(runner, session, typed, tmp_path):
    result = runner.invoke(args=["import-contributions", write(tmp_path, "a.csv", files.csv_file(files.CLEAN)),
                                 "--dry-run"])
    assert result.exit_code == 0, result.output
    japan, sweden = typed
    assert (f"row 2: possible duplicate, same as contribution No. {japan} of 2026-03-01; skipped "
            "(--allow-duplicates imports it).") in result.output
    assert f"row 3: possible duplicate, same as contribution No. {sweden} of 2026-02-01; skipped" in result.output
    assert ("1 contribution(s) would be imported; 0 row(s) already imported; 2 row(s) skipped, 2 of them as "
            "possible duplicates.") in result.output
    assert contributions(session) == 2


def test_allow_duplicates_imports_them(runner, session, typed, tmp_path):
    result = runner.invoke(args=["import-contributions", write(tmp_path, "a.csv", files.csv_file(files.CLEAN)),
                                 "--allow-duplicates"])
    assert result.exit_code == 0, result.output
    assert f"row 2: possible duplicate, same as contribution No. {typed[0]} of 2026-03-01; imported." in result.output
    assert "3 contribution(s) imported; 0 row(s) already imported; 0 row(s) skipped." in result.output
    assert contributions(session) == 5


def test_rows_the_same_within_a_file_import_once_then_nothing_more(runner, session, gap, tmp_path):
    path = write(tmp_path, "a.xlsx", files.workbook([*files.CLEAN, files.CLEAN[0]]))
    first = runner.invoke(args=["import-contributions", path])
    assert "row 2: possible duplicate, same as row 5; imported, the first of these rows." in first.output
    assert "row 5: possible duplicate, same as row 2; skipped" in first.output
    again = runner.invoke(args=["import-contributions", path, "--allow-duplicates"])
    assert "1 contribution(s) imported; 3 row(s) already imported" in again.output
    last = runner.invoke(args=["import-contributions", path, "--allow-duplicates"])
    assert last.exit_code == 1 and "0 contribution(s) imported; 4 row(s) already imported" in last.output
    assert contributions(session) == 4
