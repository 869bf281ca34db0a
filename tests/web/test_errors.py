"""Friendly error pages: what happened, what to do next, and a way home."""
from __future__ import annotations

import html
import logging

import pytest

from tests import factories


def main_of(page: str) -> str:
    """The page's main content, entities decoded."""
    return html.unescape(page[page.index("<main"):page.index("</main>")])


def test_a_missing_record_says_which_and_links_home(client):
    response = client.get("/gaps/NOPE")
    page = main_of(response.get_data(as_text=True))
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in page and "There is no funding gap with the code NOPE." in page
    assert "What you can do" in page and 'href="/"' in page and 'href="/contributions"' in page


def test_an_unknown_address_gets_the_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is no page at this address." in response.get_data(as_text=True)


def test_a_refusal_says_the_role_lacks_permission_and_what_to_ask_for(client_as):
    response = client_as("viewer").get("/gaps/new")
    page = main_of(response.get_data(as_text=True))
    assert response.status_code == 403
    assert "<h1>You do not have permission to see this page</h1>" in page
    assert "viewer@example.org, whose role (viewer) does not give access to this page" in page
    assert "ask the tracker's administrator to change your role" in page and 'href="/"' in page


def test_a_donor_user_refused_is_not_offered_staff_pages(client_as, session):
    gap = factories.add_gap(session, "KHM-SME")
    donor_id = factories.add_contribution(session, gap, "1.00").donor_id
    session.commit()
    page = main_of(client_as("donor", donor_id).get("/donors").get_data(as_text=True))
    assert "role (donor)" in page and 'href="/contributions"' not in page and 'href="/"' in page


def test_a_bad_address_option_offers_the_page_in_its_usual_order(client):
    response = client.get("/donors?sort=nonsense&q=x")
    page = main_of(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "cannot be sorted by “nonsense”" in page and 'href="/donors">Open this page in its usual order' in page


def test_an_unexpected_error_is_logged_and_shown_as_a_friendly_500(client, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr("tracker.gaps.views.gap_figures", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("/")
    page = main_of(response.get_data(as_text=True))
    assert response.status_code == 500
    assert "<h1>Something went wrong on our side</h1>" in page and "Nothing was saved" in page
    assert "Time of the error:" in page and "UTC" in page
    assert "disk is on fire" not in page  # details go to the log, not to the visitor
    assert any("Unhandled error on GET /" in r.getMessage() and r.exc_info for r in caplog.records)


@pytest.mark.parametrize("url, status", [("/api/v1/gaps/NOPE", 404), ("/api/v1/jobs/runs?limit=0", 400)])
def test_the_api_answers_errors_in_json(client_as, url, status):
    response = client_as("admin").get(url)
    assert response.status_code == status and response.is_json and response.json["message"]


def test_an_expired_form_says_to_reload_and_try_again(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/gaps/new", data={"code": "X"})
    page = main_of(response.get_data(as_text=True))
    assert response.status_code == 400 and "<h1>Form expired</h1>" in page and "reload the page" in page
