"""Cancelling and writing off ask first, on a page that says what will happen, with a button
that names what it does."""
from __future__ import annotations

import html

import pytest

from tests import factories
from tracker.contributions import rules as contributions


@pytest.fixture
def gap(session):
    made = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    session.commit()
    return made


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_cancel_page_says_what_cancelling_a_commitment_does(client, session, gap):
    made = factories.add_contribution(session, gap, "1000.00")
    session.commit()
    page = page_of(client, f"/contributions/{made.id}/cancel")
    assert f"<h1>Cancel contribution No. {made.id}?</h1>" in page
    assert "US$ 1,000.00 no longer counts as funding" in page and "cannot be undone" in page
    assert f'<button type="submit" class="danger">Cancel contribution No. {made.id}</button>' in page
    assert "Keep it and go back</a>" in page


def test_the_cancel_page_of_a_pledge_says_it_leaves_the_open_pledges(client, session, gap):
    made = factories.add_contribution(session, gap, "250.00", status="pledged")
    session.commit()
    assert "US$ 250.00 leaves the gap's open pledges" in page_of(client, f"/contributions/{made.id}/cancel")


def test_the_cancel_page_says_at_once_when_a_contribution_cannot_be_cancelled(client, session, gap):
    made = factories.add_contribution(session, gap, "1000.00")
    factories.add_payment(session, made, "10.00", received=contributions.today())
    session.commit()
    page = page_of(client, f"/contributions/{made.id}/cancel")
    assert "Money has been received against this contribution, so it cannot be cancelled." in page
    assert "<button" not in page.split("<main")[1]  # no form to fill in for nothing


def test_the_write_off_button_names_the_amount_given_up(client, session, gap):
    made = factories.add_contribution(session, gap, "1000.00", currency="EUR", rate="0.9")
    factories.add_payment(session, made, "300.00", rate="0.9", received=contributions.today())
    session.commit()
    page = page_of(client, f"/contributions/{made.id}/write-off")
    assert '<button type="submit" class="danger">Write off 700.00 EUR</button>' in page
    assert "cannot be undone" in page and "I confirm" in page


def test_row_actions_name_their_contribution_for_screen_readers(client, session, gap):
    made = factories.add_contribution(session, gap, "1000.00")
    session.commit()
    page = page_of(client, "/gaps/KHM-SME")
    assert f'Cancel<span class="visually-hidden"> contribution No. {made.id}</span>…</a>' in page
