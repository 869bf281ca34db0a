"""What a donor user reads: its own contributions' schedules (read-only) and the note written to
it; never the staff's internal notes nor the reasons for cancelling, voiding or writing off.
The note to the donor is recorded through the contribution form like any other field."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests import factories
from tests.web.test_contributions import GOOD, error_beside
from tracker.contributions import payments
from tracker.contributions import rules as contributions
from tracker.core.models import Contribution
from tracker.schedules import instalments

INTERNAL = "Internal: the minister signs in March"
TO_THE_DONOR = "Thank you: the first tranche funds 400 inspections"


@pytest.fixture
def ledger(session):
    """Donor A's commitment with both notes, a schedule overdue since 2026-03-31, a voided
    payment; a cancelled one and a written-off one, each with its reason."""
    gap = factories.add_gap(session, "KHM-SME")
    made = factories.add_contribution(session, gap, "900.00", donor="Donor A", reference="A-1")
    contributions.edit_contribution(session, made, contributions.ContributionInput(
        donor=made.donor, status="committed", amount=Decimal("900.00"), currency="USD", rate=None,
        rate_date=made.rate_date, decision_date=made.decision_date, reference="A-1", note=INTERNAL,
        donor_note=TO_THE_DONOR), made.version)
    factories.add_schedule(session, made, 3, first_due=date(2026, 3, 31))
    instalments.flag_overdue(session, date(2026, 4, 15))
    paid_in = factories.add_payment(session, made, "10.00")
    payments.void_payment(session, paid_in, "Entered against the wrong agreement", paid_in.version)
    cancelled = factories.add_contribution(session, gap, "50.00", donor="Donor A", reference="A-2")
    contributions.cancel_contribution(session, cancelled, "Duplicate of the ministry's letter", cancelled.version)
    given_up = factories.add_contribution(session, gap, "70.00", donor="Donor A", reference="A-3")
    contributions.write_off(session, given_up, "Programme closed early", given_up.version)
    other = factories.add_contribution(session, gap, "20.00", donor="Donor B")
    factories.add_schedule(session, other, 1)
    session.commit()
    return {"made": made, "cancelled": cancelled, "given_up": given_up, "other": other}


@pytest.fixture
def donor_a(client_as, ledger):
    return client_as("donor", ledger["made"].donor_id)


def pages(ledger) -> list[str]:
    made, gap = ledger["made"], ledger["made"].gap
    return [f"/gaps/{gap.code}", f"/donors/{made.donor_id}", f"/contributions/{made.id}",
            f"/contributions/{made.id}/schedule", f"/contributions/{ledger['cancelled'].id}",
            f"/contributions/{ledger['given_up'].id}", f"/contributions/{ledger['given_up'].id}/schedule"]


def test_a_donor_reads_its_own_schedule_without_the_forms_that_plan_it(donor_a, ledger):
    response = donor_a.get(f"/contributions/{ledger['made'].id}/schedule")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'overdue since <span class="nowrap">2026-03-31</span>' in page and "300.00 USD" in page
    assert "<form method=\"post\"" not in page.replace('action="/logout"', "").split("<main")[1]
    assert "Generate instalments" not in page and "Write off" not in page


def test_another_donor_s_schedule_is_not_found(donor_a, ledger):
    assert donor_a.get(f"/contributions/{ledger['other'].id}/schedule").status_code == 404


def test_the_contribution_page_links_its_schedule(donor_a, ledger):
    page = donor_a.get(f"/contributions/{ledger['made'].id}").get_data(as_text=True)
    assert f'href="/contributions/{ledger["made"].id}/schedule"' in page
    assert '(overdue since <span class="nowrap">2026-03-31</span>)' in page


def test_a_donor_never_reads_internal_notes_or_reasons(donor_a, ledger):
    for url in pages(ledger):
        page = donor_a.get(url).get_data(as_text=True)
        for secret in (INTERNAL, "wrong agreement", "ministry's letter", "Programme closed early"):
            assert secret not in page.replace("&#39;", "'"), (url, secret)


def test_a_donor_reads_the_note_written_to_it(donor_a, ledger):
    assert TO_THE_DONOR in donor_a.get(f"/contributions/{ledger['made'].id}").get_data(as_text=True)


def test_staff_read_both_notes_and_the_reasons(client_as, ledger):
    viewer = client_as("viewer")
    page = viewer.get(f"/contributions/{ledger['made'].id}").get_data(as_text=True)
    assert INTERNAL in page and TO_THE_DONOR in page and "Note to the donor" in page
    assert "wrong agreement" in page
    assert "ministry&#39;s letter" in viewer.get(f"/contributions/{ledger['cancelled'].id}").get_data(as_text=True)


def test_the_note_to_the_donor_is_recorded_and_edited_through_the_form(forms, session):
    gap = factories.add_gap(session, "KHM-SME")
    session.commit()
    recorded = forms.post(f"/gaps/{gap.code}/contributions/new", {**GOOD, "donor_note": f"  {TO_THE_DONOR} "})
    assert recorded.status_code == 302
    made = session.query(Contribution).one()
    assert (made.donor_note, made.note) == (TO_THE_DONOR, "")
    session.commit()  # end the read, which holds SQLite's write lock in this write session
    url = f"/contributions/{made.id}/edit"
    assert 'Note to the donor' in forms.client.get(url).get_data(as_text=True)
    assert forms.post(url, {**GOOD, "donor_id": str(made.donor_id), "donor_note": "Revised"}).status_code == 302
    session.refresh(made)
    assert made.donor_note == "Revised"


def test_a_too_long_note_to_the_donor_is_refused_beside_the_field(forms, session):
    factories.add_gap(session, "KHM-SME")
    session.commit()
    response = forms.post("/gaps/KHM-SME/contributions/new", {**GOOD, "donor_note": "x" * 5001})
    assert response.status_code == 400
    assert error_beside(response.get_data(as_text=True), "donor_note") == \
        "At most 5,000 characters are allowed here (5001 typed)."
    assert session.query(Contribution).count() == 0
