"""Recording imported rows: savepoints per row, donors added once, races between imports."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.imports import files
from tracker.core.models import Contribution, Donor
from tracker.donors import rules as donors
from tracker.imports.files import read_table
from tracker.imports.mapping import Mapping, guessed
from tracker.imports.run import ImportConflict, _Lookups, run_import


def table_of(rows):
    return read_table("a.csv", files.csv_file(rows), max_unzipped=1 << 20)


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
    table = table_of([["Big", "KHM-SME", "999999999999.99", "EUR", "0.0000000001", "paid", None, "X"],
                      ["Small", "KHM-SME", "10", "USD", None, "paid", None, "Y"]])
    result = run_import(session, table, Mapping(guessed(table.headers)), skip_invalid=True)
    session.commit()
    assert [o.outcome for o in result.outcomes] == ["skipped", "imported"]
    assert "too large to store" in result.problems[0].message


def test_a_concurrent_import_of_the_same_rows_keeps_nothing(session, gap, monkeypatch):
    table = table_of(files.CLEAN[:1])
    run_import(session, table, Mapping(guessed(table.headers)))
    session.commit()
    blind = _Lookups.__init__

    def not_seeing_the_other_import(self, *args):
        blind(self, *args)
        self.imported = set()

    monkeypatch.setattr(_Lookups, "__init__", not_seeing_the_other_import)
    with pytest.raises(ImportConflict, match="Another import of the same rows"):
        run_import(session, table, Mapping(guessed(table.headers)))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Contribution)) == 1
