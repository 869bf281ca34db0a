"""Recording imported rows: every row checked, donors added once, races between imports."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.imports import files
from tracker.contributions.rules import cancel_contribution
from tracker.core import db
from tracker.core.audit import Actor
from tracker.core.models import Contribution, Donor
from tracker.donors import rules as donors
from tracker.imports import run
from tracker.imports.files import read_table
from tracker.imports.mapping import Mapping, guessed
from tracker.imports.recording import check, record_import
from tracker.imports.run import DUPLICATE, IMPORTED, Choices, ImportConflict, record_checked


def table_of(rows):
    return read_table("a.csv", files.csv_file(rows), max_unzipped=1 << 20)


def run_import(session, table, mapping, ticked=(), **choices):
    """Check and record ``table`` as the pages do, in transactions of its own (``session``'s ends first)."""
    session.commit()
    return record_import(table, mapping, Choices(ticked=frozenset(ticked), **choices), Actor("test"))


@pytest.fixture
def gap(session):
    made = factories.add_gap(session, "KHM-SME")
    session.commit()
    return made


def test_a_new_donor_whose_first_row_fails_is_added_once_by_its_next_row(session, gap):
    rows = [["New Foundation", "KHM-SME", 100, "EUR", None, "paid", None, "A"],  # no EUR rate on file
            ["New Foundation", "KHM-SME", 200, "USD", None, "paid", None, "B"]]
    table = table_of(rows)
    result = run_import(session, table, Mapping(guessed(table.headers)), skip_invalid=True)
    session.commit()
    assert [o.outcome for o in result.outcomes] == ["skipped", "imported"]
    assert session.scalar(select(func.count()).select_from(Donor)) == 1
    assert session.scalar(select(func.count()).select_from(Contribution)) == 1


def outcomes(result) -> list[tuple]:
    """(row, outcome, what it may duplicate) of every row."""
    return [(o.row, o.outcome, o.duplicate.words if o.duplicate else None) for o in result.outcomes]


def imported(session, rows, **allowed):
    table = table_of(rows)
    result = run_import(session, table, Mapping(guessed(table.headers)), **allowed)
    session.commit()
    return result


def test_a_row_the_same_as_an_earlier_one_is_held_back_and_both_are_marked(session, gap):
    result = imported(session, [*files.CLEAN, files.CLEAN[0]])
    assert outcomes(result) == [(2, IMPORTED, "row 5"), (3, IMPORTED, None), (4, IMPORTED, None),
                                (5, DUPLICATE, "row 2")]
    assert [o.tick for o in result.flagged] == [None, "5:row-2"]
    assert session.scalar(select(func.count()).select_from(Contribution)) == 3


def test_a_ticked_duplicate_is_imported(session, gap):
    result = imported(session, [*files.CLEAN, files.CLEAN[0]], ticked={"5:row-2"})
    assert outcomes(result)[-1] == (5, IMPORTED, "row 2")
    assert session.scalar(select(func.count()).select_from(Contribution)) == 4


def test_rows_of_a_new_donor_match_by_its_name_whatever_the_spelling(session, gap):
    rows = [["New Foundation", "KHM-SME", 100, "USD", None, "paid", None, "NF-1"],
            ["  new   FOUNDATION ", "KHM-SME", "100.00", "USD", None, "committed", "2026-02-02", "nf-1 "],
            ["New Foundation", "KHM-SME", 100, "USD", None, "paid", None, "NF-2"]]  # another reference
    assert outcomes(imported(session, rows)) == [(2, IMPORTED, "row 3"), (3, DUPLICATE, "row 2"), (4, IMPORTED, None)]


def test_a_row_the_same_as_a_live_contribution_names_it(session, gap):
    typed = factories.add_contribution(session, gap, "250000.50", donor="government of japan",
                                       decision_date=date(2026, 3, 1), reference="")  # no reference: same date
    cancelled = factories.add_contribution(session, gap, "1000", donor="Sweden", currency="EUR", rate="0.8",
                                           status="pledged", decision_date=date(2026, 2, 1), reference="SE-1")
    cancel_contribution(session, cancelled, "Typed twice", cancelled.version)
    session.commit()
    result = imported(session, files.CLEAN)
    assert outcomes(result)[:2] == [(2, DUPLICATE, f"contribution No. {typed.id} of 2026-03-01"), (3, IMPORTED, None)]
    assert result.outcomes[0].tick == f"2:contribution-{typed.id}"


def test_allow_duplicates_imports_them_all(session, gap):
    factories.add_contribution(session, gap, "250000.50", donor="Government of Japan", reference="JP-1")
    session.commit()
    result = imported(session, [*files.CLEAN, files.CLEAN[0]], allow_duplicates=True)
    assert [o.outcome for o in result.outcomes] == [IMPORTED] * 4
    assert session.scalar(select(func.count()).select_from(Contribution)) == 5


def test_a_tick_does_not_let_in_a_duplicate_of_what_was_recorded_since_the_preview(session, gap):
    table = table_of([*files.CLEAN, files.CLEAN[0]])
    preview = check(table, Mapping(guessed(table.headers))).result
    typed = factories.add_contribution(session, gap, "250000.50", donor="Government of Japan", reference="jp-1")
    session.commit()
    result = imported(session, [*files.CLEAN, files.CLEAN[0]], ticked={o.tick for o in preview.flagged if o.tick})
    first, *_, second = outcomes(result)
    assert first == (2, DUPLICATE, f"contribution No. {typed.id} of 2026-01-15")  # the same reference, any date
    assert second == (5, DUPLICATE, f"contribution No. {typed.id} of 2026-01-15")  # ticked as "same as row 2"


def test_a_merged_donors_name_imports_to_the_donor_it_was_merged_into(session, gap):
    kept, merged = donors.find_or_add_donor(session, "Kept Donor"), donors.find_or_add_donor(session, "Old Name")
    donors.merge_donors(session, merged, kept, merged.version, kept.version)
    session.commit()
    table = table_of([["old  NAME", "KHM-SME", 100, "USD", None, "paid", None, "A"],
                      ["Old Name", "KHM-SME", 200, "USD", None, "paid", None, "B"]])
    result = run_import(session, table, Mapping(guessed(table.headers)))
    session.commit()
    assert [o.outcome for o in result.outcomes] == ["imported", "imported"]
    assert set(session.scalars(select(Contribution.donor_id))) == {kept.id}
    assert session.scalar(select(func.count()).select_from(Donor)) == 2


def test_a_value_too_large_for_the_database_is_a_problem_not_a_crash(session, gap):
    table = table_of([["Big", "KHM-SME", "999999999999.99", "EUR", "0.001", "paid", None, "X"],
                      ["Tiny rate", "KHM-SME", "10", "EUR", "0.0000000001", "paid", None, "Z"],
                      ["Small", "KHM-SME", "10", "USD", None, "paid", None, "Y"]])
    result = run_import(session, table, Mapping(guessed(table.headers)), skip_invalid=True)
    session.commit()
    assert [o.outcome for o in result.outcomes] == ["skipped", "skipped", "imported"]
    assert "worth more than US$ 100,000,000,000, the most one record may hold" in result.problems[0].message
    assert "below 0.0001 units per US$" in result.problems[1].message


def test_a_concurrent_import_of_the_same_rows_keeps_nothing(session, gap):
    table = table_of(files.CLEAN[:1])
    stale = check(table, Mapping(guessed(table.headers)))  # checked before the other import recorded the row
    run_import(session, table, Mapping(guessed(table.headers)))
    with pytest.raises(ImportConflict, match="Another import of the same rows"), db.writing() as writing:
        record_checked(writing, stale)
    assert session.scalar(select(func.count()).select_from(Contribution)) == 1


def test_an_import_of_the_same_rows_unseen_until_the_insert_keeps_nothing(session, gap, monkeypatch):
    """On PostgreSQL the other import may commit between the re-reads and the inserts: the
    rows' unique keys refuse the second one."""
    donors.find_or_add_donor(session, "Government of Japan")  # on file: only the rows' keys can collide
    session.commit()
    table = table_of(files.CLEAN[:1])
    stale = check(table, Mapping(guessed(table.headers)))
    run_import(session, table, Mapping(guessed(table.headers)))
    monkeypatch.setattr(run, "_read_again", lambda *args: None)
    with pytest.raises(ImportConflict, match="Another import of the same rows"), db.writing() as writing:
        record_checked(writing, stale)
    assert session.scalar(select(func.count()).select_from(Contribution)) == 1
