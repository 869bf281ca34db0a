"""Searching donors by name and contributions by donor, reference or gap code: any case, and
a typed ``%`` or ``_`` is a character to find, not a wildcard."""
from __future__ import annotations

import re

import pytest

from tests import factories


@pytest.fixture
def ledger(session):
    sme = factories.add_gap(session, "KHM-SME")
    agri = factories.add_gap(session, "KHM-AGRI")
    factories.add_contribution(session, sme, "100.00", donor="Government of Japan", reference="JP-2026/01")
    factories.add_contribution(session, agri, "200.00", donor="European Union", reference="EU_100%")
    factories.add_contribution(session, agri, "300.00", donor="Österreich Stiftung", reference="EUX1000")
    factories.add_contribution(session, sme, "400.00", donor="Sweden", reference="SE-9")
    session.commit()


def references(page: str) -> set[str]:
    return {ref for ref in ("JP-2026/01", "EU_100%", "EUX1000", "SE-9")
            if f'<span class="long">{ref}</span></td>' in page}


@pytest.mark.parametrize("q, found", [
    ("japan", {"JP-2026/01"}),  # donor name, any case
    ("GOVERNMENT OF", {"JP-2026/01"}),
    ("  government   of  ", {"JP-2026/01"}),  # spaces as typed do not matter
    ("jp-2026", {"JP-2026/01"}),  # reference, any case
    ("agri", {"EU_100%", "EUX1000"}),  # gap code
    ("khm-sme", {"JP-2026/01", "SE-9"}),
    ("österreich", {"EUX1000"}),  # case folding beyond ASCII on both databases
    ("ÖSTERREICH", {"EUX1000"}),
    ("", {"JP-2026/01", "EU_100%", "EUX1000", "SE-9"}),  # no search: every contribution
])
def test_contributions_are_found_by_donor_reference_or_gap(client, ledger, q, found):
    response = client.get("/contributions", query_string={"q": q})
    assert response.status_code == 200
    assert references(response.get_data(as_text=True)) == found


@pytest.mark.parametrize("q, found", [
    ("EU_", {"EU_100%"}),  # "_" is not "any one character": EUX1000 does not match
    ("100%", {"EU_100%"}),  # "%" is not "anything": EUX1000 does not match
    ("%", {"EU_100%"}),
    ("_", {"EU_100%"}),
    ("\\", set()),
])
def test_percent_and_underscore_typed_in_a_search_are_literal(client, ledger, q, found):
    page = client.get("/contributions", query_string={"q": q}).get_data(as_text=True)
    assert references(page) == found


def test_a_search_that_finds_nothing_says_what_to_try(client, ledger):
    page = client.get("/contributions?q=Narnia").get_data(as_text=True)
    assert "No contribution matches “Narnia”" in page and 'href="/contributions"' in page


def test_search_results_are_paged_and_sorted_keeping_the_search(app, client, ledger):
    app.config["PAGE_SIZE"] = 1
    page = client.get("/contributions?q=khm&sort=usd&dir=asc&page=2").get_data(as_text=True)
    assert references(page) == {"EU_100%"}  # 100, [200], 300, 400
    assert "4 contributions match “khm”" in page
    assert "q=khm" in page.split('rel="next"')[0].rsplit("<a", 1)[1]


def test_a_search_too_long_is_a_clear_400(client, ledger):
    response = client.get("/contributions", query_string={"q": "x" * 201})
    assert response.status_code == 400 and "at most 200 characters" in response.get_data(as_text=True)


@pytest.mark.parametrize("role, status", [("viewer", 200), ("editor", 200), ("admin", 200)])
def test_staff_may_search_contributions(client_as, ledger, role, status):
    assert client_as(role).get("/contributions?q=japan").status_code == status


def test_a_donor_user_may_not_search_contributions(client_as, session, ledger):
    donor_id = factories.add_contribution(session, factories.add_gap(session, "KHM-X"), "1.00", donor="Sweden").donor_id
    session.commit()
    donor = client_as("donor", donor_id)
    assert donor.get("/contributions?q=japan").status_code == 403
    assert donor.get("/donors?q=japan").status_code == 403


@pytest.mark.parametrize("q, found", [
    ("JAPAN", {"Government of Japan"}),
    ("euro", {"European Union"}),
    ("e", {"Government of Japan", "European Union", "Österreich Stiftung", "Sweden"}),
    ("österreich", {"Österreich Stiftung"}),
    ("_", set()),
    ("%", set()),
    ("Narnia", set()),
])
def test_donors_are_found_by_name_in_any_case(client, ledger, q, found):
    page = client.get("/donors", query_string={"q": q}).get_data(as_text=True)
    names = {"Government of Japan", "European Union", "Österreich Stiftung", "Sweden"}
    assert {name for name in names if f">{name}</a></th>" in page} == found
    if not found:
        assert f"No donor's name contains “{q}”" in page


def test_search_text_is_shown_escaped(client, ledger):
    page = client.get("/contributions", query_string={"q": "<script>alert(1)</script>"}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_staff_find_the_search_in_the_navigation(client, ledger):
    nav = client.get("/").get_data(as_text=True).split("</nav>")[0]
    assert re.search(r'<a href="/contributions"\s*>Contributions</a>', nav)
    assert 'aria-current="page">Contributions</a>' in client.get("/contributions").get_data(as_text=True)
