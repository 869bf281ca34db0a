"""Programmes through their forms: created, refused beside the field, revised, never recoded;
a gap belongs to one."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.web.test_contributions import error_beside
from tracker.core.models import Programme
from tracker.programmes.rules import get_programme

LAO = {"code": "ilo-sp-lao", "name": "ILO Social Protection Programme — Lao PDR", "organisation": "ILO",
       "countries": ["TH", "LA"], "contact": "https://www.social-protection.org", "description": "Social protection."}


def test_a_new_programme_is_stored_with_its_countries_sorted(forms, session):
    response = forms.post("/programmes/new", LAO)
    assert response.status_code == 302 and response.headers["Location"].endswith("/programmes/ILO-SP-LAO")
    programme = get_programme(session, "ILO-SP-LAO")
    assert (programme.countries, programme.contact, programme.published) == ("LA TH", LAO["contact"], False)


@pytest.mark.parametrize("field, value, message", [
    ("code", "no spaces!", "capital letters"),
    ("name", "", "Enter the programme's name."),
    ("countries", [], "Choose at least one country."),
    ("countries", ["XX"], "XX: not an ISO 3166 country code."),
    ("contact", "call us", "Enter an e-mail address"),
    ("description", "x" * 1001, "At most 1,000 characters"),
])
def test_a_bad_programme_is_refused_beside_the_field(forms, session, field, value, message):
    response = forms.post("/programmes/new", {**LAO, field: value})
    assert response.status_code == 400
    assert message in error_beside(response.get_data(as_text=True), field)
    assert session.scalar(select(func.count()).select_from(Programme)) == 0


def test_a_programme_is_revised_but_never_recoded_and_a_stale_form_is_refused(forms, session):
    programme = factories.add_programme(session, "ILO-SP-LAO", countries=["LA"])
    session.commit()
    fields = {**LAO, "code": "ILO-SP-LAO", "version": str(programme.version)}
    assert forms.post("/programmes/ILO-SP-LAO/edit", {**fields, "code": "OTHER"}).status_code == 400
    assert forms.post("/programmes/ILO-SP-LAO/edit", {**fields, "published": "y"}).status_code == 302
    session.expire_all()
    assert get_programme(session, "ILO-SP-LAO").published is True
    session.commit()  # and no transaction left open: the next post must be able to write (SQLite)
    assert forms.post("/programmes/ILO-SP-LAO/edit", {**fields, "name": "Stale"}).status_code == 409


def test_a_new_gap_from_a_programme_starts_in_it_and_an_unknown_programme_is_refused(forms, client, session):
    factories.add_programme(session, "ILO-SP-LAO", countries=["LA"])
    session.commit()
    page = client.get("/gaps/new?programme=ilo-sp-lao").get_data(as_text=True)
    assert re.search(r'<option (selected )?value="ILO-SP-LAO"( selected)?>', page).group(0).count("selected") == 1
    assert re.search(r'<option (selected )?value="LA"( selected)?>', page).group(0).count("selected") == 1
    response = forms.post("/gaps/new", {"code": "LAO-1", "title": "Health", "country": "LA", "programme": "NOPE",
                                        "requirement": "1000", "status": "open"})
    assert response.status_code == 400
    assert "Choose the programme" in error_beside(response.get_data(as_text=True), "programme")


def test_the_programme_page_lists_its_gaps_figures_and_an_unknown_one_is_404(client, session):
    gap = factories.add_gap(session, "LAO-1", requirement="1000.00", programme="ILO-SP-LAO")
    factories.add_gap(session, "KHM-SME", requirement="5000.00")
    factories.add_contribution(session, gap, "250.00")
    session.commit()
    page = client.get("/programmes/ILO-SP-LAO").get_data(as_text=True)
    assert "LAO-1" in page and "KHM-SME" not in page and "250.00" in page
    assert client.get("/programmes/NOPE").status_code == 404


def test_the_edit_forms_show_the_programme_and_countries_as_stored(client, session):
    """The forms a person saves without touching a field: the selects must hold what is stored."""
    factories.add_gap(session, "LAO-1", programme="ILO-SP-LAO", country="LA")
    factories.add_programme(session, "ILO-SP-LAO").countries = "LA TH"
    session.commit()
    gap_page = client.get("/gaps/LAO-1/edit").get_data(as_text=True)
    programme_page = client.get("/programmes/ILO-SP-LAO/edit").get_data(as_text=True)
    assert _selected(gap_page, "programme") == ["ILO-SP-LAO"]
    assert _selected(programme_page, "countries") == ["LA", "TH"]


def _selected(page: str, name: str) -> list[str]:
    """The values of the options of select ``name`` that are marked selected."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    options = re.findall(r"<option([^>]*)>", select)
    return [re.search(r'value="([^"]*)"', attrs).group(1) for attrs in options if "selected" in attrs]
