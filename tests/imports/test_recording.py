"""Recording an import in bulk: the records and audit entries a form would make, the rules of the
forms in set form, and what changed between the check and the write checked again."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests import factories
from tests.imports import files
from tracker.contributions import duplicates
from tracker.contributions.rules import cancel_contribution
from tracker.core import db
from tracker.core.audit import Actor
from tracker.core.models import AuditEntry, Contribution, Donor, Gap
from tracker.donors import rules as donors
from tracker.gaps.rules import GapInput, update_gap
from tracker.imports import recording
from tracker.imports.files import read_table
from tracker.imports.mapping import Mapping, guessed
from tracker.imports.run import DUPLICATE, IMPORTED, SKIPPED, Choices, ImportConflict

OFFICER = Actor("officer@example.org", 7, "192.0.2.1")


def table_of(rows):
    return read_table("a.csv", files.csv_file(rows), max_unzipped=1 << 20)


def record(rows):
    table = table_of(rows)
    return recording.record_import(table, Mapping(guessed(table.headers)), Choices(), OFFICER)


def counted(session, model) -> int:
    try:
        return session.scalar(select(func.count()).select_from(model))
    finally:
        session.commit()


@pytest.fixture
def gap(session):
    made = factories.add_gap(session, "KHM-SME")
    session.commit()
    return made


def edit_gap(session, code: str, **changes) -> None:
    """Change a gap through its service, as its edit form does (a new version)."""
    gap = session.scalar(select(Gap).where(Gap.code == code))
    entry = GapInput(code=gap.code, title=changes.pop("title", gap.title), country=gap.country,
                     programme=gap.programme.code, requirement_usd=Decimal(gap.requirement_cents) / 100, **changes)
    update_gap(session, gap, entry, gap.version)


def after_each_check(monkeypatch, meanwhile) -> list:
    """Make ``meanwhile(session)`` happen, committed, right after each check of the file (before
    its write); returns the list of checks made."""
    check, checks = recording.check, []

    def check_then(*args):
        checks.append(check(*args))
        with db.writing() as session:
            meanwhile(session, len(checks))
        return checks[-1]

    monkeypatch.setattr(recording, "check", check_then)
    return checks


def created(session, record_type: str, record_id: int) -> dict:
    """The audit trail's "create" entry of a record."""
    entry = session.scalar(select(AuditEntry).where(AuditEntry.record_type == record_type,
                                                    AuditEntry.record_id == record_id))
    return {"who": (entry.actor, entry.user_id, entry.address), "action": entry.action, "before": entry.before,
            "after": json.loads(entry.after)}


def test_each_contribution_and_donor_recorded_has_the_audit_entry_a_form_would_give_it(session, gap):
    typed = factories.add_contribution(session, gap, "1000", donor="Sweden", currency="EUR", rate="0.80",
                                       status="pledged", decision_date=date(2026, 2, 1), reference="SE-1")
    session.commit()
    record([["Sweden", "KHM-SME", 1000, "EUR", "0.80", "pledged", "2026-02-01", "SE-2"],
            ["New Foundation", "KHM-SME", 250, "USD", None, "paid", None, "NF-1"]])
    sweden, foundation = session.scalars(select(Contribution).where(Contribution.id != typed.id)
                                         .order_by(Contribution.id)).all()
    assert session.scalar(select(func.count()).where(AuditEntry.record_type == "contribution")) == 3
    by_form, by_import = created(session, "contribution", typed.id), created(session, "contribution", sweden.id)
    assert by_import["who"] == (OFFICER.name, OFFICER.user_id, OFFICER.address)
    assert (by_import["action"], by_import["before"]) == ("create", None)
    assert by_import["after"] == {**by_form["after"], "id": sweden.id, "reference": "SE-2"}
    assert created(session, "contribution", foundation.id)["after"]["usd_cents"] == 25_000
    donor = session.get(Donor, foundation.donor_id)
    assert created(session, "donor", donor.id)["after"] == {
        "id": donor.id, "name": "New Foundation", "name_key": "new foundation", "type": "other", "country": None,
        "merged_into_id": None, "remind_focal_point": False, "named_publicly": False}
    session.commit()


def test_bulk_rows_are_stored_in_the_very_form_the_orm_stores_them(session, gap):
    """Dates, times and rates go into the database as SQLAlchemy's own types write them (on
    SQLite: text of one fixed form), so that comparing and sorting them in SQL still works."""
    factories.add_contribution(session, gap, "1000", currency="EUR", rate="0.80", decision_date=date(2026, 2, 1),
                               reference="BY-FORM")
    session.commit()
    record([["Test Donor", "KHM-SME", 1000, "EUR", "0.80", "committed", "2026-02-01", "BY-IMPORT"]])
    raw = session.connection().exec_driver_sql(
        "SELECT c.created_at, c.updated_at, c.rate_date, c.decision_date, c.rate, c.version, a.at FROM contribution c "
        "JOIN audit_entry a ON a.record_type = 'contribution' AND a.record_id = c.id ORDER BY c.id").all()
    by_form, by_import = raw
    assert [type(v) for v in by_form] == [type(v) for v in by_import]
    assert [len(str(v)) for v in by_form] == [len(str(v)) for v in by_import]
    assert by_form[2:6] == by_import[2:6]
    session.commit()


def test_a_duplicate_recorded_between_the_check_and_the_write_is_held_back(session, gap, monkeypatch):
    def someone_types_row_2(meanwhile, check):
        if check == 1:
            factories.add_contribution(meanwhile, meanwhile.merge(gap), "250000.50", donor="Government of Japan",
                                       reference="jp-1")
    checks = after_each_check(monkeypatch, someone_types_row_2)
    result = record(files.CLEAN)
    assert len(checks) == 2  # the write saw the ledger had moved, and the file was checked again
    assert [o.outcome for o in result.outcomes] == [DUPLICATE, IMPORTED, IMPORTED]
    assert result.outcomes[0].duplicate.words.startswith("contribution No. ")
    assert counted(session, Contribution) == 3  # the one typed meanwhile, then rows 3 and 4


def test_a_gap_closed_between_the_check_and_the_write_refuses_the_import(session, gap, monkeypatch):
    after_each_check(monkeypatch, lambda meanwhile, check: check == 1 and edit_gap(meanwhile, "KHM-SME",
                                                                                   status="closed"))
    result = record(files.CLEAN)
    assert not result.complete and {o.outcome for o in result.outcomes} == {SKIPPED}
    assert {p.message for p in result.problems} == {"The funding gap KHM-SME is closed."}
    assert counted(session, Contribution) == 0


def test_a_donor_merged_between_the_check_and_the_write_gets_nothing(session, gap, monkeypatch):
    kept = donors.find_or_add_donor(session, "Swedish Government")
    donors.find_or_add_donor(session, "Sweden")
    session.commit()

    def sweden_merged(meanwhile, check):
        if check == 1:
            source, target = (donors.find_donor(meanwhile, name) for name in ("Sweden", "Swedish Government"))
            donors.merge_donors(meanwhile, source, target, source.version, target.version)
    after_each_check(monkeypatch, sweden_merged)
    assert [o.outcome for o in record(files.CLEAN).outcomes] == [IMPORTED] * 3
    swedish = session.scalar(select(Contribution.donor_id).where(Contribution.reference == "SE-1"))
    assert swedish == kept.id
    session.commit()


def test_a_ledger_that_keeps_moving_gives_up_with_a_conflict_and_keeps_nothing(session, gap, monkeypatch):
    after_each_check(monkeypatch, lambda meanwhile, check: edit_gap(meanwhile, "KHM-SME", title=f"Edit {check}"))
    with pytest.raises(ImportConflict, match="were being recorded while this import was"):
        record(files.CLEAN)
    assert counted(session, Contribution) == 0
    assert counted(session, Donor) == 0


def test_many_rows_are_looked_up_as_the_form_looks_one_up(session, gap):
    """``matching_contributions`` answers what ``matching_contribution`` answers, row by row."""
    other = factories.add_gap(session, "KHM-AGRI")
    day, later = date(2026, 1, 15), date(2026, 2, 1)
    made = [factories.add_contribution(session, g, amount, donor=donor, decision_date=d, reference=reference)
            for g, amount, donor, d, reference in [
                (gap, "100", "A", day, "Ref-1"), (gap, "100", "A", day, ""), (gap, "100", "A", later, "ref-2"),
                (other, "100", "A", day, "Ref-1"), (gap, "200", "B", later, " Ünï-3 "), (gap, "200", "B", day, "")]]
    cancel_contribution(session, made[5], "Typed twice", made[5].version)
    session.commit()
    a, b = (donors.find_donor(session, name).id for name in ("A", "B"))
    described = [duplicates.Described(g.id, donor, minor, "usd", reference, d)
                 for g in (gap, other) for donor in (a, b) for minor in (10_000, 20_000)
                 for reference in ("", "ref-1", " REF-2", "ünï-3", "other") for d in (None, day, later)]
    many = duplicates.matching_contributions(session, described)
    for d in described:
        one = duplicates.matching_contribution(session, gap_id=d.gap_id, donor_id=d.donor_id,
                                               amount_minor=d.amount_minor, currency=d.currency,
                                               reference=d.reference, decision_date=d.decision_date)
        assert (many[d].id if d in many else None) == (one.id if one else None), d
    assert len(many) > 10
    session.commit()


#: Rows of one file as ``same_in_file`` takes them, from few values, so that many are alike.
KEYS = st.tuples(st.sampled_from([1, 2]), st.just(7), st.sampled_from([100, 200]), st.just("USD"),
                 st.sampled_from(["", "A", " a ", "B", "  "]),
                 st.sampled_from([None, date(2026, 1, 1), date(2026, 2, 1)]))


@settings(max_examples=300, deadline=None)
@given(st.lists(KEYS, max_size=12))
def test_the_first_alike_row_is_the_first_row_same_in_file_names(keys):
    every_pair = [next((j for j, other in enumerate(keys) if j != i and duplicates.same_in_file(key, other)), None)
                  for i, key in enumerate(keys)]
    assert duplicates.first_alike(keys) == every_pair


def test_a_user_limited_to_some_programmes_imports_only_into_their_gaps(session, gap):
    factories.add_gap(session, "LAO-FAR", programme="FAR", country="LA")
    limited = factories.limit_to(session, factories.add_user(session, "limited@example.org", "editor"), "TEST")
    session.commit()
    table = table_of([["Sweden", "LAO-FAR", 1000, "USD", None, "pledged", "2026-02-01", "SE-9"],
                      ["Sweden", "KHM-SME", 1000, "USD", None, "pledged", "2026-02-01", "SE-8"]])
    result = recording.record_import(table, Mapping(guessed(table.headers)), Choices(),
                                     Actor(limited.email, limited.id))
    assert not result.complete and "no funding gap with the code LAO-FAR" in str(result.outcomes)
    assert counted(session, Contribution) == 0
