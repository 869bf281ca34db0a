"""The rates page through the real request path, CSRF on: upload a table, add and correct a
rate (audited, concurrent edits refused), and the forms that prefill the rate in force."""
from __future__ import annotations

import html
import io
import json
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import FormClient
from tests.rates import samples
from tracker.core.models import AuditEntry, Contribution, ExchangeRate
from tracker.rates import rules


def count(session, model=ExchangeRate):
    return session.scalar(select(func.count()).select_from(model))


def upload(forms, path, source, content=None, name=None):
    content = path.read_bytes() if content is None else content
    return forms.post("/rates/import", {"file": (io.BytesIO(content), name or path.name), "source": source},
                      token_from="/rates")


def text(response) -> str:
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def test_an_uploaded_un_table_is_listed_with_who_added_it(forms, session):
    response = upload(forms, samples.UN, "un-operational")
    assert response.status_code == 302
    page = text(forms.client.get("/rates"))
    assert "un-operational-2026-03.csv: 7 added, 0 corrected, 0 already on file" in page
    assert "March 2026" in page and "0.851" in page and "UN operational rates of exchange" in page
    assert "editor@example.org" in page
    assert count(session) == 7


def test_an_uploaded_workbook_and_ecb_file_import_too(forms, session):
    assert upload(forms, samples.UN, "un-operational", samples.un_workbook(), "rates.xlsx").status_code == 302
    assert upload(forms, samples.ECB, "ecb").status_code == 302
    assert count(session) == 7 + 11


def test_a_broken_upload_lists_every_problem_beside_the_file_and_imports_nothing(forms, session):
    response = upload(forms, samples.UN_BROKEN, "un-operational")
    assert response.status_code == 400
    page = text(response)
    assert "Nothing was imported: un-operational-broken.csv has 5 problem(s)." in page
    for said in ("Row 3, column C", "Row 4, column D", "Row 5, column D", "Row 6, column E", "Row 7, column D"):
        assert said in page
    assert count(session) == 0


@pytest.mark.parametrize("content, name, said", [
    (b"", "empty.csv", "The file is empty."),
    (b"not a zip", "rates.xlsx", "damaged"),
    (b"Date,USD\n", "rates.pdf", "Upload an Excel workbook (.xlsx) or a CSV file (.csv)."),
])
def test_a_file_that_is_no_table_is_refused_beside_the_field(forms, session, content, name, said):
    response = upload(forms, samples.ECB, "ecb", content, name)
    assert response.status_code == 400 and said in text(response)
    assert count(session) == 0


def test_an_upload_without_its_csrf_token_is_refused(client, session):
    response = client.post("/rates/import", data={"file": (io.BytesIO(samples.ECB.read_bytes()), "e.csv"),
                                                  "source": "ecb"})
    assert response.status_code == 400 and count(session) == 0


def test_a_viewer_reads_the_rates_but_cannot_change_them(client_as, session):
    viewer = client_as("viewer")
    assert viewer.get("/rates").status_code == 200
    assert "Import a published table" not in viewer.get("/rates").get_data(as_text=True)
    sent = {"currency": "EUR", "day": "2026-03-02", "rate": "0.9", "kind": "typed"}
    assert FormClient(viewer).post("/rates/add", sent, token_from="/rates").status_code == 403
    assert count(session) == 0


def test_a_rate_is_added_once_and_a_second_for_the_same_day_is_refused(forms, session):
    sent = {"currency": "EUR", "day": "2026-03-02", "rate": "0.9", "kind": "typed", "source": "Bank"}
    assert forms.post("/rates/add", sent, token_from="/rates").status_code == 302
    again = forms.post("/rates/add", sent, token_from="/rates")
    assert again.status_code == 400 and "already on file: correct that one instead" in text(again)
    bad = forms.post("/rates/add", {**sent, "rate": "NaN"}, token_from="/rates")
    assert bad.status_code == 400 and "Enter the exchange rate as digits" in text(bad)
    assert count(session) == 1


@pytest.fixture
def recorded(session):
    """A EUR contribution recorded at the UN rate of March 2026, and that rate, as stored then."""
    rules.import_table(session, samples_table(), "un-operational", "un.csv")
    gap = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    made = factories.add_contribution(session, gap, "100000.00", currency="EUR", decision_date=date(2026, 3, 20))
    rate = session.scalar(select(ExchangeRate).where(ExchangeRate.currency == "EUR",
                                                      ExchangeRate.date == date(2026, 3, 1)))
    stored = SimpleNamespace(id=made.id, rate=made.rate, usd_cents=made.usd_cents, rate_id=rate.id)
    session.commit()
    return stored


def samples_table():
    from tracker.imports.files import read_table
    from tracker.rates import files
    return files.read_rates(read_table("un.csv", samples.UN.read_bytes(), max_unzipped=10**7), files.UN_OPERATIONAL)


def test_a_correction_keeps_the_old_value_in_the_trail_and_recorded_contributions_unchanged(forms, session, recorded):
    made = recorded
    assert (made.rate, made.usd_cents) == (Decimal("0.851"), 11_750_881)
    url = f"/rates/{made.rate_id}/correct"
    response = forms.post(url, {"rate": "0.86", "reason": "UN Treasury revised the March rate"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(ExchangeRate, made.rate_id).units_per_usd == Decimal("0.86")
    stored = session.get(Contribution, made.id)
    assert (stored.rate, stored.usd_cents) == (Decimal("0.851"), 11_750_881)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.record_type == "exchange rate",
                                                     AuditEntry.record_id == made.rate_id)
                            .order_by(AuditEntry.id)).all()[-1]
    assert (entry.action, entry.actor, entry.reason) == ("update", "editor@example.org",
                                                          "UN Treasury revised the March rate")
    assert json.loads(entry.before)["units_per_usd"] != json.loads(entry.after)["units_per_usd"]
    page = text(forms.client.get(url))
    assert "UN Treasury revised the March rate" in page and "0.851" in page


def test_a_correction_from_a_stale_form_is_refused(forms, session, recorded):
    url = f"/rates/{recorded.rate_id}/correct"
    stale = forms.hidden(url)
    assert forms.post(url, {"rate": "0.86", "reason": "first"}).status_code == 302
    response = forms.client.post(url, data={**stale, "rate": "0.87", "reason": "second"})
    assert response.status_code == 409
    session.expire_all()
    assert session.get(ExchangeRate, recorded.rate_id).units_per_usd == Decimal("0.86")


def test_a_correction_needs_a_reason_and_a_rate(forms, session, recorded):
    response = forms.post(f"/rates/{recorded.rate_id}/correct", {"rate": "-1", "reason": ""})
    assert response.status_code == 400
    assert "more than zero" in text(response) and "Say why the rate is corrected." in text(response)


def test_the_rate_in_force_between_two_published_ones(client, session):
    rules.import_table(session, samples_table(), "un-operational", "un.csv")
    session.commit()

    def in_force(currency, on):
        return client.get(f"/rates/in-force?currency={currency}&on={on}").json

    assert in_force("EUR", "2026-03-20") == {"currency": "EUR", "on": "2026-03-20", "rate": "0.851",
                                             "described": "UN operational rate for March 2026"}
    assert in_force("EUR", "2026-04-02")["described"] == "UN operational rate for March 2026, the nearest earlier month"
    assert in_force("JPY", "2026-03-15")["rate"] == "149.5"
    assert in_force("JPY", "2026-03-16")["described"] == "UN operational rate effective 2026-03-16"
    assert in_force("EUR", "2026-01-31")["rate"] is None
    assert client.get("/rates/in-force?currency=XYZ&on=2026-03-01").status_code == 400
    assert client.get("/rates/in-force?currency=EUR&on=2026-02-30").status_code == 400


def test_the_ecb_day_or_the_nearest_earlier_one_and_the_preferred_table(client, runner, session, app):
    assert runner.invoke(args=["rates", "import", str(samples.ECB), "--source", "ecb"]).exit_code == 0
    found = client.get("/rates/in-force?currency=CZK&on=2026-03-11").json
    assert found["rate"] == "23.0889810973"  # 25.040 / 1.0845, published on the 10th
    assert found["described"] == "ECB reference rate of 2026-03-10, the nearest earlier day"
    assert client.get("/rates/in-force?currency=JPY&on=2026-03-11").json["rate"] is None  # N/A on the 10th
    assert runner.invoke(args=["rates", "import", str(samples.UN), "--source", "un-operational"]).exit_code == 0
    assert client.get("/rates/in-force?currency=JPY&on=2026-03-13").json["rate"] == "149.5"
    app.config["TRACKER_RATE_SOURCE"] = "ecb"
    assert client.get("/rates/in-force?currency=JPY&on=2026-03-13").json["rate"] == "148.1617647059"


def test_the_payment_form_prefills_the_rate_in_force_and_says_which(forms, session, recorded, monkeypatch):
    made = recorded
    monkeypatch.setattr("tracker.contributions.rules.today", lambda: date(2026, 3, 10))
    page = text(forms.client.get(f"/contributions/{made.id}/payments/new"))
    assert 'name="rate" type="text" value="0.851"' in page or 'value="0.851"' in page
    assert "UN operational rate for March 2026" in page
    assert 'data-prefilled="true"' in page and 'data-rate-dates="date_received"' in page  # rates.js follows the date
    posted = forms.post(f"/contributions/{made.id}/payments/new",
                        {"date_received": "2026-03-10", "amount": "1000.00", "rate": "0.9", "reference": ""})
    assert posted.status_code == 302  # a typed rate is still taken


def test_the_contribution_form_carries_the_rates_in_force_on_its_date(forms, session, recorded, monkeypatch):
    monkeypatch.setattr("tracker.contributions.rules.today", lambda: date(2026, 3, 20))
    page = forms.client.get("/gaps/KHM-SME/contributions/new").get_data(as_text=True)
    carried = json.loads(html.unescape(page.split('data-rates="', 1)[1].split('"', 1)[0]))
    assert carried["EUR"] == {"rate": "0.851", "described": "UN operational rate for March 2026"}
    assert carried["JPY"]["rate"] == "147.25"
    assert 'data-rates-on="2026-03-20"' in page
