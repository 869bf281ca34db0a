"""Creating and revising gaps through the forms; the pages that show them."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.web.test_contributions import error_beside
from tracker.core.models import Gap
from tracker.gaps.rules import get_gap

NEW_GAP = {
    "code": "khm-health", "title": "Health insurance for informal workers", "country": "KH",
    "programme": "TEST", "description": "", "requirement": "2,500,000.00",
    "impact_count": "200000", "impact_unit": "workers", "impact_indicator": "N° of persons covered",
    "period_start": "2026-01-01", "period_end": "2027-12-31", "status": "open",
}


@pytest.fixture(autouse=True)
def programme(session):
    """The programme NEW_GAP belongs to."""
    factories.add_programme(session)
    session.commit()


def test_a_new_gap_appears_on_the_dashboard(forms, client, session):
    response = forms.post("/gaps/new", NEW_GAP)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/gaps/KHM-HEALTH")
    page = client.get("/").get_data(as_text=True)
    assert "Health insurance for informal workers" in page and "2,500,000.00" in page


@pytest.mark.parametrize("field, value, message", [
    ("code", "", "Enter a short code"),
    ("code", "no spaces!", "capital letters"),
    ("title", "", "Enter the gap's title."),
    ("requirement", "12.345", "at most 2 decimal places"),
    ("requirement", "Infinity", "digits"),
    ("period_end", "2025-01-01", "cannot end before it starts"),
    ("impact_count", "-5", "at least 0"),
])
def test_a_bad_gap_is_refused_beside_the_field(forms, session, field, value, message):
    response = forms.post("/gaps/new", {**NEW_GAP, field: value})
    assert response.status_code == 400
    assert message in error_beside(response.get_data(as_text=True), field)
    assert session.scalar(select(func.count()).select_from(Gap)) == 0


def test_a_taken_code_is_refused(forms, session):
    factories.add_gap(session, "KHM-HEALTH")
    session.commit()
    response = forms.post("/gaps/new", NEW_GAP)
    assert response.status_code == 400
    assert "already has the code" in error_beside(response.get_data(as_text=True), "code")


@pytest.fixture
def gap(session):
    made = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    session.commit()
    return made


def edited(gap, **changes) -> dict:
    return {**NEW_GAP, "code": gap.code, "title": gap.title, "version": str(gap.version), **changes}


def test_revising_the_requirement_keeps_the_original(forms, session, gap):
    response = forms.post("/gaps/KHM-SME/edit", edited(gap, requirement="800000"))
    assert response.status_code == 302
    session.expire_all()
    revised = get_gap(session, "KHM-SME")
    assert (revised.original_requirement_cents, revised.revised_requirement_cents) == (72_000_000, 80_000_000)
    page = forms.client.get("/gaps/KHM-SME").get_data(as_text=True)
    assert "800,000.00" in page and "original US$ 720,000.00" in page


def test_a_gap_code_cannot_change(forms, gap):
    response = forms.post("/gaps/KHM-SME/edit", edited(gap, code="OTHER"))
    assert response.status_code == 400
    assert "cannot change" in error_beside(response.get_data(as_text=True), "code")


def test_saving_a_gap_over_a_newer_version_is_refused_with_409(forms, session, gap):
    url = "/gaps/KHM-SME/edit"
    token = forms.token(url)
    assert forms.client.post(url, data={**edited(gap, title="First"), "csrf_token": token}).status_code == 302
    second = forms.client.post(url, data={**edited(gap, title="Second"), "csrf_token": token})
    assert second.status_code == 409
    assert "changed by someone else" in second.get_data(as_text=True)
    session.expire_all()
    assert get_gap(session, "KHM-SME").title == "First"


def test_pages_list_gaps_contributions_and_donors(client, session, gap):
    made = factories.add_contribution(session, gap, "5000.00", donor="Sweden", reference="SE-1")
    factories.add_payment(session, made, "2000.00")
    session.commit()
    gap_page = client.get("/gaps/KHM-SME").get_data(as_text=True)
    assert "SE-1" in gap_page and "Sweden" in gap_page and "2,000.00" in gap_page
    donors_page = client.get("/donors").get_data(as_text=True)
    assert "Sweden" in donors_page
    donor_page = client.get(f"/donors/{made.donor_id}")
    assert donor_page.status_code == 200 and "KHM-SME" in donor_page.get_data(as_text=True)


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5"])
def test_a_malformed_page_number_is_a_clear_400(client, gap, page):
    response = client.get(f"/gaps/KHM-SME?page={page}")
    assert response.status_code == 400
    assert "page number" in response.get_data(as_text=True)


def test_long_lists_are_paged(app, client, session, gap):
    app.config["PAGE_SIZE"] = 2
    for n in range(5):
        factories.add_contribution(session, gap, "10.00", reference=f"R-{n}")
    session.commit()
    page = client.get("/gaps/KHM-SME?page=3").get_data(as_text=True)
    assert "Page 3 of 3" in page and page.count('<span class="long">R-') == 1  # not "R-": the CSRF token may hold it
