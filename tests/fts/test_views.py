"""The web import of an FTS export: recognised on upload, plans mapped to gaps, preview, import — CSRF on."""
from __future__ import annotations

import io

import pytest

from tests import factories
from tests.conftest import hidden_fields
from tests.fts import exports
from tests.imports import files
from tests.web.test_imports import count
from tracker.core.models import Contribution, FtsPlan


@pytest.fixture
def gap(session):
    made = factories.add_gap(session, "AFG-HRP-2020")
    session.commit()
    return made


def uploaded(forms, content=None) -> str:
    response = forms.post("/import", {"spreadsheet": (io.BytesIO(content or exports.csv_file()), "fts.csv")})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return response.headers["Location"]


def send(forms, url: str, action: str, plans: dict[str, str]):
    page = forms.client.get(url).get_data(as_text=True)
    return forms.client.post(url, data={**hidden_fields(page), **plans, action: "1"})


def test_an_fts_export_is_recognised_previewed_and_imported_once(forms, session, gap):
    url = uploaded(forms)
    assert "/import/fts/" in url
    page = forms.client.get(url).get_data(as_text=True)
    assert "HAFG20 — Plan HAFG20, 2020" in page and "HSOM20" in page
    preview = send(forms, url, "preview", {"plan_0": "AFG-HRP-2020"})
    assert preview.status_code == 200 and "flow 200001 (row 3): added" in preview.get_data(as_text=True)
    assert count(session, Contribution) == 0
    done = send(forms, url, "confirm", {"plan_0": "AFG-HRP-2020"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/done")
    result = forms.client.get(done.headers["Location"]).get_data(as_text=True)
    assert "fts.csv imported: 6 flow(s) added, 0 updated." in result and "plan HAFG20: US$ 5,062,648.00" in result
    assert count(session, Contribution) == 6 and count(session, FtsPlan) == 1
    again = send(forms, url, "confirm", {"plan_0": "AFG-HRP-2020"})  # Back, Import again: the one-time key
    assert again.status_code == 302 and count(session, Contribution) == 6
    later = uploaded(forms, exports.csv_file(exports.later()))
    page = forms.client.get(later).get_data(as_text=True)
    assert '<option selected value="AFG-HRP-2020">' in page  # the plan's gap remembered


def test_without_a_plan_chosen_or_without_the_csrf_token_nothing_is_imported(forms, session, gap):
    url = uploaded(forms)
    refused = send(forms, url, "confirm", {"plan_0": "", "plan_1": ""})
    assert refused.status_code == 400 and "Choose the funding gap of at least one plan." in refused.get_data(
        as_text=True)
    forged = forms.client.post(url, data={"plan_0": "AFG-HRP-2020", "confirm": "1"})
    assert forged.status_code == 400 and count(session, Contribution) == 0


def test_a_generic_upload_is_not_an_fts_one(forms, session, gap):
    response = forms.post("/import", {"spreadsheet": (io.BytesIO(files.workbook(files.CLEAN)), "p.xlsx")})
    token = response.headers["Location"].rsplit("/", 1)[1]
    assert forms.client.get(f"/import/fts/{token}").status_code == 404


def test_the_generic_import_pages_of_an_fts_upload_lead_to_its_result(forms, session, gap):
    url = uploaded(forms)
    send(forms, url, "confirm", {"plan_0": "AFG-HRP-2020"})
    token = url.rsplit("/", 1)[1]
    for generic in (f"/import/{token}/done", f"/import/{token}/skipped.xlsx"):
        response = forms.client.get(generic)
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/import/fts/{token}/done")


def test_an_fts_file_imported_through_the_generic_columns_leads_to_the_generic_result(forms, session, gap):
    url = uploaded(forms)
    token = url.rsplit("/", 1)[1]
    generic = f"/import/{token}"
    page = forms.client.get(generic).get_data(as_text=True)
    columns = {"column_donor": "srcOrganization", "column_amount": "amountUSD", "default_gap": "AFG-HRP-2020",
               "default_currency": "USD", "column_status": "status", "skip_invalid": "y", "confirm": "1"}
    assert forms.client.post(generic, data={**hidden_fields(page), **columns}).status_code == 302
    response = forms.client.get(f"/import/fts/{token}/done")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/import/{token}/done")
