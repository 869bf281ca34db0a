"""Recording contributions and payments through the real forms, CSRF token and all."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.contributions import rules as contributions
from tracker.core.figures import figures_of
from tracker.core.models import Contribution, Donor, Payment

GOOD = {
    "donor_id": "", "new_donor": "Government of Japan", "donor_type": "government", "donor_country": "JP",
    "amount": "250000.00", "currency": "USD", "rate": "", "rate_date": "", "status": "committed",
    "decision_date": "2026-03-01", "reference": "JP-2026-01", "note": "",
}


@pytest.fixture
def gap(session):
    made = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    session.commit()
    return made


def error_beside(page: str, field: str) -> str:
    """The message shown right under ``field``'s input (linked by aria-describedby)."""
    found = re.search(rf'id="{field}"[^>]*aria-invalid="true"[^>]*>.*?<p class="error" id="{field}-error">([^<]*)</p>',
                      page, re.S) or re.search(
        rf'aria-invalid="true"[^>]*id="{field}"[^>]*>.*?<p class="error" id="{field}-error">([^<]*)</p>', page, re.S)
    assert found, f"no error shown beside {field}"
    return html.unescape(found.group(1))


def stored(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_recorded_commitment_reduces_the_shortfall_at_once(forms, client, session, gap):
    response = forms.post("/gaps/KHM-SME/contributions/new", GOOD)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "470,000.00" in page  # still missing: 720,000 − 250,000
    assert "Government of Japan" in page
    assert figures_of(session, "KHM-SME").funding_cents == 25_000_000


def test_a_new_donor_typed_differently_is_the_same_donor(forms, session, gap):
    forms.post("/gaps/KHM-SME/contributions/new", GOOD)
    forms.post("/gaps/KHM-SME/contributions/new", {**GOOD, "new_donor": "  government OF   japan ",
                                                    "reference": "JP-2026-02"})
    assert stored(session, Donor) == 1
    assert stored(session, Contribution) == 2


def test_the_rate_on_file_is_used_when_none_is_typed(forms, runner, session, gap):
    assert runner.invoke(args=["add-rate", "EUR", "2026-02-15", "0.8"]).exit_code == 0
    page = forms.client.get("/gaps/KHM-SME/contributions/new").get_data(as_text=True)
    carried = '"EUR": {"rate": "0.8", "described": "Typed rate of 2026-02-15, the nearest earlier day"}'
    assert carried in html.unescape(page)
    posted = forms.post("/gaps/KHM-SME/contributions/new", {**GOOD, "amount": "1000", "currency": "EUR"})
    assert posted.status_code == 302
    assert figures_of(session, "KHM-SME").funding_cents == 125_000


BAD_AMOUNTS = [
    ("", "USD", "Enter the amount."),
    ("-100", "USD", "more than zero"),
    ("0", "USD", "more than zero"),
    ("NaN", "USD", "digits"),
    ("sNaN", "USD", "digits"),
    ("Infinity", "USD", "digits"),
    ("1e3", "USD", "digits"),
    ("12.345", "USD", "USD amounts have at most 2 decimal places."),
    ("1.5", "JPY", "JPY amounts have no decimal places."),
    ("1.0001", "KWD", "KWD amounts have at most 3 decimal places."),
    ("1234567890123456", "USD", "more than 15 digits"),
]


@pytest.mark.parametrize("amount, currency, message", BAD_AMOUNTS)
def test_a_bad_amount_is_refused_beside_the_field(forms, session, gap, amount, currency, message):
    response = forms.post("/gaps/KHM-SME/contributions/new", {**GOOD, "amount": amount, "currency": currency,
                                                               "rate": "" if currency == "USD" else "3"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in error_beside(page, "amount")
    assert f'value="{html.escape(amount)}"' in page or amount == ""
    assert 'value="JP-2026-01"' in page  # the rest of what was typed is kept too
    assert stored(session, Contribution) == 0
    assert stored(session, Donor) == 0


@pytest.mark.parametrize("field, value, message", [
    ("currency", "XYZ", "not an ISO 4217 currency"),
    ("rate", "0", "more than zero"),
    ("rate", "-1.2", "more than zero"),
    ("rate", "NaN", "digits"),
    ("decision_date", "2999-01-01", "cannot be in the future"),
    ("decision_date", "01/03/2026", "YYYY-MM-DD"),
    ("rate_date", "2999-01-01", "cannot be in the future"),
    ("status", "cancelled", "Choose pledged, committed or paid"),
])
def test_other_bad_fields_are_refused_beside_the_field(forms, session, gap, field, value, message):
    entry = {**GOOD, "currency": "EUR", "rate": "0.9", field: value}
    response = forms.post("/gaps/KHM-SME/contributions/new", entry)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in error_beside(page, field)
    assert stored(session, Contribution) == 0
    assert stored(session, Donor) == 0


def test_a_foreign_currency_without_a_rate_on_file_asks_for_one(forms, session, gap):
    response = forms.post("/gaps/KHM-SME/contributions/new", {**GOOD, "currency": "EUR", "rate": ""})
    assert response.status_code == 400
    assert "Enter the exchange rate" in error_beside(response.get_data(as_text=True), "rate")
    assert stored(session, Donor) == 0


def test_no_donor_named_is_refused(forms, session, gap):
    response = forms.post("/gaps/KHM-SME/contributions/new", {**GOOD, "new_donor": "   "})
    assert response.status_code == 400
    assert "Pick a donor" in error_beside(response.get_data(as_text=True), "donor_id")


def test_a_post_without_its_csrf_token_is_refused(client, session, gap):
    response = client.post("/gaps/KHM-SME/contributions/new", data=GOOD)
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert stored(session, Contribution) == 0


@pytest.fixture
def commitment(session, gap):
    made = factories.add_contribution(session, gap, "1000.00", donor="EU", currency="EUR", rate="0.80")
    session.commit()
    return made


def test_a_payment_is_recorded_and_completes_the_contribution(forms, session, commitment):
    url = f"/contributions/{commitment.id}/payments/new"
    response = forms.post(url, {"date_received": "2026-03-10", "amount": "1000.00", "rate": "0.8", "reference": "W1"})
    assert response.status_code == 302
    session.refresh(commitment)
    assert commitment.status == "paid"
    assert figures_of(session, "KHM-SME").received_cents == 125_000


@pytest.mark.parametrize("field, value, message", [
    ("amount", "12.345", "at most 2 decimal places"),
    ("amount", "NaN", "digits"),
    ("rate", "0", "more than zero"),
    ("date_received", "2999-12-31", "cannot be in the future"),
    ("date_received", "", "Enter the date received."),
])
def test_a_bad_payment_is_refused_beside_the_field(forms, session, commitment, field, value, message):
    entry = {"date_received": "2026-03-10", "amount": "100.00", "rate": "0.8", field: value}
    response = forms.post(f"/contributions/{commitment.id}/payments/new", entry)
    assert response.status_code == 400
    assert message in error_beside(response.get_data(as_text=True), field)
    assert stored(session, Payment) == 0


def test_a_payment_on_a_cancelled_contribution_is_refused(forms, session, commitment):
    url = f"/contributions/{commitment.id}/payments/new"
    opened = forms.hidden(url)
    contributions.cancel_contribution(session, commitment, "Agreement withdrawn", commitment.version)
    session.commit()
    response = forms.client.post(url, data={**opened, "date_received": "2026-03-10", "amount": "100.00",
                                            "rate": "0.8"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This contribution is cancelled; its payments cannot change." in page and 'value="100.00"' in page
    assert stored(session, Payment) == 0


def test_cancelling_keeps_the_record_with_its_reason(forms, session, commitment):
    url = f"/contributions/{commitment.id}/cancel"
    response = forms.post(url, {"reason": "Donor withdrew", "version": str(commitment.version)})
    assert response.status_code == 302
    session.refresh(commitment)
    assert (commitment.status, commitment.cancel_reason) == ("cancelled", "Donor withdrew")
    assert figures_of(session, "KHM-SME").funding_cents == 0


def test_cancelling_without_a_reason_is_refused(forms, session, commitment):
    response = forms.post(f"/contributions/{commitment.id}/cancel", {"reason": " ", "version": str(commitment.version)})
    assert response.status_code == 400
    assert "Say why" in error_beside(response.get_data(as_text=True), "reason")
    session.refresh(commitment)
    assert commitment.status == "committed"


def edit_form(commitment, **changes) -> dict:
    return {**GOOD, "donor_id": str(commitment.donor_id), "new_donor": "", "amount": "1200.00", "currency": "EUR",
            "rate": "0.8", "version": str(commitment.version), **changes}


def test_an_edit_saves_over_the_version_it_was_made_from(forms, session, commitment):
    response = forms.post(f"/contributions/{commitment.id}/edit", edit_form(commitment))
    assert response.status_code == 302
    session.refresh(commitment)
    assert commitment.amount_minor == 120_000


def test_saving_over_a_newer_version_is_refused_with_409(forms, session, commitment):
    """Two officers open the same contribution; the second save must not erase the first."""
    url = f"/contributions/{commitment.id}/edit"
    token = forms.token(url)
    first = forms.client.post(url, data={**edit_form(commitment, amount="1100.00"), "csrf_token": token})
    assert first.status_code == 302
    second = forms.client.post(url, data={**edit_form(commitment, amount="999.00"), "csrf_token": token})
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "changed by someone else" in page
    # Both changed the amount: the form holds the one saved, theirs is shown beside it to choose again.
    assert re.search(r'<tr class="clash">\s*<th scope="row">Amount</th>\s*<td>1100.00.*?<td>999.00', page, re.S)
    assert 'name="amount" type="text" value="1100.00"' in page
    session.refresh(commitment)
    assert commitment.amount_minor == 110_000


def test_unknown_pages_answer_404_not_500(client):
    assert client.get("/contributions/999/edit").status_code == 404
    assert client.get("/gaps/NOPE").status_code == 404
    assert client.get("/gaps/NOPE/contributions/new").status_code == 404


def test_a_whole_rate_on_file_prefills_the_form_without_an_exponent(forms, runner, session, gap):
    """4100 KHR per US$ once came out as 4.1E+3, which the amount parser then refused."""
    assert runner.invoke(args=["add-rate", "KHR", "2026-02-15", "4100"]).exit_code == 0
    page = html.unescape(forms.client.get("/gaps/KHM-SME/contributions/new").get_data(as_text=True))
    assert '"KHR": {"rate": "4100"' in page
    factories.add_contribution(session, gap, "4100000", currency="KHR", rate="4100")
    session.commit()
    assert "at 4100 KHR/US$" in forms.client.get("/gaps/KHM-SME").get_data(as_text=True)
